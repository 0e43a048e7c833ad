import pg from 'pg';
import { migrations } from '../../db/migrations';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../helpers/databases';
import { killLeftoverGateways, spawnGateway, type GatewayProcess } from '../helpers/gateway-process';
import { EVIDENCE } from '../helpers/harness';

const KEY = 'multi-process-admin-secret';

/**
 * Two real gateway processes on one PostgreSQL schema, as behind a load balancer. Every guarantee
 * that holds within one process must hold across them.
 */
describe('two gateway processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let gateways: GatewayProcess[];
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // Started together: both run the migrations at once on an empty schema; one must wait.
    gateways = await Promise.all(
      [0, 1].map(() => spawnGateway({ ...database.env, API_KEYS: `${KEY}:admin:ops`, LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '10', QUIET_HOURS: 'off' })),
    );
    client = new pg.Client({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${database.env.DATABASE_SCHEMA}` });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    for (const g of gateways) g.child.kill('SIGTERM');
    await Promise.all(gateways.map((g) => g.exited));
    killLeftoverGateways();
    await database.drop();
  });

  const api = (i: number, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${gateways[i % 2]!.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  const webhook = (i: number, form: Record<string, string>) =>
    fetch(`${gateways[i % 2]!.url}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  async function optIn(phone: string): Promise<void> {
    const res = await api(0, `/v1/consent/${phone}/opt-in`, { method: 'POST', body: { source: 'web_form', evidence: EVIDENCE } });
    expect(res.status).toBe(201);
  }

  it('both started, and the migrations ran once', async () => {
    const { rows } = await client.query('select name from kysely_migration order by name');
    expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations));
  });

  it('60 concurrent sends to one number, split across both processes: exactly the cap goes through', async () => {
    const phone = '+14155557001';
    await optIn(phone);
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api(i, '/v1/messages', { method: 'POST', body: { to: phone, body: `Offer ${i}`, category: 'marketing' } })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(8);
    expect(statuses.filter((s) => s === 403)).toHaveLength(52);
    const { rows } = await client.query(
      "select count(*)::int as n from messages where phone = $1 and counts_toward_cap = 1 and cap_released = 0",
      [phone],
    );
    expect(rows[0].n).toBe(8);
  });

  it('an inbound STOP racing sends on both processes: no send is accepted after the STOP committed', async () => {
    const phone = '+14155557002';
    await optIn(phone);
    const sendWave = (n: number, label: string) =>
      Array.from({ length: n }, (_, i) =>
        api(i, '/v1/messages', { method: 'POST', body: { to: phone, body: `${label} ${i}`, category: 'transactional' } }),
      );
    const before = await Promise.all(sendWave(10, 'before'));
    expect(before.every((a) => a.status === 202)).toBe(true);

    // The STOP goes out in the middle of a burst of sends spread over both processes.
    const burst: Promise<Response>[] = [];
    let stop: Promise<Response> | undefined;
    for (let i = 0; i < 60; i++) {
      burst.push(api(i, '/v1/messages', { method: 'POST', body: { to: phone, body: `burst ${i}`, category: 'transactional' } }));
      if (i === 20) stop = webhook(1, { From: phone, MessageSid: 'SMrace0000000001', Body: 'STOP' });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const answers = await Promise.all(burst);
    expect((await stop!).status).toBe(200);
    expect(answers.every((a) => a.status === 202 || a.status === 403)).toBe(true);

    const stopEvent = await client.query("select recorded_at from consent_events where phone = $1 and event_type = 'opt_out'", [phone]);
    expect(stopEvent.rows).toHaveLength(1);
    const stopAt: string = stopEvent.rows[0].recorded_at;
    const accepted = await client.query("select created_at from messages where phone = $1 and status not in ('refused', 'canceled')", [phone]);
    for (const row of accepted.rows) expect(row.created_at <= stopAt).toBe(true);
    // Refused sends were all decided after it. (A send decided before it but not yet handed to Twilio
    // when it committed is 'canceled': it never leaves.)
    const refused = await client.query("select created_at from messages where phone = $1 and status = 'refused'", [phone]);
    for (const row of refused.rows) expect(row.created_at >= stopAt).toBe(true);
    expect(accepted.rows.length).toBeGreaterThanOrEqual(10);
    // Afterwards, from either process: refused.
    for (const i of [0, 1]) {
      const later = await api(i, '/v1/messages', { method: 'POST', body: { to: phone, body: 'late', category: 'transactional' } });
      expect(later.status).toBe(403);
    }
    expect(refused.rows.length).toBeGreaterThan(0);
  });

  it('a webhook retried to both processes at once records one event and one confirmation', async () => {
    const phone = '+14155557003';
    const form = { From: phone, MessageSid: 'SMdup00000000000001', Body: 'STOP' };
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => webhook(i, form)));
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('<Message>');
    const events = await client.query('select count(*)::int as n from consent_events where phone = $1', [phone]);
    expect(events.rows[0].n).toBe(1);
    // Two different texts at once from one number: still one confirmation.
    const phone2 = '+14155557004';
    const twice = await Promise.all([0, 1].map((i) => webhook(i, { From: phone2, MessageSid: `SMtwo${i}00000000000`, Body: 'STOP' })));
    const replies = await Promise.all(twice.map((a) => a.text()));
    expect(replies.filter((r) => r.includes('<Message>'))).toHaveLength(1);
  });

  it('one Idempotency-Key sent to both processes at once makes one message', async () => {
    const phone = '+14155557005';
    await optIn(phone);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(i, '/v1/messages', {
          method: 'POST',
          headers: { 'Idempotency-Key': 'cross-process-key' },
          body: { to: phone, body: 'Once', category: 'marketing' },
        }),
      ),
    );
    const ids = await Promise.all(answers.map(async (a) => ((await a.json()) as { id: string }).id));
    expect(new Set(ids).size).toBe(1);
  });

  it('the ledger written by both processes verifies as one chain', async () => {
    const { rows } = await client.query('select id, content_digest, chain_hash from consent_events order by id');
    expect(rows.length).toBeGreaterThan(5);
    const { createHash } = await import('node:crypto');
    let previous = '0'.repeat(64);
    for (const row of rows) {
      expect(createHash('sha256').update(previous + row.content_digest).digest('hex')).toBe(row.chain_hash);
      previous = row.chain_hash;
    }
  });
});
