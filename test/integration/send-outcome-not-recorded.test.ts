import { renameSync } from 'node:fs';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { MessageRow } from '../../src/db/tables/message';
import { createLogger } from '../../src/logger';
import { reconcileOnce } from '../../src/sending/reconcile';
import { runDueMessages } from '../../src/sending/scheduler';
import { NOT_RECORDED_REASON } from '../../src/sending/service';
import { createTwilioTransport } from '../../src/transport/twilio';
import { createTestDatabase, DIALECTS, TEST_POSTGRES_URL, type TestDatabase } from '../helpers/databases';
import { FakeTwilio } from '../helpers/fake-twilio';
import { AUTH_TOKEN, bearer, EVIDENCE, KEYS, PUBLIC_BASE_URL, TEST_API_KEYS, uniquePhone } from '../helpers/harness';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

/**
 * The transport took the text, then the database refused to record it (PostgreSQL gone: every
 * connection closed and the port refused; SQLite: the ledger file moved away under the gateway).
 * The text has left: the client gets 202 with the transport's status and SID, never a 5xx it
 * would retry (a second text); the failure is logged; the row stays `pending` until the running
 * reconciliation settles it at the transport.
 */

const twilioEnv = (baseUrl: string) => ({
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM_NUMBER: '+15005550006',
  TWILIO_API_BASE_URL: baseUrl,
  PUBLIC_BASE_URL,
  TWILIO_TIMEOUT_MS: '500',
  TWILIO_MAX_RETRIES: '0',
});

