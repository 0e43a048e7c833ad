import fc from 'fast-check';
import { DIALECTS } from '../helpers/databases';
import { bearer, inboundParams, KEYS, startHarness, type Harness } from '../helpers/harness';

const WEBHOOK = '/webhooks/twilio/sms';

describe.each(DIALECTS)('bad input never yields a 5xx (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each([
    [{ Body: 'STOP', MessageSid: 'SM1' }, 'no From'],
    [{ From: '+14155550134', Body: 'STOP' }, 'no MessageSid'],
    [{ From: 'not a number', MessageSid: 'SM2', Body: 'STOP' }, 'From is not a phone number'],
    [{ From: '+14155550134', MessageSid: 'SM 3 with spaces', Body: 'STOP' }, 'malformed MessageSid'],
    [{}, 'empty form'],
  ])('webhook %j (%s) is a 400 JSON error and records nothing', async (form, _why) => {
    const res = await h.http.post(WEBHOOK).type('form').send(form);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    const rows = await h.ctx.db.selectFrom('inbound_messages').select('id').execute();
    expect(rows).toHaveLength(0);
  });

  it('a webhook with repeated parameters (arrays) is a 400', async () => {
    const res = await h.http.post(WEBHOOK).type('form').send('From=%2B14155550134&From=%2B14155550135&MessageSid=SM9&Body=STOP');
    expect(res.status).toBe(400);
  });

  it('a webhook body over the limit is a 413', async () => {
    const res = await h.http.post(WEBHOOK).type('form').send(`From=%2B14155550134&MessageSid=SM4&Body=${'a'.repeat(70_000)}`);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('a webhook sent as JSON or plain text is a 400, not a crash', async () => {
    expect((await h.http.post(WEBHOOK).set('Content-Type', 'application/json').send('{"From":"+14155550134"}')).status).toBe(400);
    expect((await h.http.post(WEBHOOK).set('Content-Type', 'text/plain').send('STOP')).status).toBe(400);
    expect((await h.http.post(WEBHOOK)).status).toBe(400);
  });

  it('malformed JSON on the API is a 400 invalid_body', async () => {
    const res = await h.http
      .post('/v1/consent/+14155550134/opt-in')
      .set(bearer(KEYS.admin))
      .set('Content-Type', 'application/json')
      .send('{"source": "web", evidence: ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
  });

  it('a JSON body over 1 MB is a 413', async () => {
    const res = await h.http
      .post('/v1/consent/+14155550134/opt-in')
      .set(bearer(KEYS.admin))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ source: 'web', evidence: { consentText: 'x'.repeat(1_100_000) } }));
    expect(res.status).toBe(413);
  });

  it('JSON that is not an object (array, string, null) is a 400', async () => {
    for (const body of ['[]', '"text"', 'null', '42']) {
      const res = await h.http.post('/v1/consent/+14155550134/opt-in').set(bearer(KEYS.admin)).set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
    }
  });

  it('an unknown route is a JSON 404', async () => {
    const res = await h.http.get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('random webhook forms answer 200 or 4xx, never 5xx (property)', async () => {
    const field = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('+14155550134', 'STOP', 'SMabc', ''));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('From', 'To', 'Body', 'MessageSid', 'OptOutType', 'AccountSid', 'Junk'), field),
        async (form) => {
          const res = await h.http.post(WEBHOOK).type('form').send(form);
          return res.status < 500;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random raw bytes with random content types never yield a 5xx (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2_000 }),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/xml', 'multipart/form-data', 'application/x-www-form-urlencoded; charset=latin7'),
        fc.constantFrom(WEBHOOK, '/v1/consent/+14155550134/opt-in'),
        async (bytes, type, path) => {
          const res = await h.http.post(path).set(bearer(KEYS.admin)).set('Content-Type', type).send(Buffer.from(bytes));
          return res.status < 500;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a valid STOP still works after all that garbage', async () => {
    const res = await h.http.post(WEBHOOK).type('form').send(inboundParams('+14155550199', 'STOP'));
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Message>');
  });
});

describe.each(DIALECTS)('health (%s)', (dialect) => {
  it('/healthz and /readyz answer 200 while the database answers, /readyz 503 once it is gone', async () => {
    const h = await startHarness(dialect);
    expect((await h.http.get('/healthz')).status).toBe(200);
    expect((await h.http.get('/readyz')).body).toEqual({ status: 'ready', database: dialect });
    await h.close();
    const res = await h.http.get('/readyz');
    expect(res.status).toBe(503);
    expect((await h.http.get('/healthz')).status).toBe(200);
    await h.database.drop();
  });
});
