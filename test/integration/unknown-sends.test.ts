import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { MessageRow } from '../../src/db/tables/message';
import { capMonth } from '../../src/sending/policy';
import { capSlotsUsed, insertMessage } from '../../src/sending/queries';
import { lookUpUnknownMessages, startReconciler, STOPPED_WHILE_PENDING } from '../../src/sending/reconcile';
import { runDueMessages } from '../../src/sending/scheduler';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';
import { accepted, FakeTwilio } from '../helpers/fake-twilio';
import { killLeftoverGateways, spawnGateway } from '../helpers/gateway-process';
import { AUTH_TOKEN, bearer, EVIDENCE, KEYS, PUBLIC_BASE_URL, TEST_API_KEYS, uniquePhone } from '../helpers/harness';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const twilioEnv = (baseUrl: string) => ({
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM_NUMBER: '+15005550006',
  TWILIO_API_BASE_URL: baseUrl,
  PUBLIC_BASE_URL,
  TWILIO_TIMEOUT_MS: '500',
  TWILIO_MAX_RETRIES: '0',
});

/** A gateway (createApp) on a database that outlives it, so it can be restarted as after kill -9. */
class Gateway {
  now = new Date('2026-11-25T20:00:00.000Z');
  app?: App;
  constructor(
    readonly database: TestDatabase,
    readonly env: Record<string, string>,
  ) {}

