import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createOutboxTransport } from '../../src/transport/outbox';
import type { SmsTransport } from '../../src/transport/transport';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';
import { bearer, EVIDENCE, inboundParams, KEYS, TEST_API_KEYS } from '../helpers/harness';

/**
 * A whole session through the app, logged by a real winston logger with the project's format into
 * memory, then every byte of the log scanned: no phone number in any of its forms, no message
 * text, no secret. The session includes 500s whose stack traces, causes and details carry numbers,
 * bad requests, URL-encoded and national-format numbers in paths, and a database that goes away.
 */
const PHONES = {
  subscriber: '+14155550161',
  failing: '+14155550162', // the transport throws an error quoting it
  helper: '+14155550163',
  staff: '+14155550164', // a staff opt-out whose confirmation fails
  erased: '+14155550165',
  national: '+14155550166', // only ever written as (415) 555-0166 and 415-555-0166
  faulted: '+14155550167', // requested while the database is gone
};
const BODIES = [
  'Your tummy tuck consult is confirmed for Friday',
  'Glowing skin special: 20% off hydrafacials this week',
  'Please stop texting me about the lipo specials',
  'what time does the spa open on sunday',
  'my cousin gave you my number, who is this',
] as const;
const SECRETS = [...Object.values(KEYS), 'wrong-key-secret-9876', 'query-token-secret-5432', 'postgres-password-secret'];

/** Every way a number's digits could show: separators between digits removed, escapes decoded. */
function digitRuns(log: string): string {
  return log.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/(?<=\d)[\s\-.()/+\\"]{1,4}(?=\d)/g, '');
}

/** A request URL as HTTP client errors quote it: credentials, a token in the query, the number. */
const echoUrl = (to: string) => `https://user:postgres-password-secret@api.example.com/send?token=query-token-secret-5432&To=${encodeURIComponent(to)}`;

describe.each(DIALECTS)('logs of a whole session (%s)', (dialect) => {
  let database: TestDatabase;
  let gateway: App;
  const lines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'debug', ...database.env });
    const logger = createLogger({
      level: 'debug',
      stream: new Writable({
        write(chunk, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const outbox = createOutboxTransport(logger);
    // A driver failing the way real ones do: the number in the message, a pg-style detail, a cause
    // chain, and a request echoed deeper than any depth limit.
    const transport: SmsTransport = {
      name: 'outbox',
      async send(sms) {
        if (sms.to !== PHONES.failing && sms.to !== PHONES.staff) return outbox.send(sms);
        let echo: Record<string, unknown> = { to: sms.to, body: sms.body, url: echoUrl(sms.to) };
        for (let i = 0; i < 10; i++) echo = { attempt: i, request: echo, note: `retrying ${sms.to}` };
        throw Object.assign(new Error(`could not send to ${sms.to}: POST ${echoUrl(sms.to)} failed`, { cause: new Error(`carrier rejected ${sms.to.slice(2, 5)}-${sms.to.slice(5, 8)}-${sms.to.slice(8)}`) }), {
          code: '23505',
          detail: `Key (phone, body)=(${sms.to}, ${sms.body}) already exists.`,
          details: echo,
        });
      },
    };
    gateway = await createApp(config, { logger, transport, clock: () => new Date('2026-11-25T20:00:00.000Z') });
    const http = request(gateway.app);
    const consent = (phone: string) => `/v1/consent/${encodeURIComponent(phone)}`;
    const optIn = (path: string) => http.post(`${path}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: EVIDENCE });

    for (const phone of [PHONES.subscriber, PHONES.failing, PHONES.helper, PHONES.staff, PHONES.erased]) expect((await optIn(consent(phone))).status).toBe(201);
    // National forms in the path.
    await optIn('/v1/consent/(415)%20555-0166');
    await http.get('/v1/consent/415-555-0166').set(bearer(KEYS.reader));
    await http.get(`${consent(PHONES.subscriber)}?token=query-token-secret-5432`).set(bearer(KEYS.reader));

    // Sends: one through, one whose transport throws (500 with the number in the stack).
    expect((await http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: PHONES.subscriber, body: BODIES[0], category: 'marketing' })).status).toBe(202);
    expect((await http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: PHONES.failing, body: BODIES[1], category: 'marketing' })).status).toBeGreaterThanOrEqual(500);

    // Inbound texts: an opt-out in the person's words, a question, a wrong number.
    for (const [from, body] of [[PHONES.subscriber, BODIES[2]], [PHONES.helper, BODIES[3]], [PHONES.helper, BODIES[4]]] as const) {
      expect((await http.post('/webhooks/twilio/sms').type('form').send(inboundParams(from, body))).status).toBe(200);
    }

    // Bad requests: broken JSON quoting a number and a text, an unparseable number, a wrong key.
    await http.post('/v1/messages').set(bearer(KEYS.sender)).set('Content-Type', 'application/json').send(`{"to": "+14155550161", "body": "${BODIES[0]}"`);
    await http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: '(415) 555-01', body: BODIES[1], category: 'marketing' });
    await http.get(consent(PHONES.subscriber)).set(bearer('wrong-key-secret-9876'));
    await http.post('/webhooks/twilio/sms').type('form').send(`From=${encodeURIComponent(PHONES.helper)}&Body=${encodeURIComponent(BODIES[3])}`);

    // Staff: an opt-out whose confirmation fails (logged with its error), an erasure.
    await http.post(`${consent(PHONES.staff)}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'phone_call', note: `called from ${PHONES.staff}`, sendConfirmation: true });
    expect((await http.delete(consent(PHONES.erased)).set(bearer(KEYS.writer)).send({ note: `erase ${PHONES.erased}` })).status).toBeLessThan(300);

    // The database goes away: every request now fails, with the path (an encoded number) logged.
    await gateway.ctx.db.destroy();
    const faulted = await optIn(consent(PHONES.faulted));
    expect(faulted.status).toBeGreaterThanOrEqual(500);
    await http.get('/v1/consent/%28415%29%20555-0167').set(bearer(KEYS.reader));
  });

  afterAll(async () => {
    await gateway.close().catch(() => undefined);
    await database.drop();
  });

  it('the session was logged, errors with their stack traces included', () => {
    const log = lines.join('');
    expect(log).toContain('"stack"');
    expect(log).toContain('could not send to +1415***62');
    expect(log).toContain('inbound sms');
    expect(log).toContain('outbox: message sent');
    expect(log).toContain('opt-out confirmation not sent');
    expect(log).toContain('number erased');
    // Masked numbers still tell numbers apart, the encoded path included.
    expect(log).toContain('+1415***61');
    expect(log).toContain(`/v1/consent/+1415***67/opt-in`);
  });

  it('no phone number in any form: E.164, URL-encoded, national, in messages, stacks, causes, details and paths', () => {
    const runs = digitRuns(lines.join(''));
    for (const phone of Object.values(PHONES)) {
      expect([phone, runs.includes(phone.slice(2))]).toEqual([phone, false]); // 4155550161
      expect([phone, runs.includes(phone.slice(5))]).toEqual([phone, false]); // 5550161
    }
  });

  it('no message text and no secret', () => {
    const log = lines.join('');
    const decoded = log.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\+/g, ' ');
    for (const body of BODIES) {
      for (const piece of [body, body.split(' ').slice(0, 3).join(' ')]) {
        expect([piece, log.includes(piece) || decoded.includes(piece)]).toEqual([piece, false]);
      }
    }
    for (const secret of SECRETS) expect([secret, log.includes(secret)]).toEqual([secret, false]);
  });
});
