import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/logger';
import { GENESIS, chainHash, contentDigest, verifyChain } from '../../src/consent/chain';
import {
  CHECKPOINT_GENESIS_LINK,
  CheckpointMismatchError,
  FirstCheckpointRefusedError,
  checkpointLink,
  createCheckpoint,
  parseCheckpointLines,
  signCheckpoint,
  startCheckpointer,
  verifyLedger,
  type Checkpoint,
} from '../../src/consent/checkpoints';
import { generateSigningKey, parseSigningKey } from '../../src/consent/signing-key';
import type { ConsentEventRow } from '../../src/db/tables/consent-event';
import type { Db } from '../../src/db';
import { createTestDatabase, DIALECTS } from '../helpers/databases';
import { inbound, optIn, startHarness, uniquePhone, type Harness } from '../helpers/harness';
import { killLeftoverGateways, spawnGateway } from '../helpers/gateway-process';
import { runLedgerCli } from '../helpers/ledger-cli';

/** The gateway's key, and an attacker's. */
const gatewayKey = generateSigningKey();
const attackerKey = generateSigningKey();

/**
 * What someone with write access to the database can do with the project's own functions: change
 * an event, then recompute its digest and every later link so that the chain verifies again.
 */
async function rewriteEvent(db: Db, id: number, change: Partial<ConsentEventRow>): Promise<void> {
  const rows = await db.selectFrom('consent_events').selectAll().orderBy('id', 'asc').execute();
  let previous = GENESIS;
  for (const row of rows) {
    if (row.id < id) {
      previous = row.chain_hash!;
      continue;
    }
    const content = row.id === id ? { ...row, ...change } : row;
    const digest = contentDigest(content);
    const link = chainHash(previous, digest);
    await db
      .updateTable('consent_events')
      .set({ ...(row.id === id ? change : {}), content_digest: digest, chain_hash: link })
      .where('id', '=', row.id)
      .execute();
    previous = link;
  }
}

async function storedCheckpoints(db: Db): Promise<Checkpoint[]> {
  const rows = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    last_event_id: Number(r.last_event_id),
    event_count: Number(r.event_count),
    sequence: r.sequence === null ? null : Number(r.sequence),
  }));
}

/** Re-signs every stored checkpoint over the rewritten chain, in place, with the given key, links included. */
async function resignCheckpoints(db: Db, key: ReturnType<typeof parseSigningKey>, keepKeyId?: string): Promise<void> {
  let previousLink = CHECKPOINT_GENESIS_LINK;
  for (const c of await storedCheckpoints(db)) {
    const event = await db.selectFrom('consent_events').select('chain_hash').where('id', '=', c.last_event_id).executeTakeFirstOrThrow();
    const forged = signCheckpoint(key, {
      sequence: c.sequence,
      previous_link: c.sequence === null ? null : previousLink,
      last_event_id: c.last_event_id,
      event_count: c.event_count,
      chain_head: event.chain_hash!,
      signed_at: c.signed_at,
    });
    await db
      .updateTable('ledger_checkpoints')
      .set({ chain_head: forged.chain_head, key_id: keepKeyId ?? forged.key_id, signature: forged.signature, previous_link: forged.previous_link })
      .where('id', '=', c.id)
      .execute();
    previousLink = checkpointLink(forged);
  }
}

