import pg from 'pg';
import request from 'supertest';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../helpers/databases';
import { killLeftoverGateways, spawnGateway, type GatewayProcess } from '../helpers/gateway-process';
import { bearer, inboundParams, KEYS, startHarness, TEST_API_KEYS, uniquePhone, type Harness } from '../helpers/harness';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

/**
 * PostgreSQL going away, hanging or dropping connections: the gateway must stay up, answer 503
 * `database_unavailable` (never a 500, never a hang past Twilio's 15 s), and recover by itself.
 */

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Ends every session of the gateway with this application_name, as a restart or a DBA would. */
async function terminateBackends(applicationName: string): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query(
      'select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [applicationName],
    );
    return rows.length;
  });
}

async function statusOf(http: request.Agent | ReturnType<typeof request>, phone: string): Promise<string> {
  const res = await http.get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader)).set('Connection', 'close');
  return res.body.status as string;
}

/** Retries a STOP until it is acknowledged (as Twilio retries), at most `tries` times. */
async function stopUntilAcknowledged(http: ReturnType<typeof request>, phone: string, tries = 40): Promise<number[]> {
  const statuses: number[] = [];
  const params = inboundParams(phone, 'STOP');
  for (let i = 0; i < tries; i++) {
    const res = await http.post('/webhooks/twilio/sms').type('form').send(params);
    statuses.push(res.status);
    if (res.status === 200) return statuses;
    await new Promise((r) => setTimeout(r, 100));
  }
  return statuses;
}

describe('PostgreSQL connections terminated under a running gateway (child process)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterEach(() => killLeftoverGateways());
  afterAll(async () => {
    await database.drop();
  });

  it('survives pg_terminate_backend of every session, idle or busy, and serves the next request', async () => {
    const applicationName = `gw-faults-${database.env.DATABASE_SCHEMA}`;
    const gateway = await spawnGateway({ ...database.env, API_KEYS: TEST_API_KEYS, DATABASE_APPLICATION_NAME: applicationName });
    try {
      await survivesTermination(gateway, applicationName);
    } catch (err) {
      // The gateway's own account of what happened (a crash shows its stack here).
      throw new Error(`${(err as Error).message}\nexit: ${gateway.child.exitCode}\ngateway output:\n${gateway.output()}`);
    }
  });
});

async function survivesTermination(gateway: GatewayProcess, applicationName: string): Promise<void> {
  const http = request(gateway.url);
  // A fresh socket per request: Node's keep-alive agent may reuse a socket the server is closing
  // (both time out idle sockets at 5 s), and that ECONNRESET would say nothing about the gateway.
  const webhook = (params: ReturnType<typeof inboundParams>) =>
    http.post('/webhooks/twilio/sms').set('Connection', 'close').type('form').send(params);

  // Fill the pool with idle connections, then end them all.
  const warm = await Promise.all(Array.from({ length: 8 }, () => webhook(inboundParams(uniquePhone(), 'STOP'))));
  expect(warm.map((r) => r.status)).toEqual(Array(8).fill(200));
  expect(await terminateBackends(applicationName)).toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 200));
  expect(gateway.child.exitCode).toBeNull();
  expect((await http.get('/readyz').set('Connection', 'close')).status).toBe(200);

  // End them again while requests are in flight, several times (a connection can be ended at any
  // stage of its life: connecting, idle, checked out): each is answered 200 or 503, none 500.
  const phones: string[] = [];
  const answers: Awaited<ReturnType<typeof webhook>>[] = [];
  for (let round = 0; round < 6; round++) {
    const batch = Array.from({ length: 20 }, () => uniquePhone());
    const inFlight = Promise.all(batch.map((p) => webhook(inboundParams(p, 'STOP'))));
    await new Promise((r) => setTimeout(r, 5 + round * 10));
    await terminateBackends(applicationName);
    phones.push(...batch);
    answers.push(...(await inFlight));
  }
  for (const res of answers) {
    expect([200, 503]).toContain(res.status);
    if (res.status === 503) expect(res.body.error.code).toBe('database_unavailable');
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(gateway.child.exitCode).toBeNull();

  // Recovered by itself: a STOP is recorded, and every STOP answered 200 above is in the ledger.
  const phone = uniquePhone();
  expect((await webhook(inboundParams(phone, 'STOP'))).status).toBe(200);
  expect(await statusOf(http, phone)).toBe('opted_out');
  for (const [i, res] of answers.entries()) if (res.status === 200) expect(await statusOf(http, phones[i]!)).toBe('opted_out');
  expect(gateway.output()).toContain('database_fault');
}

