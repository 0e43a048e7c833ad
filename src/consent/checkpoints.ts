import { hash, sign, verify } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { DbOrTransaction } from '../db';
import type { LedgerCheckpointRow } from '../db/tables/ledger-checkpoint';
import { verifyChain, type VerifyResult } from './chain';
import type { PublicKey, SigningKey } from './signing-key';
import { startPeriodicJob, type PeriodicJob } from '../jobs/periodic';

/**
 * Signed checkpoints of the hash chain (src/consent/chain.ts). The chain alone proves nothing to
 * someone who can write the database: they can change an event and recompute every later link
 * with the same public functions. A checkpoint is the gateway's signature, with a key that is not
 * in the database, over "up to event N the chain holds C events and ends in H". Rewriting an event
 * at or before N changes H; the signature then no longer covers the chain, and a new one cannot
 * be made without the key. Against someone who also holds the key, the defence is a copy of the
 * checkpoints kept elsewhere (`ledger checkpoints export`): `ledger verify --checkpoints FILE`
 * checks the chain against that copy too.
 *
 * Each checkpoint (version 2 of the signed bytes) also signs its place among the checkpoints: a
 * sequence number and a digest of the previous checkpoint's signature. Deleting one from the middle
 * breaks the sequence or a link, which a new signature cannot mend without the key; and with a
 * trusted key, a ledger with events and no checkpoint at all fails verification. What this cannot
 * catch without the exported copy: the newest checkpoints deleted (and later ones signed again over
 * a rewrite), or every checkpoint deleted and a first one signed again (the gateway refuses that when
 * the ledger is older than two intervals; see `assertMayStartOver`).
 */
export type Checkpoint = LedgerCheckpointRow;
type CheckpointBody = Omit<Checkpoint, 'id' | 'signature'>;

/** Names what the bytes are, so a signature over them can never be taken for another statement. */
const CHECKPOINT_DOMAIN_V1 = 'sms-compliance-gateway/ledger-checkpoint/v1';
const CHECKPOINT_DOMAIN_V2 = 'sms-compliance-gateway/ledger-checkpoint/v2';

/** What the first linked checkpoint links to when no checkpoint precedes it. */
export const CHECKPOINT_GENESIS_LINK = '0'.repeat(64);

/** The link the next checkpoint signs: SHA-256 of this one's signature (which covers all of it). */
export function checkpointLink(c: Pick<Checkpoint, 'signature'>): string {
  return hash('sha256', c.signature, 'hex');
}

/**
 * The signed bytes: a JSON array in a fixed order, the same on every dialect and machine. Version 1
 * (no sequence: signed before migration 014) is kept so that those checkpoints still verify.
 */
