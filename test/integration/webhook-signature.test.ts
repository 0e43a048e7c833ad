import { loadConfig } from '../../src/config';
import { AUTH_TOKEN, inboundParams, PUBLIC_BASE_URL, sign, startHarness, type Harness } from '../helpers/harness';

const PATH = '/webhooks/twilio/sms';

describe('webhook signatures (X-Twilio-Signature)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL } });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function recorded(sid: string): Promise<number> {
    const rows = await h.ctx.db.selectFrom('inbound_messages').select('id').where('message_sid', '=', sid).execute();
    return rows.length;
  }

  it('accepts a request signed for the public URL', async () => {
    const params = inboundParams('+14155550134', 'STOP');
    const res = await h.http
      .post(PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(`${PUBLIC_BASE_URL}${PATH}`, params))
      .send(params);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Message>');
    expect(await recorded(params.MessageSid)).toBe(1);
  });

  it('behind a proxy: validates against PUBLIC_BASE_URL, not the Host header the gateway saw', async () => {
    const params = inboundParams('+14155550135', 'HELP');
    const res = await h.http
      .post(PATH)
      .type('form')
      .set('Host', 'internal-gateway:3000')
      .set('X-Forwarded-Host', 'evil.example.com')
      .set('X-Twilio-Signature', sign(`${PUBLIC_BASE_URL}${PATH}`, params))
      .send(params);
    expect(res.status).toBe(200);
  });

  it('refuses a signature made for the internal URL instead of the public one', async () => {
    const params = inboundParams('+14155550136', 'STOP');
    const res = await h.http
      .post(PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(`http://127.0.0.1:3000${PATH}`, params))
      .send(params);
    expect(res.status).toBe(403);
    expect(await recorded(params.MessageSid)).toBe(0);
  });

  it('signs the query string too', async () => {
    const params = inboundParams('+14155550137', 'STOP');
    const ok = await h.http
      .post(`${PATH}?tenant=a`)
      .type('form')
      .set('X-Twilio-Signature', sign(`${PUBLIC_BASE_URL}${PATH}?tenant=a`, params))
      .send(params);
    expect(ok.status).toBe(200);
    const moved = await h.http
      .post(`${PATH}?tenant=b`)
      .type('form')
      .set('X-Twilio-Signature', sign(`${PUBLIC_BASE_URL}${PATH}?tenant=a`, { ...params, MessageSid: 'SMother' }))
      .send({ ...params, MessageSid: 'SMother' });
    expect(moved.status).toBe(403);
  });

  it('403 and nothing recorded when the signature is missing', async () => {
    const params = inboundParams('+14155550138', 'STOP');
    const res = await h.http.post(PATH).type('form').send(params);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('invalid_signature');
    expect(await recorded(params.MessageSid)).toBe(0);
  });

  it('403 and nothing recorded when a parameter was changed after signing', async () => {
    const params = inboundParams('+14155550139', 'hello');
    const signature = sign(`${PUBLIC_BASE_URL}${PATH}`, params);
    const res = await h.http.post(PATH).type('form').set('X-Twilio-Signature', signature).send({ ...params, Body: 'START' });
    expect(res.status).toBe(403);
    expect(await recorded(params.MessageSid)).toBe(0);
  });

  it('403 for a signature made with another auth token', async () => {
    const params = inboundParams('+14155550140', 'STOP');
    const res = await h.http
      .post(PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(`${PUBLIC_BASE_URL}${PATH}`, params, 'another-token'))
      .send(params);
    expect(res.status).toBe(403);
  });
});

describe('local mode (no TWILIO_AUTH_TOKEN)', () => {
  it('accepts unsigned webhooks', async () => {
    const h = await startHarness('sqlite');
    try {
      const res = await h.http.post(PATH).type('form').send(inboundParams('+14155550141', 'STOP'));
      expect(res.status).toBe(200);
    } finally {
      await h.stop();
    }
  });
});

describe('auth token rotation (TWILIO_AUTH_TOKEN_PREVIOUS)', () => {
  const OLD_TOKEN = 'old-auth-token-0123456789abcdef';
  const STRANGER = 'stranger-token-0123456789abcdef';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_AUTH_TOKEN_PREVIOUS: OLD_TOKEN, PUBLIC_BASE_URL } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const post = (params: Record<string, string>, token: string) =>
    h.http.post(PATH).type('form').set('X-Twilio-Signature', sign(`${PUBLIC_BASE_URL}${PATH}`, params, token)).send(params);

  it('accepts signatures under the new token and the one being rotated out, and no other', async () => {
    expect((await post(inboundParams('+14155550142', 'STOP'), AUTH_TOKEN)).status).toBe(200);
    expect((await post(inboundParams('+14155550143', 'STOP'), OLD_TOKEN)).status).toBe(200);
    expect((await post(inboundParams('+14155550144', 'STOP'), STRANGER)).status).toBe(403);
  });

  it('the previous token alone is a configuration error', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', TWILIO_AUTH_TOKEN_PREVIOUS: OLD_TOKEN })).toThrow(/TWILIO_AUTH_TOKEN_PREVIOUS/);
  });
});