describe('PostgreSQL away or hanging behind a TCP proxy (in process)', () => {
  let proxy: TcpProxy;
  let h: Harness;
  const TIMEOUTS = {
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_STATEMENT_TIMEOUT_MS: '1500',
    DATABASE_LOCK_TIMEOUT_MS: '1000',
  };
  /** connect + one statement + our query timeout's margin, with room for a loaded machine. */
  const BOUND_MS = 1000 + 1500 + 1000 + 4000;

  beforeAll(async () => {
    const url = new URL(TEST_POSTGRES_URL);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    h = await startHarness('postgres', { env: { DATABASE_URL: proxy.url(TEST_POSTGRES_URL), ...TIMEOUTS } });
  });
  afterAll(async () => {
    await proxy.close();
    await h.stop();
  });

  it('answers 503 database_unavailable (webhook, API, /readyz) while PostgreSQL is away, then recovers alone', async () => {
    const before = uniquePhone();
    expect((await stopUntilAcknowledged(h.http, before)).at(-1)).toBe(200);

    await proxy.stop();
    const phone = uniquePhone();
    const webhook = await h.http.post('/webhooks/twilio/sms').type('form').send(inboundParams(phone, 'STOP'));
    expect(webhook.status).toBe(503);
    expect(webhook.body.error.code).toBe('database_unavailable');
    expect(webhook.headers['retry-after']).toBeDefined();
    const api = await h.http.get(`/v1/consent/${encodeURIComponent(before)}`).set(bearer(KEYS.reader));
    expect(api.status).toBe(503);
    expect(api.body.error.code).toBe('database_unavailable');
    const ready = await h.http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', reason: 'database_unavailable' });

    await proxy.start();
    const statuses = await stopUntilAcknowledged(h.http, phone);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(await statusOf(h.http, phone)).toBe('opted_out');
    expect((await h.http.get('/readyz')).status).toBe(200);
  });

  it('answers 503 within the configured bounds while PostgreSQL hangs (paused proxy), then recovers', async () => {
    expect((await stopUntilAcknowledged(h.http, uniquePhone())).at(-1)).toBe(200);
    proxy.pause();
    try {
      const phone = uniquePhone();
      // A pooled connection that hangs mid-query, then a new one that never completes its handshake.
      for (let i = 0; i < 2; i++) {
        const res = await h.http.post('/webhooks/twilio/sms').type('form').send(inboundParams(phone, 'STOP')).timeout(BOUND_MS);
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('database_unavailable');
      }
      const ready = await h.http.get('/readyz').timeout(BOUND_MS);
      expect(ready.status).toBe(503);
      expect(ready.body.reason).toBe('database_unavailable');
    } finally {
      proxy.resume();
    }
    const phone = uniquePhone();
    expect((await stopUntilAcknowledged(h.http, phone)).at(-1)).toBe(200);
    expect(await statusOf(h.http, phone)).toBe('opted_out');
  });

  it('gives up a lock wait after DATABASE_LOCK_TIMEOUT_MS with 503, and the STOP lands once the lock is free', async () => {
    const phone = uniquePhone();
    const holder = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [phone]);
      const res = await h.http.post('/webhooks/twilio/sms').type('form').send(inboundParams(phone, 'STOP')).timeout(BOUND_MS);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('database_unavailable');
      await holder.query('rollback');
    } finally {
      await holder.end();
    }
    expect((await stopUntilAcknowledged(h.http, phone)).at(-1)).toBe(200);
    expect(await statusOf(h.http, phone)).toBe('opted_out');
  });
});