export function checkpointMessage(c: CheckpointBody): Buffer {
  const fields =
    c.sequence === null
      ? [CHECKPOINT_DOMAIN_V1, c.last_event_id, c.event_count, c.chain_head, c.signed_at, c.key_id]
      : [CHECKPOINT_DOMAIN_V2, c.sequence, c.previous_link, c.last_event_id, c.event_count, c.chain_head, c.signed_at, c.key_id];
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

export function signCheckpoint(key: SigningKey, body: Omit<CheckpointBody, 'key_id'>): Omit<Checkpoint, 'id'> {
  const complete = { ...body, key_id: key.publicKey.id };
  return { ...complete, signature: sign(null, checkpointMessage(complete), key.privateKey).toString('base64') };
}

/** Where the next checkpoint goes: after the newest one (any key), or first. */
function nextPlace(newest: Checkpoint | undefined): Pick<Checkpoint, 'sequence' | 'previous_link'> {
  if (!newest) return { sequence: 1, previous_link: CHECKPOINT_GENESIS_LINK };
  // After version-1 checkpoints the linked sequence starts at 1, linked to the newest of them.
  return { sequence: (newest.sequence ?? 0) + 1, previous_link: checkpointLink(newest) };
}

export function checkpointSignatureIsValid(c: Checkpoint, key: PublicKey): boolean {
  if (c.key_id !== key.id) return false;
  try {
    return verify(null, checkpointMessage(c), key.key, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

interface SignedHead {
  id: number;
  chain_hash: string;
  event_count: number;
}

/**
 * The last chained event and how many events lead up to it, in one statement (one snapshot).
 * Counted from `base` (the newest checkpoint: its count plus the events after it), not from the
 * start: a count of a 10-million-event ledger is a scan of the whole table, at every start-up and
 * every interval, on SQLite blocking the event loop while it runs. Events removed before the base
 * leave the signed count above the chain's, which `verify` reports.
 */
async function readHead(db: DbOrTransaction, base?: Pick<Checkpoint, 'last_event_id' | 'event_count'>): Promise<SignedHead | undefined> {
  const from = base?.last_event_id ?? 0;
  const row = await db
    .selectFrom('consent_events as e')
    .select((eb) => [
      'e.id',
      'e.chain_hash',
      eb
        .selectFrom('consent_events as c')
        .select((c) => c.fn.countAll<number | string>().as('n'))
        .where('c.id', '>', from)
        .whereRef('c.id', '<=', 'e.id')
        .as('event_count'),
    ])
    .where('e.chain_hash', 'is not', null)
    .orderBy('e.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row?.chain_hash) return undefined;
  const id = Number(row.id);
  // A head behind the base (events deleted from the end) is caught by assertStillCovered.
  const counted = Number(row.event_count) + (base && id >= from ? base.event_count : 0);
  return { id, chain_hash: row.chain_hash, event_count: counted };
}

async function latestCheckpoint(db: DbOrTransaction, keyId: string): Promise<Checkpoint | undefined> {
  return db.selectFrom('ledger_checkpoints').selectAll().where('key_id', '=', keyId).orderBy('last_event_id', 'desc').limit(1).executeTakeFirst();
}

/** The checkpoint signed last, by any key: the next one links to it. Ids grow with the sequence. */
async function newestCheckpoint(db: DbOrTransaction): Promise<Checkpoint | undefined> {
  const row = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row && normalise(row);
}

async function oldestChainedEventRecordedAt(db: DbOrTransaction): Promise<string | undefined> {
  const row = await db
    .selectFrom('consent_events')
    .select('recorded_at')
    .where('chain_hash', 'is not', null)
    .orderBy('id', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row?.recorded_at;
}

export type CheckpointOutcome =
  | { created: true; checkpoint: Checkpoint }
  | { created: false; reason: 'empty_ledger' }
  | { created: false; reason: 'head_unchanged'; checkpoint: Checkpoint };

export class NoSigningKeyError extends Error {
  constructor() {
    super('LEDGER_SIGNING_KEY is not set: no checkpoint can be signed (generate a key with `npm run ledger -- signing-key new`)');
    this.name = 'NoSigningKeyError';
  }
}

export interface CreateCheckpointOptions {
  /**
   * Sign a first checkpoint even over a ledger older than two checkpoint intervals. The gateway's
   * job never does (its checkpoints may have been deleted); `ledger checkpoint`, run by hand, does.
   */
  allowFirstOverOldLedger?: boolean;
}

/** Instances racing for the same place: the loser reads the new newest checkpoint and tries again. */
const PLACE_ATTEMPTS = 5;

/**
 * Signs the current chain head unless this key already signed it, linked after the newest
 * checkpoint. Safe with several instances (PostgreSQL): one row per (head, key) and per sequence
 * number, so instances signing at once insert one checkpoint per place.
 */
export async function createCheckpoint(ctx: AppContext, options: CreateCheckpointOptions = {}): Promise<CheckpointOutcome> {
  const key = ctx.config.ledger.signingKey;
  if (!key) throw new NoSigningKeyError();
  for (let attempt = 1; ; attempt += 1) {
    // The checkpoints first: they can only cover events committed before them, so the head read
    // after them is never behind them unless events were deleted (another instance may sign in between).
    const latest = await latestCheckpoint(ctx.committedReads, key.publicKey.id);
    const newest = await newestCheckpoint(ctx.committedReads);
    const head = await readHead(ctx.committedReads, newest);
    if (newest && head && head.id < newest.last_event_id) {
      throw new CheckpointMismatchError(`checkpoint ${newest.id} signs event ${newest.last_event_id}, past the chain's last event ${head.id}`);
    }
    if (latest) assertStillCovered(normalise(latest), head, await chainHashAt(ctx.committedReads, latest.last_event_id), key);
    if (!head) return { created: false, reason: 'empty_ledger' };
    if (latest && latest.last_event_id === head.id) return { created: false, reason: 'head_unchanged', checkpoint: normalise(latest) };
    if (!newest && !options.allowFirstOverOldLedger) await assertMayStartOver(ctx);

    const signed = signCheckpoint(key, {
      ...nextPlace(newest),
      last_event_id: head.id,
      event_count: head.event_count,
      chain_head: head.chain_hash,
      signed_at: ctx.clock().toISOString(),
    });
    const inserted = await ctx.transactions.runStatement((db) =>
      db
        .insertInto('ledger_checkpoints')
        .values(signed)
        // Either unique index: this head signed by this key, or this sequence number taken.
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst(),
    );
    if (inserted) return { created: true, checkpoint: normalise(inserted) };
    // Another instance signed this head, or took this place, first.
    const theirs = await ctx.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .where('last_event_id', '=', head.id)
      .where('key_id', '=', key.publicKey.id)
      .executeTakeFirst();
    if (theirs) return { created: false, reason: 'head_unchanged', checkpoint: normalise(theirs) };
    if (attempt >= PLACE_ATTEMPTS) throw new Error(`checkpoint sequence ${signed.sequence} was taken ${attempt} times in a row by other instances`);
  }
}

export class FirstCheckpointRefusedError extends Error {
  constructor(oldest: string, intervalMs: number) {
    super(
      `no signed checkpoint exists, but the ledger holds events recorded since ${oldest}, more than two checkpoint intervals ` +
        `(${intervalMs} ms) ago: its checkpoints may have been deleted, so the gateway does not sign a first one over it; ` +
        'run `npm run ledger -- verify --checkpoints EXPORTED_FILE` against the exported copy, and if this ledger was simply never ' +
        'signed (a new key on an existing ledger), sign its first checkpoint by hand: `npm run ledger -- checkpoint`',
    );
    this.name = 'FirstCheckpointRefusedError';
  }
}

/**
 * A gateway that holds the key signs within an interval of every event (and at shutdown). So a
 * ledger with no checkpoint at all whose oldest event is older than two intervals was either never
 * signed (a key added to an existing ledger) or had its checkpoints deleted: the gateway cannot tell
 * which, and signing would bless a possible rewrite. It leaves that decision to a person. Someone who
 * also rewrites every event's recorded time gets past this check; only the exported copy catches that.
 */
async function assertMayStartOver(ctx: AppContext): Promise<void> {
  const oldest = await oldestChainedEventRecordedAt(ctx.committedReads);
  if (!oldest) return;
  const intervalMs = ctx.config.ledger.checkpointIntervalMs;
  const ageMs = ctx.clock().getTime() - Date.parse(oldest);
  if (ageMs > 2 * intervalMs) throw new FirstCheckpointRefusedError(oldest, intervalMs);
}

export class CheckpointMismatchError extends Error {
  constructor(message: string) {
    super(`${message}: the ledger or its checkpoints were changed outside the gateway; run \`npm run ledger -- verify\``);
    this.name = 'CheckpointMismatchError';
  }
}

/**
 * Before signing past it, the newest checkpoint must still hold: a cheap check on every pass that
 * raises the alarm in the gateway's log within one interval, and never signs over a rewrite.
 */
async function chainHashAt(db: DbOrTransaction, eventId: number): Promise<string | null | undefined> {
  return (await db.selectFrom('consent_events').select('chain_hash').where('id', '=', eventId).executeTakeFirst())?.chain_hash;
}

/** The gateway's own latest checkpoint must still match the chain, wherever the head has moved since. */
function assertStillCovered(latest: Checkpoint, head: SignedHead | undefined, chainAtLatest: string | null | undefined, key: SigningKey): void {
  if (!checkpointSignatureIsValid(latest, key.publicKey)) {
    throw new CheckpointMismatchError(`checkpoint ${latest.id} carries this gateway's key id but its signature does not verify`);
  }
  if (!head || head.id < latest.last_event_id) {
    throw new CheckpointMismatchError(`checkpoint ${latest.id} signs event ${latest.last_event_id}, past the chain's last event ${head?.id ?? '(none)'}`);
  }
  if (chainAtLatest !== latest.chain_head) {
    throw new CheckpointMismatchError(`the chain head at event ${latest.last_event_id} is not the one checkpoint ${latest.id} signed`);
  }
}

/** bigint columns come back as numbers from both drivers here, but say so once. */
function normalise(row: Checkpoint): Checkpoint {
  return {
    ...row,
    id: Number(row.id),
    last_event_id: Number(row.last_event_id),
    event_count: Number(row.event_count),
    sequence: row.sequence === null || row.sequence === undefined ? null : Number(row.sequence),
    previous_link: row.previous_link ?? null,
  };
}

const PAGE = 1_000;

/** Every stored checkpoint in id order, in pages. */
export async function* iterateCheckpoints(db: DbOrTransaction, afterId = 0): AsyncGenerator<Checkpoint> {
  let last = afterId;
  for (;;) {
    const rows = await db.selectFrom('ledger_checkpoints').selectAll().where('id', '>', last).orderBy('id', 'asc').limit(PAGE).execute();
    for (const row of rows) yield normalise(row);
    if (rows.length < PAGE) return;
    last = Number(rows[rows.length - 1]!.id);
  }
}

/** One line of `ledger checkpoints export`: the row exactly as stored, as JSON (version 1 lines unchanged). */
export function checkpointLine(c: Checkpoint): string {
  const { id, last_event_id, event_count, chain_head, signed_at, key_id, signature, sequence, previous_link } = c;
  const line = { id, last_event_id, event_count, chain_head, signed_at, key_id, signature };
  return JSON.stringify(sequence === null ? line : { ...line, sequence, previous_link });
}

const checkpointSchema = z.object({
  id: z.number().int().positive(),
  last_event_id: z.number().int().positive(),
  event_count: z.number().int().positive(),
  chain_head: z.string().regex(/^[0-9a-f]{64}$/),
  signed_at: z.string(),
  key_id: z.string().min(1),
  signature: z.string().min(1),
  sequence: z.number().int().positive().nullable().default(null),
  previous_link: z.string().regex(/^[0-9a-f]{64}$/).nullable().default(null),
});

/** Reads an exported copy (JSON lines); throws naming the first line that is not a checkpoint. */
export function parseCheckpointLines(text: string): Checkpoint[] {
  const checkpoints: Checkpoint[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} of the checkpoints file is not JSON`);
    }
    const result = checkpointSchema.safeParse(parsed);
    if (!result.success) throw new Error(`line ${i + 1} of the checkpoints file is not a checkpoint: ${result.error.issues[0]?.path.join('.')}`);
    checkpoints.push(result.data);
  });
  return checkpoints;
}

export interface CheckpointFailure {
  checkpoint: Checkpoint;
  /** Where the checkpoint was read: the database, or the copy kept elsewhere. */
  source: 'database' | 'exported copy';
  reason: string;
}

export interface LedgerVerification {
  ok: boolean;
  chain: VerifyResult;
  checkpoints: {
    /** Checkpoints in the database, and in the exported copy if one was given. */
    stored: number;
    exported?: number;
    /** Checked and found good (signature, head and count); a copy identical to a stored one counts once. */
    verified: number;
    /** Past the first broken event, so they could not be checked. */
    unchecked: number;
    /** The good checkpoint covering the most events. */
    latest?: Checkpoint;
    /** Ordered by the event they sign: the first is where the ledger first stops matching. */
    failures: CheckpointFailure[];
    /**
     * Events, a trusted public key, and not one checkpoint: deleted, or never signed. Either way
     * nothing vouches for the events, and verification fails.
     */
    unsigned: boolean;
  };
}

export interface VerifyLedgerOptions {
  /** The keys whose checkpoints are trusted; none means no checkpoint can be verified. */
  publicKeys: readonly PublicKey[];
  /** A copy of the checkpoints kept off the machine: each is checked against the chain too. */
  exported?: readonly Checkpoint[];
}

const sameCheckpoint = (a: Checkpoint, b: Checkpoint) => checkpointLine(a) === checkpointLine(b);

/**
 * Walks the chain once (as `verifyChain`) and checks every checkpoint against it: signed by a
 * trusted key, and the recomputed chain at its last event still ends in the signed head after the
 * signed number of events.
 */
export async function verifyLedger(db: DbOrTransaction, options: VerifyLedgerOptions): Promise<LedgerVerification> {
  const stored: Checkpoint[] = [];
  for await (const c of iterateCheckpoints(db)) stored.push(c);
  const exported = options.exported ?? [];
  const targets = new Set([...stored, ...exported].map((c) => c.last_event_id));
  const links = new Map<number, { head: string; count: number }>();
  const chain = await verifyChain(db, (id, head, count) => {
    if (targets.has(id)) links.set(id, { head, count });
  });
  const keys = new Map(options.publicKeys.map((k) => [k.id, k]));
  const brokenAt = chain.ok ? Infinity : chain.firstBroken!.id;

  const failures: CheckpointFailure[] = [];
  let verified = 0;
  let unchecked = 0;
  let latest: Checkpoint | undefined;
  const check = (c: Checkpoint, source: CheckpointFailure['source']) => {
    const fail = (reason: string) => failures.push({ checkpoint: c, source, reason });
    const key = keys.get(c.key_id);
    if (!key) {
      return fail(
        keys.size === 0
          ? 'no public key to check its signature with (give --public-key or set LEDGER_PUBLIC_KEY)'
          : `signed by key ${c.key_id}, which is not a trusted public key: forged, or signed with a key you were not given`,
      );
    }
    if (!checkpointSignatureIsValid(c, key)) return fail('the signature does not verify: the checkpoint was altered or forged');
    if (c.last_event_id >= brokenAt) {
      unchecked += 1;
      return;
    }
    const link = links.get(c.last_event_id);
    if (!link) return fail(`event ${c.last_event_id}, which it signs, is no longer in the ledger: events were removed`);
    if (link.head !== c.chain_head) {
      return fail(`the chain head at event ${c.last_event_id} is not the signed one: events up to it were rewritten and the chain recomputed`);
    }
    if (link.count !== c.event_count) {
      return fail(`${link.count} events up to event ${c.last_event_id}, ${c.event_count} when it was signed: events were removed or inserted`);
    }
    verified += 1;
    if (!latest || c.last_event_id > latest.last_event_id) latest = c;
  };
  for (const c of stored) check(c, 'database');
  for (const broken of brokenLinks(stored)) failures.push(broken);
  const storedById = new Map(stored.map((c) => [c.id, c]));
  for (const c of exported) {
    const inDatabase = storedById.get(c.id);
    // The same bytes were checked above; a copy that differs is checked against the chain itself.
    if (inDatabase && sameCheckpoint(c, inDatabase)) continue;
    failures.push({
      checkpoint: c,
      source: 'exported copy',
      reason: inDatabase
        ? `checkpoint ${c.id} in the database differs from the exported copy: it was replaced`
        : `checkpoint ${c.id} of the exported copy is missing from the database: it was deleted`,
    });
    check(c, 'exported copy');
  }
  failures.sort((a, b) => a.checkpoint.last_event_id - b.checkpoint.last_event_id || a.checkpoint.id - b.checkpoint.id);
  const unsigned = keys.size > 0 && chain.checked > 0 && stored.length + exported.length === 0;
  return {
    ok: chain.ok && failures.length === 0 && !unsigned,
    chain,
    checkpoints: { stored: stored.length, exported: options.exported ? exported.length : undefined, verified, unchecked, latest, failures, unsigned },
  };
}

/**
 * The stored linked checkpoints must be numbered 1, 2, 3… without a gap, each signing the link to
 * the one before it (the first: the genesis value, or the newest checkpoint signed before links
 * existed). A checkpoint deleted from the middle, or from the end before a later one was signed,
 * shows here. The signatures themselves are checked by `verifyLedger`.
 */
function brokenLinks(stored: readonly Checkpoint[]): CheckpointFailure[] {
  const failures: CheckpointFailure[] = [];
  const fail = (checkpoint: Checkpoint, reason: string) => failures.push({ checkpoint, source: 'database', reason });
  const linked = stored.filter((c) => c.sequence !== null).sort((a, b) => a.sequence! - b.sequence!);
  const unlinkedByLink = new Map(stored.filter((c) => c.sequence === null).map((c) => [checkpointLink(c), c]));
  let previous: Checkpoint | undefined;
  for (const c of linked) {
    const expected = previous ? previous.sequence! + 1 : 1;
    if (c.sequence! < expected) {
      fail(c, `carries sequence number ${c.sequence}, like checkpoint ${previous!.id}: a checkpoint was copied or forged`);
      continue;
    }
    if (c.sequence! > expected) {
      const missing = c.sequence! - 1 === expected ? `sequence number ${expected} is` : `sequence numbers ${expected} to ${c.sequence! - 1} are`;
      fail(c, `checkpoint ${missing} missing before it: signed checkpoints were deleted`);
    } else if (previous) {
      if (c.previous_link !== checkpointLink(previous)) {
        fail(c, `it does not link to checkpoint ${previous.id} (sequence ${previous.sequence}) before it: a checkpoint was replaced or deleted`);
      }
    } else if (c.previous_link !== CHECKPOINT_GENESIS_LINK && !unlinkedByLink.has(c.previous_link ?? '')) {
      fail(c, 'the first linked checkpoint links to a checkpoint that is no longer in the database: signed checkpoints were deleted');
    }
    previous = c;
  }
  return failures;
}

/**
 * The gateway's checkpoint job: a pass at start-up, one every LEDGER_CHECKPOINT_INTERVAL_MS (a
 * signature only when the head moved) and a last one at shutdown, so the newest events are
 * covered as soon as possible. Never two passes at once.
 */
export function startCheckpointer(ctx: AppContext): PeriodicJob {
  return startPeriodicJob({
    intervalMs: ctx.config.ledger.checkpointIntervalMs,
    runAtStart: true,
    runAtStop: true,
    pass: async () => {
      const outcome = await createCheckpoint(ctx);
      if (outcome.created) {
        const { id, last_event_id, event_count } = outcome.checkpoint;
        ctx.logger.info('ledger checkpoint signed', { checkpointId: id, lastEventId: last_event_id, eventCount: event_count });
      }
    },
    onError: (err) => ctx.logger.error('ledger checkpoint failed', { err }),
  });
}