  async start(): Promise<App> {
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...this.database.env, ...this.env });
    this.app = await createApp(config, { clock: () => new Date(this.now) });
    return this.app;
  }

  get http() {
    return request(this.app!.app);
  }

  async optIn(phone: string): Promise<void> {
    const res = await this.http.post(`/v1/consent/${encodeURIComponent(phone)}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: EVIDENCE });
    expect(res.status).toBe(201);
  }

  async row(id: string): Promise<MessageRow> {
    return this.app!.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }
}

/** A send decided (committed as pending) whose process died before anything else happened. */
function pendingRow(id: string, phone: string, body: string, at: string): MessageRow {
  return {
    id, kind: 'send', api_key_id: 'campaigns-key', actor: 'campaigns', idempotency_key: null, request_hash: 'h', phone,
    category: 'marketing', body, status: 'pending', refusal_code: null, counts_toward_cap: 1, cap_month: '2026-11',
    cap_released: 0, transport: 'twilio', twilio_sid: null, error_code: null, error_message: null, created_at: at,
    updated_at: at, decided_at: at, send_after: null, claimed_at: null,
  };
}

describe.each(DIALECTS)('sends whose outcome is unknown (%s)', (dialect) => {
  const twilio = new FakeTwilio();
  let database: TestDatabase;
  let gateway: Gateway;

  beforeAll(async () => {
    await twilio.start();
  });
  afterAll(async () => {
    await twilio.stop();
  });
  beforeEach(async () => {
    twilio.reset();
    database = await createTestDatabase(dialect);
    gateway = new Gateway(database, twilioEnv(twilio.url));
    twilio.clock = () => new Date(gateway.now);
    await gateway.start();
  });
  afterEach(async () => {
    await gateway.stop();
    await database.drop();
  });

  it('kill -9 between the decision and the transport: after a restart the pending sends are unknown, keep their slots, and are never sent again', async () => {
    const phone = uniquePhone();
    await gateway.optIn(phone);
    const decidedAt = '2026-11-25T20:00:00.000Z';
    await insertMessage(gateway.app!.ctx.db, pendingRow('msg_00000000000a00000000000000000001', phone, 'Taken before the crash', decidedAt));
    await insertMessage(gateway.app!.ctx.db, pendingRow('msg_00000000000a00000000000000000002', phone, 'Never reached Twilio', decidedAt));
    // Twilio took the first one; the process died before its answer was recorded.
    twilio.messages.push({ sid: 'SM' + 'a'.repeat(32), to: phone, from: '+15005550006', body: 'Taken before the crash', status: 'delivered', direction: 'outbound-api', dateCreated: new Date('2026-11-25T20:00:01.000Z') });
    await gateway.stop();

    // Restarted ten minutes later; a send decided seconds ago may still be in flight elsewhere.
    gateway.now = new Date('2026-11-25T20:10:00.000Z');
    await insertMessage(
      (await gateway.start()).ctx.db,
      pendingRow('msg_00000000000a00000000000000000003', phone, 'In flight in another instance', '2026-11-25T20:09:55.000Z'),
    );
    await gateway.stop();
    const app = await gateway.start();
    expect(await gateway.row('msg_00000000000a00000000000000000001')).toMatchObject({ status: 'unknown', cap_released: 0, error_message: STOPPED_WHILE_PENDING });
    expect(await gateway.row('msg_00000000000a00000000000000000002')).toMatchObject({ status: 'unknown', cap_released: 0 });
    expect(await gateway.row('msg_00000000000a00000000000000000003')).toMatchObject({ status: 'pending' });
    const view = await gateway.http.get('/v1/messages/msg_00000000000a00000000000000000001').set(bearer(KEYS.sender));
    expect(view.body).toMatchObject({ status: 'unknown', statusReason: expect.stringContaining('Do not send it again') });
    expect(await capSlotsUsed(app.ctx.db, phone, capMonth(gateway.now, app.ctx.config.program.timeZone))).toBe(3);

    // The reconciliation only looks: it finds the one Twilio took and fails the one it never did.
    const counts = await lookUpUnknownMessages(app.ctx);
    expect(counts).toEqual({ found: 1, notSent: 1, stillUnknown: 0 });
    expect(await gateway.row('msg_00000000000a00000000000000000001')).toMatchObject({ status: 'delivered', twilio_sid: 'SM' + 'a'.repeat(32), cap_released: 0 });
    expect(await gateway.row('msg_00000000000a00000000000000000002')).toMatchObject({ status: 'failed', cap_released: 1, twilio_sid: null });
    expect(twilio.sends).toHaveLength(0);
    expect(twilio.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(await capSlotsUsed(app.ctx.db, phone, '2026-11')).toBe(2);
  });

  it('a quick restart leaves a send pending: the running reconciliation (not only a restart) makes it unknown past the in-flight bound and settles it', async () => {
    const phone = uniquePhone();
    await gateway.optIn(phone);
    // Decided seconds before a restart: still inside the in-flight bound when the gateway came back.
    const decidedAt = '2026-11-25T19:59:50.000Z';
    await insertMessage(gateway.app!.ctx.db, pendingRow('msg_00000000000b00000000000000000001', phone, 'Taken just before a restart', decidedAt));
    twilio.messages.push({ sid: 'SM' + 'b'.repeat(32), to: phone, from: '+15005550006', body: 'Taken just before a restart', status: 'delivered', direction: 'outbound-api', dateCreated: new Date('2026-11-25T19:59:51.000Z') });
    await gateway.stop();
    const app = await gateway.start();
    expect(await gateway.row('msg_00000000000b00000000000000000001')).toMatchObject({ status: 'pending' });

    // The running gateway's reconciler, two minutes later: no restart needed.
    gateway.now = new Date('2026-11-25T20:02:00.000Z');
    const reconciler = startReconciler(app.ctx, 3_600_000);
    await reconciler.stop();
    expect(await gateway.row('msg_00000000000b00000000000000000001')).toMatchObject({ status: 'delivered', twilio_sid: 'SM' + 'b'.repeat(32), cap_released: 0 });
    expect(twilio.sends).toHaveLength(0);
  });

  it('two unknown sends of the same text each take their own Twilio message, never the same one', async () => {
    const phone = uniquePhone();
    await gateway.optIn(phone);
    twilio.responder = (req) => ({ ...accepted(req), delayMs: 2_000 });
    const first = await gateway.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Same', category: 'marketing' });
    const second = await gateway.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Same', category: 'marketing' });
    expect([first.body.status, second.body.status]).toEqual(['unknown', 'unknown']);
    gateway.now = new Date('2026-11-25T20:10:00.000Z');
    expect(await lookUpUnknownMessages(gateway.app!.ctx)).toEqual({ found: 2, notSent: 0, stillUnknown: 0 });
    const sids = [(await gateway.row(first.body.id)).twilio_sid, (await gateway.row(second.body.id)).twilio_sid];
    expect(new Set(sids)).toEqual(new Set(twilio.messages.map((m) => m.sid)));
    expect(twilio.sends).toHaveLength(2);
  });

  it('a lookup that cannot reach back to the send leaves it unknown, holding its slot', async () => {
    const phone = uniquePhone();
    await gateway.optIn(phone);
    twilio.responder = () => ({ status: 500, body: { code: 20500, message: 'Internal error', status: 500 } });
    const res = await gateway.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Lost', category: 'transactional' });
    expect(res.body.status).toBe('unknown');
    // Fifty newer messages to the number: the page does not reach the time of the send.
    for (let i = 0; i < 50; i++) {
      twilio.messages.push({ sid: `SM${String(i).padStart(32, '0')}`, to: phone, from: null, body: `other ${i}`, status: 'delivered', direction: 'outbound-api', dateCreated: new Date('2026-11-25T20:05:00.000Z') });
    }
    gateway.now = new Date('2026-11-25T20:10:00.000Z');
    expect(await lookUpUnknownMessages(gateway.app!.ctx)).toEqual({ found: 0, notSent: 0, stillUnknown: 1 });
    expect(await gateway.row(res.body.id)).toMatchObject({ status: 'unknown', cap_released: 0 });
  });

  it('an opt-out confirmation whose send times out is unknown, not failed; the opt-out stands', async () => {
    const phone = uniquePhone();
    await gateway.optIn(phone);
    twilio.responder = (req) => ({ ...accepted(req), delayMs: 2_000 });
    const res = await gateway.http.post(`/v1/consent/${encodeURIComponent(phone)}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'phone_call' });
    expect(res.status).toBe(201);
    expect(res.body.state.status).toBe('opted_out');
    expect(res.body.confirmation).toMatchObject({ status: 'unknown' });
    expect(await gateway.row(res.body.confirmation.messageId)).toMatchObject({ status: 'unknown', kind: 'opt_out_confirmation' });
    expect(twilio.sends).toHaveLength(1);
  });

  it('a scheduled send whose release times out is unknown, keeps its slot, and the scheduler never sends it again', async () => {
    const phone = uniquePhone();
    await gateway.optIn(phone);
    // 23:00 in San Francisco: quiet hours, so the send waits for 08:00.
    gateway.now = new Date('2026-11-26T07:00:00.000Z');
    const res = await gateway.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Morning offer', category: 'marketing', deferUntilAllowed: true });
    expect(res.body.status).toBe('scheduled');
    gateway.now = new Date(res.body.scheduledFor);
    twilio.responder = (req) => ({ ...accepted(req), delayMs: 2_000 });
    expect(await runDueMessages(gateway.app!.ctx)).toMatchObject({ unknown: 1, sent: 0, failed: 0 });
    expect(await gateway.row(res.body.id)).toMatchObject({ status: 'unknown', cap_released: 0, counts_toward_cap: 1 });
    gateway.now = new Date(gateway.now.getTime() + 10 * 60_000);
    expect(await runDueMessages(gateway.app!.ctx)).toMatchObject({ unknown: 0, sent: 0 });
    expect(twilio.sends).toHaveLength(1);
  });
});