describe.each(DIALECTS)('signed ledger checkpoints (%s)', (dialect) => {
  let h: Harness;
  let dir: string;
  let stopId: number;
  /** An auditor: the database and the public key, not the private key. */
  let auditorEnv: Record<string, string>;
  const verify = (...args: string[]) => runLedgerCli(['verify', ...args], auditorEnv);

  beforeEach(async () => {
    h = await startHarness(dialect, { env: { LEDGER_SIGNING_KEY: gatewayKey.privateKeyText } });
    dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
    auditorEnv = { ...h.database.env, LEDGER_PUBLIC_KEY: gatewayKey.publicKey.text };
    await optIn(h, uniquePhone());
    const stopped = uniquePhone();
    await optIn(h, stopped);
    h.setNow('2026-11-25T20:05:00.000Z');
    await inbound(h, stopped, 'STOP');
    stopId = (await h.ctx.db.selectFrom('consent_events').select('id').where('phone', '=', stopped).where('event_type', '=', 'opt_out').executeTakeFirstOrThrow()).id;
    await optIn(h, uniquePhone());
  });
  afterEach(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verify passes on an untouched ledger, with the public key alone, and counts the events not yet signed', async () => {
    const signed = await runLedgerCli(['checkpoint'], { ...h.database.env, LEDGER_SIGNING_KEY: gatewayKey.privateKeyText });
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(new RegExp(`^signed checkpoint 1 \\(event \\d+, signed .+, key ${gatewayKey.publicKey.id}\\): 4 events`));
    await inbound(h, uniquePhone(), 'STOP');

    const ok = await verify();
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ledger verified: 5 events, chain head [0-9a-f]{64}$/m);
    expect(ok.stdout).toMatch(/checkpoints verified: 1 \(1 in the database\); latest checkpoint 1 .*; 1 events after it are not signed yet/);
  });

  it('an event rewritten with its chain recomputed passes the chain check, but not the signed checkpoint', async () => {
    await createCheckpoint(h.ctx);
    // The STOP "arrived" a day later, after the disputed marketing text.
    await rewriteEvent(h.ctx.db, stopId, { occurred_at: '2026-11-26T20:05:00.000Z', recorded_at: '2026-11-26T20:05:00.000Z' });
    expect((await verifyChain(h.ctx.db)).ok).toBe(true);

    const result = await verifyLedger(h.ctx.db, { publicKeys: h.ctx.config.ledger.publicKeys });
    expect(result.ok).toBe(false);
    expect(result.checkpoints.failures[0]!.reason).toMatch(/chain head at event \d+ is not the signed one: events up to it were rewritten/);

    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^hash chain consistent: 4 events/);
    expect(broken.stdout).toMatch(/LEDGER BROKEN at checkpoint 1 \(event \d+, .*\), database: the chain head at event \d+ is not the signed one/);
    // The gateway's own checkpoint job refuses to sign over the rewrite, and says why.
    await expect(createCheckpoint(h.ctx)).rejects.toThrow(CheckpointMismatchError);
  });

  it('the gateway refuses to sign over a rewrite even after new events moved the head past its checkpoint', async () => {
    await createCheckpoint(h.ctx);
    await rewriteEvent(h.ctx.db, stopId, { occurred_at: '2026-11-26T20:05:00.000Z', recorded_at: '2026-11-26T20:05:00.000Z' });
    await inbound(h, uniquePhone(), 'STOP');
    await expect(createCheckpoint(h.ctx)).rejects.toThrow(CheckpointMismatchError);
  });

  it('each checkpoint counts the events from the one before: the signed counts equal a full count', async () => {
    await createCheckpoint(h.ctx);
    for (let i = 0; i < 3; i++) {
      await inbound(h, uniquePhone(), 'STOP');
      const outcome = await createCheckpoint(h.ctx);
      if (!outcome.created) throw new Error('a checkpoint was expected');
      const full = await h.ctx.db
        .selectFrom('consent_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('id', '<=', outcome.checkpoint.last_event_id)
        .executeTakeFirstOrThrow();
      expect(outcome.checkpoint.event_count).toBe(Number(full.n));
    }
    expect((await verify()).code).toBe(0);
  });

  it('a checkpoint forged with another key, or altered under the gateway key id, fails', async () => {
    await createCheckpoint(h.ctx);
    await rewriteEvent(h.ctx.db, stopId, { status: 'opted_in', event_type: 'opt_in' });

    await resignCheckpoints(h.ctx.db, parseSigningKey(attackerKey.privateKeyText));
    const otherKey = await verify();
    expect(otherKey.code).toBe(1);
    expect(otherKey.stdout).toContain(`signed by key ${attackerKey.publicKey.id}, which is not a trusted public key`);

    await resignCheckpoints(h.ctx.db, parseSigningKey(attackerKey.privateKeyText), gatewayKey.publicKey.id);
    const altered = await verify();
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(/the signature does not verify: the checkpoint was altered or forged/);
  });

  it('the exported copy catches a rewrite re-signed with the real key', async () => {
    await createCheckpoint(h.ctx);
    const file = join(dir, 'checkpoints.jsonl');
    const exported = await runLedgerCli(['checkpoints', 'export', '--out', file], h.database.env);
    expect(exported.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const copy = parseCheckpointLines(readFileSync(file, 'utf8'));
    expect(copy).toEqual(await storedCheckpoints(h.ctx.db));
    const publicKeys = h.ctx.config.ledger.publicKeys;
    expect((await verifyLedger(h.ctx.db, { publicKeys, exported: copy })).ok).toBe(true);

    // Someone holding the database and the private key rewrites and re-signs.
    await rewriteEvent(h.ctx.db, stopId, { raw_text: 'thanks!', keyword: null });
    await resignCheckpoints(h.ctx.db, parseSigningKey(gatewayKey.privateKeyText));
    expect((await verify()).code).toBe(0); // what is on this machine agrees with itself

    const anchored = await verify('--checkpoints', file);
    expect(anchored.code).toBe(1);
    expect(anchored.stdout).toMatch(/LEDGER BROKEN at checkpoint 1 .*, exported copy: checkpoint 1 in the database differs from the exported copy/);
    expect(anchored.stdout).toMatch(/and 1 more checkpoint failure/);
    const failures = (await verifyLedger(h.ctx.db, { publicKeys, exported: copy })).checkpoints.failures;
    expect(failures.map((f) => f.reason)).toContainEqual(expect.stringMatching(/events up to it were rewritten/));

    // Deleting the stored checkpoints instead does not help either.
    await h.ctx.db.deleteFrom('ledger_checkpoints').execute();
    const deleted = await verifyLedger(h.ctx.db, { publicKeys, exported: copy });
    expect(deleted.ok).toBe(false);
    expect(deleted.checkpoints.failures.map((f) => f.reason)).toEqual([
      expect.stringMatching(/checkpoint 1 of the exported copy is missing from the database/),
      expect.stringMatching(/events up to it were rewritten/),
    ]);
  });

  it('events removed from the end of the chain (still a valid chain) are caught', async () => {
    await createCheckpoint(h.ctx);
    const last = await h.ctx.db.selectFrom('consent_events').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    await h.ctx.db.deleteFrom('consent_state').where('last_event_id', '=', last.id).execute();
    await h.ctx.db.deleteFrom('consent_events').where('id', '=', last.id).execute();
    expect((await verifyChain(h.ctx.db)).ok).toBe(true);
    const truncated = await verify();
    expect(truncated.code).toBe(1);
    expect(truncated.stdout).toMatch(/event \d+, which it signs, is no longer in the ledger/);
    await expect(createCheckpoint(h.ctx)).rejects.toThrow(/past the chain's last event/);
  });

  it('without a public key, checkpoints cannot be vouched for: verify says so and fails', async () => {
    await createCheckpoint(h.ctx);
    const blind = await runLedgerCli(['verify'], h.database.env);
    expect(blind.code).toBe(1);
    expect(blind.stdout).toMatch(/no public key to check its signature with/);
    const given = await runLedgerCli(['verify', '--public-key', gatewayKey.publicKey.text], h.database.env);
    expect(given.code).toBe(0);
  });

  it('one checkpoint per chain head: unchanged heads are not signed again, instances racing sign once', async () => {
    const first = await createCheckpoint(h.ctx);
    expect(first).toMatchObject({ created: true, checkpoint: { id: 1, event_count: 4 } });
    expect(await createCheckpoint(h.ctx)).toMatchObject({ created: false, reason: 'head_unchanged' });

    await inbound(h, uniquePhone(), 'STOP');
    // A second gateway instance on the same database, signing at the same moment.
    const other = await createApp(h.ctx.config, { clock: h.ctx.clock });
    try {
      const outcomes = await Promise.all([createCheckpoint(h.ctx), createCheckpoint(other.ctx), createCheckpoint(h.ctx)]);
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    } finally {
      await other.close();
    }
    const rows = await storedCheckpoints(h.ctx.db);
    expect(rows.map((r) => r.event_count)).toEqual([4, 5]);
    expect((await verifyLedger(h.ctx.db, { publicKeys: h.ctx.config.ledger.publicKeys })).ok).toBe(true);
  });

  it('each checkpoint signs its sequence number and a link to the one before: one deleted from the middle fails verify', async () => {
    await createCheckpoint(h.ctx);
    await inbound(h, uniquePhone(), 'STOP');
    await createCheckpoint(h.ctx);
    await inbound(h, uniquePhone(), 'STOP');
    await createCheckpoint(h.ctx);
    const rows = await storedCheckpoints(h.ctx.db);
    expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.previous_link)).toEqual([CHECKPOINT_GENESIS_LINK, checkpointLink(rows[0]!), checkpointLink(rows[1]!)]);
    expect((await verify()).code).toBe(0);

    // The events that checkpoint 2 alone covered are rewritten; checkpoint 3 is kept, so the
    // ledger still looks signed to its end.
    await h.ctx.db.deleteFrom('ledger_checkpoints').where('sequence', '=', 2).execute();
    const gap = await verify();
    expect(gap.code).toBe(1);
    expect(gap.stdout).toMatch(/LEDGER BROKEN at checkpoint 3 .*, database: checkpoint sequence number 2 is missing before it: signed checkpoints were deleted/);

    // Renumbering the later one in the database does not help: the sequence number is signed.
    await h.ctx.db.updateTable('ledger_checkpoints').set({ sequence: 2 }).where('id', '=', rows[2]!.id).execute();
    const renumbered = await verify();
    expect(renumbered.code).toBe(1);
    expect(renumbered.stdout).toMatch(/the signature does not verify/);
  });

  it('checkpoint 1 deleted with the later ones kept fails verify too', async () => {
    await createCheckpoint(h.ctx);
    await inbound(h, uniquePhone(), 'STOP');
    await createCheckpoint(h.ctx);
    await h.ctx.db.deleteFrom('ledger_checkpoints').where('sequence', '=', 1).execute();
    const result = await verifyLedger(h.ctx.db, { publicKeys: h.ctx.config.ledger.publicKeys });
    expect(result.ok).toBe(false);
    expect(result.checkpoints.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/checkpoint sequence number 1 is missing before it/)]);
  });

  it('with a trusted public key, events and no checkpoint at all fail verify; without any key it only warns', async () => {
    const unsigned = await verify();
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toMatch(/^hash chain consistent: 4 events, chain head [0-9a-f]{64}; but no signed checkpoint vouches for it:$/m);
    expect(unsigned.stdout).toMatch(/^LEDGER NOT SIGNED: 4 events and not one signed checkpoint: they were deleted, or no gateway with LEDGER_SIGNING_KEY ever signed this ledger/m);
    expect((await verifyLedger(h.ctx.db, { publicKeys: h.ctx.config.ledger.publicKeys })).checkpoints.unsigned).toBe(true);

    const keyless = await runLedgerCli(['verify'], h.database.env);
    expect(keyless.code).toBe(0);
    expect(keyless.stdout).toMatch(/no signed checkpoints: the chain catches accidental damage/);
  });

  it('every checkpoint deleted over a rewrite: verify fails, and the gateway refuses to sign a first one over the old ledger', async () => {
    await createCheckpoint(h.ctx);
    const file = join(dir, 'checkpoints.jsonl');
    expect((await runLedgerCli(['checkpoints', 'export', '--out', file], h.database.env)).code).toBe(0);
    await inbound(h, uniquePhone(), 'STOP');
    await createCheckpoint(h.ctx);

    await rewriteEvent(h.ctx.db, stopId, { occurred_at: '2026-11-26T20:05:00.000Z', recorded_at: '2026-11-26T20:05:00.000Z' });
    await h.ctx.db.deleteFrom('ledger_checkpoints').execute();
    const deleted = await verify();
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toMatch(/LEDGER NOT SIGNED: 5 events/);

    // The gateway restarted with its key a day later: its job does not bless the rewrite, it says why.
    h.setNow('2026-11-26T21:00:00.000Z');
    await expect(createCheckpoint(h.ctx)).rejects.toThrow(FirstCheckpointRefusedError);
    const logged = new PassThrough();
    let log = '';
    logged.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const job = startCheckpointer({ ...h.ctx, logger: createLogger({ level: 'info', stream: logged }) });
    await job.stop();
    expect(await storedCheckpoints(h.ctx.db)).toEqual([]);
    const entry = JSON.parse(log.split('\n')[0]!) as { level: string; message: string; err: { name: string; message: string } };
    expect(entry).toMatchObject({ level: 'error', message: 'ledger checkpoint failed', err: { name: 'FirstCheckpointRefusedError' } });
    expect(entry.err.message).toMatch(/^no signed checkpoint exists, but the ledger holds events recorded since 2026-11-25T20:00:00\.000Z/);
    expect((await verify()).code).toBe(1);

    // What remains: a person signing it by hand (or someone holding the key) makes it verify on
    // this machine; only the exported copy still shows the rewrite.
    const byHand = await runLedgerCli(['checkpoint'], { ...h.database.env, LEDGER_SIGNING_KEY: gatewayKey.privateKeyText });
    expect(byHand.code).toBe(0);
    expect(byHand.stdout).toMatch(/^signed checkpoint 3 /);
    expect((await verify()).code).toBe(0);
    const anchored = await verify('--checkpoints', file);
    expect(anchored.code).toBe(1);
    expect(anchored.stdout).toMatch(/checkpoint 1 of the exported copy is missing from the database: it was deleted/);
  });

  it('a ledger whose first event is recent gets its first checkpoint from the gateway job', async () => {
    h.setNow('2026-11-25T21:59:00.000Z'); // under two intervals (1 h) after the first event
    const job = startCheckpointer(h.ctx);
    await job.stop();
    expect((await storedCheckpoints(h.ctx.db)).map((r) => [r.sequence, r.event_count])).toEqual([[1, 4]]);
  });

  it('checkpoints signed before links existed still verify, and the first linked one links to the newest of them', async () => {
    const head = await h.ctx.db.selectFrom('consent_events').select(['id', 'chain_hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const old = signCheckpoint(parseSigningKey(gatewayKey.privateKeyText), {
      sequence: null,
      previous_link: null,
      last_event_id: head.id,
      event_count: 4,
      chain_head: head.chain_hash!,
      signed_at: '2026-11-25T20:06:00.000Z',
    });
    await h.ctx.db.insertInto('ledger_checkpoints').values(old).execute();
    const [stored] = await storedCheckpoints(h.ctx.db);
    expect(stored).toMatchObject({ sequence: null, previous_link: null });
    expect((await verify()).code).toBe(0);

    await inbound(h, uniquePhone(), 'STOP');
    const linked = await createCheckpoint(h.ctx);
    expect(linked).toMatchObject({ created: true, checkpoint: { sequence: 1, previous_link: checkpointLink(old) } });
    const file = join(dir, 'checkpoints.jsonl');
    expect((await runLedgerCli(['checkpoints', 'export', '--out', file], h.database.env)).code).toBe(0);
    const ok = await verify('--checkpoints', file);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/checkpoints verified: 2 \(2 in the database; exported copy: 2 checkpoints\)/);
    expect(readFileSync(file, 'utf8').split('\n')[0]).not.toContain('sequence');

    await h.ctx.db.deleteFrom('ledger_checkpoints').where('sequence', 'is', null).execute();
    const gone = await verify();
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/the first linked checkpoint links to a checkpoint that is no longer in the database/);
  });

  it('the gateway job signs at start-up and once more when it stops', async () => {
    const job = startCheckpointer(h.ctx);
    await job.stop();
    expect((await storedCheckpoints(h.ctx.db)).map((r) => r.event_count)).toEqual([4]);

    const again = startCheckpointer(h.ctx);
    await inbound(h, uniquePhone(), 'STOP');
    await again.stop();
    expect((await storedCheckpoints(h.ctx.db)).map((r) => r.event_count)).toEqual([4, 5]);
  });
});

