import request from 'supertest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { lookUpUnknownMessages } from '../../src/sending/reconcile';
import { TransportError, type OutboundSms, type SmsTransport } from '../../src/transport/transport';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';
import { bearer, EVIDENCE, KEYS, TEST_API_KEYS, uniquePhone } from '../helpers/harness';

/**
 * What arrives about an erased number after its erasure: the transport's late answer to a send
 * that was in flight, and Twilio's late status callbacks. The status and error code are kept; no
 * provider text (which may quote the number) and no opt-out event under the number or its
 * placeholder is written.
 */
describe.each(DIALECTS)('late writes about an erased number (%s)', (dialect) => {
  let database: TestDatabase;
  let gateway: App;
  let http: ReturnType<typeof request>;
  /** Sends whose body names a failure wait for the test to let them answer. */
  const waiting = new Map<string, () => void>();
  let sent = 0;
  /** The numbers the reconciliation asked the transport about. */
  const lookedUp: string[] = [];
  let now = '2026-11-25T20:00:00.000Z';

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...database.env });
    const transport: SmsTransport = {
      name: 'twilio',
      async send(sms: OutboundSms) {
        // A text that is none of the test's is an opt-out confirmation: it fails like a rejected send.
        const confirmation = !/^(rejected|outcome_unknown|recipient_opted_out|Spring offer|Another offer)/.test(sms.body);
        const failure = confirmation ? 'rejected' : (['rejected', 'outcome_unknown', 'recipient_opted_out'] as const).find((f) => sms.body.startsWith(f));
        if (!failure) {
          sent += 1;
          return { sid: `SMlate${dialect}${String(sent).padStart(20, '0')}`, status: 'sent' };
        }
        await new Promise<void>((resolve) => waiting.set(sms.to, resolve));
        // Twilio's texts quote the number.
        throw new TransportError(failure, `The 'To' number ${sms.to} is not reachable.`, failure === 'recipient_opted_out' ? '21610' : '21211', 400);
      },
      async findSent(sms: OutboundSms) {
        lookedUp.push(sms.to);
        return { matches: [], complete: false };
      },
    };
    gateway = await createApp(config, { clock: () => new Date(now), transport });
    http = request(gateway.app);
  });
  afterAll(async () => {
    await gateway.close();
    await database.drop();
  });

  const optIn = async (phone: string) =>
    expect((await http.post(`/v1/consent/${phone}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: EVIDENCE })).status).toBe(201);
  const erase = async (phone: string) => {
    const res = await http.delete(`/v1/consent/${phone}`).set(bearer(KEYS.writer)).send({});
    expect(res.status).toBe(200);
    return `erased:${(res.body.phoneHash as string).slice(0, 16)}`;
  };
  const messageRow = (id: string) => gateway.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const eventsOf = async (phones: string[]) =>
    (await gateway.ctx.db.selectFrom('consent_events').select(['phone', 'event_type', 'channel']).where('phone', 'in', phones).execute()).map((e) => `${e.phone} ${e.event_type} ${e.channel}`);
  const statusCallback = (params: Record<string, string>) => http.post('/webhooks/twilio/status').type('form').send(params);

  it.each(['rejected', 'outcome_unknown', 'recipient_opted_out'] as const)(
    'the transport answers "%s", quoting the number, after the erasure: the row keeps its code, not the text; no opt-out brings the number back',
    async (failure) => {
      const phone = uniquePhone();
      await optIn(phone);
      const sending = http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: `${failure} offer`, category: 'marketing' }).then((r) => r);
      while (!waiting.has(phone)) await new Promise((resolve) => setImmediate(resolve));
      const placeholder = await erase(phone);
      waiting.get(phone)!();
      const answer = await sending;
      const id = (answer.body.id ?? answer.body.error?.details?.messageId) as string;
      expect(id).toMatch(/^msg_/);
      const row = await messageRow(id);
      expect(row).toMatchObject({ phone: placeholder, body: '[erased]', status: failure === 'outcome_unknown' ? 'unknown' : 'failed', error_code: failure === 'recipient_opted_out' ? '21610' : '21211' });
      expect(row.error_message).toBe('[erased]');
      expect(JSON.stringify(row)).not.toContain(phone.slice(2));
      expect(await eventsOf([phone, placeholder])).toEqual([`${placeholder} opt_in api`]);
    },
  );

  it('a staff opt-out confirmation that fails after the erasure: recorded as failed, without the text', async () => {
    const phone = uniquePhone();
    await optIn(phone);
    const optingOut = http.post(`/v1/consent/${phone}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'email', sendConfirmation: true }).then((r) => r);
    while (!waiting.has(phone)) await new Promise((resolve) => setImmediate(resolve));
    const placeholder = await erase(phone);
    waiting.get(phone)!();
    const answer = await optingOut;
    expect(answer.status).toBe(201);
    expect(answer.body.confirmation).toMatchObject({ status: 'failed' });
    const row = await messageRow(answer.body.confirmation.messageId as string);
    expect(row).toMatchObject({ phone: placeholder, kind: 'opt_out_confirmation', status: 'failed', error_message: '[erased]' });
  });

  it('a late status callback for an erased number keeps status and error code, records no opt-out, stores no text', async () => {
    const phone = uniquePhone();
    await optIn(phone);
    const sentAnswer = await http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Spring offer', category: 'marketing' });
    expect(sentAnswer.status).toBe(202);
    const { id, twilioSid } = sentAnswer.body as { id: string; twilioSid: string };
    const placeholder = await erase(phone);
    const before = await messageRow(id);

    // Twilio: undelivered, 21610 (the person blocked the sender at the carrier).
    const late = await statusCallback({ MessageSid: twilioSid, MessageStatus: 'undelivered', ErrorCode: '21610', To: phone });
    expect(late.status).toBe(200);
    const row = await messageRow(id);
    expect(row).toMatchObject({ phone: placeholder, body: '[erased]', status: 'undelivered', error_code: '21610', error_message: before.error_message });
    expect(JSON.stringify(row)).not.toContain(phone.slice(2));
    // Also for a message Twilio knows and we don't: `To` alone is the erased number.
    expect((await statusCallback({ MessageSid: 'SMunknownToUs0000000000000000001', MessageStatus: 'failed', ErrorCode: '21610', To: phone })).status).toBe(200);
    expect(await eventsOf([phone, placeholder])).toEqual([`${placeholder} opt_in api`]);
    expect(await gateway.ctx.db.selectFrom('consent_state').select('phone').where('phone', 'in', [phone, placeholder]).execute()).toEqual([]);
    // The erasure still blocks the number.
    const refused = await http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Another offer', category: 'marketing' });
    expect(refused.body.error.code).toBe('opted_out');
  });

  it('a 21610 callback for a number that is not erased is still recorded as a carrier opt-out', async () => {
    const phone = uniquePhone();
    await optIn(phone);
    const sentAnswer = await http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Spring offer', category: 'marketing' });
    const late = await statusCallback({ MessageSid: sentAnswer.body.twilioSid, MessageStatus: 'undelivered', ErrorCode: '21610', To: phone });
    expect(late.status).toBe(200);
    expect(await eventsOf([phone])).toEqual([`${phone} opt_in api`, `${phone} opt_out carrier`]);
  });

  it('the reconciliation never looks up an erased number\'s unknown messages', async () => {
    const kept = uniquePhone();
    const erased = uniquePhone();
    const ids: Record<string, string> = {};
    for (const phone of [kept, erased]) {
      await optIn(phone);
      const sending = http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'outcome_unknown offer', category: 'marketing' }).then((r) => r);
      while (!waiting.has(phone)) await new Promise((resolve) => setImmediate(resolve));
      waiting.get(phone)!();
      const answer = await sending;
      expect(answer.status).toBe(202);
      ids[phone] = answer.body.id as string;
    }
    const placeholder = await erase(erased);
    expect(await messageRow(ids[erased]!)).toMatchObject({ phone: placeholder, status: 'unknown', error_message: '[erased]' });
    now = '2026-11-25T22:00:00.000Z';
    lookedUp.length = 0;
    await lookUpUnknownMessages(gateway.ctx);
    expect(lookedUp).toContain(kept);
    expect(lookedUp).not.toContain(placeholder);
    expect(lookedUp).not.toContain(erased);
    expect(await messageRow(ids[erased]!)).toMatchObject({ phone: placeholder, status: 'unknown', error_message: '[erased]' });
  });
});