describe.each(DIALECTS)('a send whose outcome the database refused to record (%s)', (dialect) => {
  const twilio = new FakeTwilio();
  let database: TestDatabase;
  let proxy: TcpProxy | undefined;
  let gateway: App;
  let now: Date;
  const logLines: string[] = [];
  /** Breaks the database for real; `restore` undoes it. */
  let breakDatabase: () => Promise<void>;
  let restoreDatabase: () => Promise<void>;
  /** Set by a test: the fault strikes right after the transport took the text. */
  let faultAfterSend = false;

  beforeAll(async () => {
    await twilio.start();
  });
  afterAll(async () => {
    await twilio.stop();
  });
  beforeEach(async () => {
    twilio.reset();
    logLines.length = 0;
    faultAfterSend = false;
    now = new Date('2026-11-25T20:00:00.000Z');
    twilio.clock = () => new Date(now);
    database = await createTestDatabase(dialect);
    let env = database.env;
    if (dialect === 'postgres') {
      const target = new URL(TEST_POSTGRES_URL);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      env = { ...env, DATABASE_URL: proxy.url(TEST_POSTGRES_URL) };
      breakDatabase = () => proxy!.stop();
      restoreDatabase = () => proxy!.start();
    } else {
      const path = database.sqlitePath!;
      breakDatabase = async () => renameSync(path, `${path}.away`);
      restoreDatabase = async () => renameSync(`${path}.away`, path);
    }
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...env, ...twilioEnv(twilio.url) });
    const logger = createLogger({
      level: 'info',
      stream: new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(chunk.toString()), done()) }),
    });
    const twilioTransport = createTwilioTransport({
      config: { ...config.twilio, accountSid: config.twilio.accountSid!, authToken: config.twilio.authToken! },
      statusCallbackUrl: `${PUBLIC_BASE_URL}/webhooks/twilio/status`,
      logger,
    });
    gateway = await createApp(config, {
      clock: () => new Date(now),
      logger,
      transport: {
        name: twilioTransport.name,
        send: async (sms) => {
          const result = await twilioTransport.send(sms);
          if (faultAfterSend) await breakDatabase();
          return result;
        },
        findSent: (sms, since) => twilioTransport.findSent!(sms, since),
      },
    });
  });
  afterEach(async () => {
    await gateway.close();
    await proxy?.close();
    proxy = undefined;
    await database.drop();
  });

  const http = () => request(gateway.app);
  const row = (id: string): Promise<MessageRow> =>
    gateway.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const optIn = async (phone: string) => {
    const res = await http().post(`/v1/consent/${encodeURIComponent(phone)}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: EVIDENCE });
    expect(res.status).toBe(201);
  };

  /** Past the in-flight bound (0.5 s timeout, no retries: 60.5 s), the reconciliation's next pass settles it. */
  async function reconcileLater(): Promise<Awaited<ReturnType<typeof reconcileOnce>>> {
    now = new Date(now.getTime() + 2 * 60_000);
    return reconcileOnce(gateway.ctx);
  }

  it('POST /v1/messages: 202 with the SID and a statusReason, sent once, logged, and settled by the next reconciliation pass', async () => {
    const phone = uniquePhone();
    await optIn(phone);
    faultAfterSend = true;
    const res = await http().post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Your table is ready', category: 'transactional' });
    faultAfterSend = false;
    await restoreDatabase();

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', twilioSid: twilio.messages[0]!.sid, statusReason: NOT_RECORDED_REASON });
    expect(twilio.sends).toHaveLength(1);
    const logged = logLines.find((l) => l.includes('send outcome not recorded'));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged!)).toMatchObject({ level: 'error', messageId: res.body.id });
    expect(logLines.join('\n')).not.toContain(phone);
    expect(await row(res.body.id)).toMatchObject({ status: 'pending', twilio_sid: null });

    // Too early: a send may still be in flight for the in-flight bound; nothing is touched.
    expect(await reconcileOnce(gateway.ctx)).toMatchObject({ markedUnknown: 0 });
    expect(await row(res.body.id)).toMatchObject({ status: 'pending' });

    twilio.messages[0]!.status = 'delivered';
    expect(await reconcileLater()).toEqual({ markedUnknown: 1, found: 1, notSent: 0, stillUnknown: 0 });
    expect(await row(res.body.id)).toMatchObject({ status: 'delivered', twilio_sid: twilio.messages[0]!.sid, cap_released: 0 });
    expect(twilio.sends).toHaveLength(1);
  });

  it('a scheduled send: counted as sent, not failed, never sent again, settled later', async () => {
    const phone = uniquePhone('212');
    await optIn(phone);
    // 20:00 UTC is 15:00 in New York; 02:00 UTC is 21:00, inside quiet hours.
    now = new Date('2026-11-26T02:00:00.000Z');
    const res = await http().post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Tomorrow 10% off', category: 'marketing', deferUntilAllowed: true });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('scheduled');
    now = new Date(res.body.scheduledFor);

    faultAfterSend = true;
    const counts = await runDueMessages(gateway.ctx);
    faultAfterSend = false;
    await restoreDatabase();
    expect(counts).toMatchObject({ sent: 1, failed: 0 });
    expect(twilio.sends).toHaveLength(1);
    expect(await row(res.body.id)).toMatchObject({ status: 'pending' });
    expect(await runDueMessages(gateway.ctx)).toMatchObject({ sent: 0 });

    expect(await reconcileLater()).toMatchObject({ markedUnknown: 1, found: 1 });
    expect(await row(res.body.id)).toMatchObject({ status: 'queued', twilio_sid: twilio.messages[0]!.sid });
    expect(twilio.sends).toHaveLength(1);
  });

  it('an opt-out confirmation that left is not recorded as failed; the reconciliation settles it', async () => {
    const phone = uniquePhone();
    await optIn(phone);
    faultAfterSend = true;
    const res = await http().post(`/v1/consent/${encodeURIComponent(phone)}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'email' });
    faultAfterSend = false;
    await restoreDatabase();
    // The opt-out committed before the confirmation left; the answer is read after it, from a
    // database still broken (503: a retry finds the number opted out and sends no confirmation).
    expect([201, 503]).toContain(res.status);
    if (res.status === 201) expect(res.body.confirmation).toMatchObject({ status: 'queued' });
    expect(logLines.some((l) => l.includes('opt-out confirmation sent but its outcome not recorded'))).toBe(true);
    expect(logLines.some((l) => l.includes('opt-out confirmation not sent'))).toBe(false);
    expect(twilio.sends).toHaveLength(1);
    const confirmation = await gateway.ctx.db.selectFrom('messages').selectAll().where('phone', '=', phone).where('kind', '=', 'opt_out_confirmation').executeTakeFirstOrThrow();
    expect(confirmation).toMatchObject({ status: 'pending' });
    expect((await http().get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader))).body.status).toBe('opted_out');

    expect(await reconcileLater()).toMatchObject({ markedUnknown: 1, found: 1 });
    expect(await row(confirmation.id)).toMatchObject({ status: 'queued', twilio_sid: twilio.messages[0]!.sid });
    expect(twilio.sends).toHaveLength(1);
  });
});