describe('ledger signing-key new', () => {
  it('prints a private key line for the environment and a public key line for auditors, and needs no database', async () => {
    // A configuration the gateway would refuse: the command reads neither it nor any database.
    const result = await runLedgerCli(['signing-key', 'new'], { DATABASE_URL: 'mysql://not-a-database' });
    expect(result.code).toBe(0);
    const privateLine = /^LEDGER_SIGNING_KEY=(\S+)$/m.exec(result.stdout)?.[1];
    const publicLine = /^LEDGER_PUBLIC_KEY=(\S+)$/m.exec(result.stdout)?.[1];
    expect(privateLine).toBeDefined();
    expect(publicLine).toBeDefined();
    expect(parseSigningKey(privateLine!).publicKey.text).toBe(publicLine);
    // An environment file, as the README says: the two assignments, comments and blank lines.
    const lines = result.stdout.split('\n');
    expect(lines.filter((l) => l !== '' && !l.startsWith('# ')).map((l) => l.split('=')[0])).toEqual(['LEDGER_SIGNING_KEY', 'LEDGER_PUBLIC_KEY']);

    const derived = await runLedgerCli(['signing-key', 'public'], { LEDGER_SIGNING_KEY: privateLine! });
    expect(derived.stdout).toContain(`LEDGER_PUBLIC_KEY=${publicLine}`);
    expect(derived.stdout).not.toContain(privateLine);
  });
});