describe.each(DIALECTS)('a Twilio that cannot be reached at all (%s)', (dialect) => {
  it('connection refused: nothing was sent, 502 transport_unavailable with sent: false, and the slot is given back', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const database = await createTestDatabase(dialect);
    const gateway = new Gateway(database, twilioEnv(`http://127.0.0.1:${port}`));
    try {
      await gateway.start();
      const phone = uniquePhone();
      await gateway.optIn(phone);
      const res = await gateway.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Hi', category: 'marketing' });
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'transport_unavailable', details: { sent: false } });
      expect(res.body.error.message).toContain('nothing was sent');
      expect(await gateway.row(res.body.error.details.messageId)).toMatchObject({ status: 'failed', cap_released: 1 });
    } finally {
      await gateway.stop();
      await database.drop();
    }
  });
});

describe.each(DIALECTS)('a real gateway process killed -9 while Twilio holds its send (%s)', (dialect) => {
  afterEach(() => killLeftoverGateways());

  it('the send is pending in the database, unknown after a restart, found at Twilio, and never sent twice', async () => {
    const twilio = await new FakeTwilio().start();
    const database = await createTestDatabase(dialect);
    const env = { ...database.env, ...twilioEnv(twilio.url), TWILIO_TIMEOUT_MS: '20000', API_KEYS: TEST_API_KEYS };
    let restarted: Gateway | undefined;
    try {
      // Twilio takes the message and answers only after the process is gone.
      twilio.responder = (req) => ({ ...accepted(req), delayMs: 5_000 });
      const child = await spawnGateway(env);
      const phone = uniquePhone();
      const optIn = await fetch(`${child.url}/v1/consent/${encodeURIComponent(phone)}/opt-in`, {
        method: 'POST',
        headers: { ...bearer(KEYS.writer), 'Content-Type': 'application/json' },
        body: JSON.stringify({ source: 'web_form', evidence: EVIDENCE }),
      });
      expect(optIn.status).toBe(201);
      const sending = fetch(`${child.url}/v1/messages`, {
        method: 'POST',
        headers: { ...bearer(KEYS.sender), 'Content-Type': 'application/json' },
        // Transactional: the child reads the real clock, and quiet hours must not refuse it.
        body: JSON.stringify({ to: phone, body: 'Your order shipped', category: 'transactional' }),
      }).then(
        async (res) => `answered ${res.status}: ${await res.text()}`,
        () => 'cut off',
      );
      let answeredEarly: string | undefined;
      void sending.then((outcome) => (answeredEarly = outcome));
      for (let i = 0; i < 500 && twilio.sends.length === 0 && answeredEarly === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(answeredEarly).toBeUndefined();
      expect(twilio.sends).toHaveLength(1);
      child.child.kill('SIGKILL');
      expect(await child.exited).toBe('SIGKILL');
      expect(await sending).toBe('cut off');

      restarted = new Gateway(database, { ...twilioEnv(twilio.url), TWILIO_TIMEOUT_MS: '20000' });
      // A first look without moving time: the send is as the killed process left it.
      const first = await restarted.start();
      const [left] = await first.ctx.db.selectFrom('messages').selectAll().where('phone', '=', phone).execute();
      expect(left).toMatchObject({ status: 'pending', twilio_sid: null, cap_released: 0 });
      await restarted.stop();

      // The restart the process would make, past the in-flight bound.
      restarted.now = new Date(new Date(left!.decided_at).getTime() + 10 * 60_000);
      const app = await restarted.start();
      expect(await restarted.row(left!.id)).toMatchObject({ status: 'unknown', cap_released: 0 });
      expect(await lookUpUnknownMessages(app.ctx)).toEqual({ found: 1, notSent: 0, stillUnknown: 0 });
      expect(await restarted.row(left!.id)).toMatchObject({ status: 'queued', twilio_sid: twilio.messages[0]!.sid, cap_released: 0 });
      expect(twilio.sends).toHaveLength(1);
    } finally {
      await restarted?.stop();
      await database.drop();
      await twilio.stop();
    }
  });
});
