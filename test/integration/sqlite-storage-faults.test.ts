import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { fillFileSystem, mountTmpfs, unmountTmpfs } from '../helpers/small-disk';
import { generateSigningKey } from '../../src/consent/signing-key';
import { killLeftoverGateways, runGatewayExpectingFailure, spawnGateway } from '../helpers/gateway-process';
import { AUTH_TOKEN, bearer, inboundParams, type InboundForm, KEYS, PUBLIC_BASE_URL, startHarness, TEST_API_KEYS, uniquePhone } from '../helpers/harness';

/**
 * The SQLite ledger's storage failing under a running gateway: a full disk, the file or its
 * directory deleted. Writes are refused with 503 storage_unavailable (never acknowledged into
 * nowhere), /readyz says why, the real cause is logged, and the gateway recovers alone.
 */

type Http = ReturnType<typeof request>;

const stop = (http: Http, phone: string, params = inboundParams(phone, 'STOP')) =>
  http.post('/webhooks/twilio/sms').type('form').send(params);

async function consentStatus(http: Http, phone: string): Promise<string> {
  return (await http.get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader))).body.status as string;
}


describe('SQLite on a full disk (a 2 MB tmpfs, child process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-full-disk-'));
    if (!mountTmpfs(dir, '2m')) throw new Error('mounting a tmpfs needs root (as on these machines and CI)');
  });
  afterEach(() => killLeftoverGateways());
  afterAll(() => {
    unmountTmpfs(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 storage_unavailable and readyz 503 while full, logs SQLITE_FULL, and recovers when space returns', async () => {
    const gateway = await spawnGateway({
      DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`,
      API_KEYS: TEST_API_KEYS,
      // The write probe alone must see the full disk (the free-space floor would say it first).
      SQLITE_MIN_FREE_BYTES: '0',
    });
    const http = request(gateway.url);
    const before = uniquePhone();
    expect((await stop(http, before)).status).toBe(200);
    expect((await http.get('/readyz')).status).toBe(200);

    const filler = join(dir, 'filler');
    fillFileSystem(filler);
    const phones = Array.from({ length: 5 }, () => uniquePhone());
    const attempts = phones.map((p) => inboundParams(p, 'STOP'));
    let refused: { phone: string; params: InboundForm } | undefined;
    for (const [i, params] of attempts.entries()) {
      const res = await stop(http, phones[i]!, params);
      expect(res.status).not.toBe(500);
      if (res.status !== 200) {
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('storage_unavailable');
        refused = { phone: phones[i]!, params };
        break;
      }
    }
    expect(refused).toBeDefined();
    const ready = await http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', reason: 'storage_unavailable' });
    expect(gateway.output()).toContain('SQLITE_FULL');
    expect(gateway.output()).not.toContain('cannot rollback');

    rmSync(filler);
    expect((await http.get('/readyz')).status).toBe(200);
    // Twilio's retry of the refused STOP is recorded now, and nothing acknowledged before was lost.
    expect((await stop(http, refused!.phone, refused!.params)).status).toBe(200);
    expect(await consentStatus(http, refused!.phone)).toBe('opted_out');
    expect(await consentStatus(http, before)).toBe('opted_out');
    expect(gateway.child.exitCode).toBeNull();
  });
});

describe('SQLite ledger deleted or replaced under a running gateway', () => {
  it('refuses writes with 503 storage_unavailable and readyz 503 instead of confirming into an orphan file', async () => {
    const h = await startHarness('sqlite');
    try {
      const path = h.database.sqlitePath!;
      const before = uniquePhone();
      expect((await stop(h.http, before)).status).toBe(200);

      rmSync(dirname(path), { recursive: true, force: true });
      const gone = await stop(h.http, uniquePhone());
      expect(gone.status).toBe(503);
      expect(gone.body.error.code).toBe('storage_unavailable');
      const ready = await h.http.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ reason: 'storage_unavailable' });
      expect(ready.body.message).toMatch(/deleted/);
      // The unauthenticated answer does not disclose where the ledger lives.
      expect(JSON.stringify(ready.body) + JSON.stringify(gone.body)).not.toContain(dirname(path));

      // Another file at the same path is not the ledger either.
      execFileSync('mkdir', ['-p', dirname(path)]);
      writeFileSync(path, '');
      const replaced = await stop(h.http, uniquePhone());
      expect(replaced.status).toBe(503);
      expect(replaced.body.error.code).toBe('storage_unavailable');
      expect((await h.http.get('/readyz')).body.message).toMatch(/replaced/);
    } finally {
      await h.stop();
    }
  });
});

describe('start-up without the SQLite ledger file (child process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-missing-ledger-'));
  });
  afterEach(() => killLeftoverGateways());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const signingKey = generateSigningKey().privateKeyText;
  const production = (path: string) => ({
    NODE_ENV: 'production',
    DATABASE_URL: `sqlite:${path}`,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    PUBLIC_BASE_URL,
    ERASURE_HASH_KEY: 'erasure-key-for-tests-0123456789',
    LEDGER_SIGNING_KEY: signingKey,
  });

  it('in production refuses to create an empty ledger, unless DATABASE_CREATE=1 is given for the first run', async () => {
    const path = join(dir, 'ledger', 'gateway.db');
    const refused = await runGatewayExpectingFailure(production(path));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/does not exist/);
    expect(refused.output).toMatch(/DATABASE_CREATE=1/);
    expect(existsSync(path)).toBe(false);

    const firstRun = await spawnGateway({ ...production(path), DATABASE_CREATE: '1' });
    expect((await request(firstRun.url).get('/readyz')).status).toBe(200);
    firstRun.child.kill('SIGTERM');
    await firstRun.exited;
    expect(existsSync(path)).toBe(true);

    // The ledger exists now: production starts on it without the flag.
    const later = await spawnGateway(production(path));
    expect((await request(later.url).get('/readyz')).status).toBe(200);
  });

  it('in development still creates it, so `npm start` works on a fresh clone', async () => {
    const path = join(dir, 'dev', 'gateway.db');
    const gateway = await spawnGateway({ DATABASE_URL: `sqlite:${path}` });
    expect((await request(gateway.url).get('/readyz')).status).toBe(200);
    expect(existsSync(path)).toBe(true);
  });
});