describe('copy-to carries the checkpoints along', () => {
  it('a SQLite ledger copied into PostgreSQL verifies there with its checkpoints', async () => {
    const source = await startHarness('sqlite', { env: { LEDGER_SIGNING_KEY: gatewayKey.privateKeyText } });
    const target = await createTestDatabase('postgres');
    try {
      await inbound(source, uniquePhone(), 'STOP');
      await createCheckpoint(source.ctx);
      const copied = await runLedgerCli(['copy-to', target.env.DATABASE_URL!, '--schema', target.env.DATABASE_SCHEMA!], source.database.env);
      expect(copied.stdout).toContain('ledger_checkpoints: 1 rows copied');
      const verified = await runLedgerCli(['verify'], { ...target.env, LEDGER_PUBLIC_KEY: gatewayKey.publicKey.text });
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/checkpoints verified: 1 \(1 in the database\)/);
    } finally {
      await source.stop();
      await target.drop();
    }
  });
});

describe('the gateway process and its signing key', () => {
  afterEach(() => killLeftoverGateways());

  it('without LEDGER_SIGNING_KEY it warns at start-up; with it, it signs the head it leaves behind at shutdown', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const unsigned = await spawnGateway(database.env);
      expect(unsigned.output()).toContain('LEDGER_SIGNING_KEY is not set');
      unsigned.child.kill('SIGTERM');
      expect(await unsigned.exited).toBe(0);

      const env = { ...database.env, LEDGER_SIGNING_KEY: gatewayKey.privateKeyText };
      const gateway = await spawnGateway(env);
      expect(gateway.output()).not.toContain('LEDGER_SIGNING_KEY is not set');
      const res = await fetch(`${gateway.url}/webhooks/twilio/sms`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ From: uniquePhone(), MessageSid: 'SMcheckpointprocess0000000000001', Body: 'STOP' }).toString(),
      });
      expect(res.status).toBe(200);
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      expect(gateway.output()).toContain('ledger checkpoint signed');

      const verified = await runLedgerCli(['verify'], { ...database.env, LEDGER_PUBLIC_KEY: gatewayKey.publicKey.text });
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/ledger verified: 1 events/);
      expect(verified.stdout).toMatch(/checkpoints verified: 1 .*; 0 events after it are not signed yet/);
    } finally {
      await database.drop();
    }
  });
});
