import { DIALECTS } from '../helpers/databases';
import { accepted, FakeTwilio, twilioError } from '../helpers/fake-twilio';
import { UNKNOWN_STATUS_REASON } from '../../src/sending/service';
import { AUTH_TOKEN, bearer, KEYS, optIn, PUBLIC_BASE_URL, sign, startHarness, uniquePhone, type Harness } from '../helpers/harness';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const FROM = '+15005550006';

describe.each(DIALECTS)('sends through the real twilio SDK to a fake Twilio API (%s)', (dialect) => {
  const twilio = new FakeTwilio();
  let h: Harness;

  beforeAll(async () => {
    await twilio.start();
    h = await startHarness(dialect, {
      env: {
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_FROM_NUMBER: FROM,
        TWILIO_API_BASE_URL: twilio.url,
        PUBLIC_BASE_URL,
        TWILIO_TIMEOUT_MS: '500',
        TWILIO_MAX_RETRIES: '2',
      },
    });
  });
  afterAll(async () => {
    await h.stop();
    await twilio.stop();
  });
  beforeEach(() => twilio.reset());

  const send = (to: string, body = 'Hello', category = 'marketing') =>
    h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to, body, category });

  async function message(id: string) {
    return h.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async function consent(phone: string) {
    return (await h.http.get(`/v1/consent/${phone}`).set(bearer(KEYS.reader))).body;
  }

  it('uses the Twilio transport', () => {
    expect(h.ctx.transport.name).toBe('twilio');
  });

  it('sends exactly To, From, Body and StatusCallback, authenticated as the account', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    const res = await send(phone, 'Spring offer');
    expect(res.status).toBe(202);
    expect(twilio.requests).toHaveLength(1);
    const [request] = twilio.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(request!.form).toEqual({
      To: phone,
      From: FROM,
      Body: 'Spring offer Reply STOP to opt out.',
      StatusCallback: `${PUBLIC_BASE_URL}/webhooks/twilio/status?messageId=${res.body.id}`,
    });
    expect(request!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(res.body).toMatchObject({ status: 'queued', twilioSid: expect.stringMatching(/^SM/) });
  });

  it('nothing reaches Twilio for a refused send', async () => {
    const res = await send(uniquePhone());
    expect(res.body.error.code).toBe('no_consent');
    expect(twilio.requests).toHaveLength(0);
  });

  it('21610 on send: records a carrier opt-out, answers 403 opted_out, and later sends never call Twilio', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    twilio.responder = () => twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
    const res = await send(phone);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('opted_out');
    const state = await consent(phone);
    expect(state.status).toBe('opted_out');
    expect(state.events.at(-1)).toMatchObject({ type: 'opt_out', channel: 'carrier', actor: 'twilio', evidence: { errorCode: '21610' } });
    const row = await message(res.body.error.details.messageId);
    expect(row).toMatchObject({ status: 'failed', error_code: '21610', cap_released: 1 });

    twilio.reset();
    const later = await send(phone, 'Again', 'transactional');
    expect(later.body.error.code).toBe('opted_out');
    expect(twilio.requests).toHaveLength(0);
  });

  it('21610 concerns that number only', async () => {
    const a = uniquePhone();
    const b = uniquePhone();
    await optIn(h, a);
    await optIn(h, b);
    twilio.responder = (req) => (req.form.To === a ? twilioError(400, 21610) : accepted(req));
    expect((await send(a)).status).toBe(403);
    expect((await send(b)).status).toBe(202);
    expect((await consent(b)).status).toBe('opted_in');
  });

  it('another 4xx is 422 twilio_rejected with Twilio\'s code, and the slot is given back', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    twilio.responder = () => twilioError(400, 21211, "The 'To' number is not a valid phone number.");
    const res = await send(phone);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'twilio_rejected', details: { twilioCode: '21211' } });
    expect(await message(res.body.error.details.messageId)).toMatchObject({ status: 'failed', cap_released: 1 });
    expect((await consent(phone)).status).toBe('opted_in');
  });

  it('5xx may have sent the text: 202 status unknown, not retried, and the cap slot is kept', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    for (let i = 0; i < 7; i++) expect((await send(phone, `m${i}`)).status).toBe(202);
    twilio.reset();
    twilio.responder = () => twilioError(503, 20503, 'Service unavailable');
    const unknown = await send(phone, 'eighth');
    expect(unknown.status).toBe(202);
    expect(unknown.body).toMatchObject({ status: 'unknown', twilioSid: null, errorCode: '20503', statusReason: UNKNOWN_STATUS_REASON });
    expect(twilio.requests).toHaveLength(1);
    expect(await message(unknown.body.id)).toMatchObject({ status: 'unknown', cap_released: 0 });
    twilio.responder = accepted;
    // The eighth slot is held by the text that may have left.
    expect((await send(phone, 'ninth')).body.error.code).toBe('frequency_cap');
    expect(twilio.requests).toHaveLength(1);
  });

  it('a timeout may have sent the text: 202 status unknown, the slot kept, nothing sent again', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    for (let i = 0; i < 7; i++) expect((await send(phone, `m${i}`)).status).toBe(202);
    twilio.reset();
    // Twilio takes the message but answers after the gateway's 500 ms timeout.
    twilio.responder = (req) => ({ ...accepted(req), delayMs: 2_000 });
    const res = await send(phone, 'eighth');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'unknown', twilioSid: null, statusReason: expect.stringContaining('may have been sent') });
    expect(await message(res.body.id)).toMatchObject({ status: 'unknown', cap_released: 0 });
    expect(twilio.messages).toHaveLength(1);
    const view = await h.http.get(`/v1/messages/${res.body.id}`).set(bearer(KEYS.sender));
    expect(view.body).toMatchObject({ status: 'unknown', statusReason: UNKNOWN_STATUS_REASON });
    twilio.responder = accepted;
    expect((await send(phone, 'ninth')).body.error.code).toBe('frequency_cap');
    expect(twilio.sends).toHaveLength(1);
  });

  it('a connection dropped after Twilio took the request is unknown too, and keeps the slot', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    twilio.responder = (req) => ({ ...accepted(req), dropConnection: true });
    const res = await send(phone);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('unknown');
    expect(await message(res.body.id)).toMatchObject({ status: 'unknown', cap_released: 0, twilio_sid: null });
    expect(twilio.sends).toHaveLength(1);
  });

  it('a replay of an unknown send (same Idempotency-Key) answers unknown again and never calls Twilio twice', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    twilio.responder = () => twilioError(500, 20500, 'Internal error');
    const first = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).set('Idempotency-Key', `unknown-${phone}`).send({ to: phone, body: 'Once', category: 'marketing' });
    expect(first.body.status).toBe('unknown');
    twilio.responder = accepted;
    const again = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).set('Idempotency-Key', `unknown-${phone}`).send({ to: phone, body: 'Once', category: 'marketing' });
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ id: first.body.id, status: 'unknown' });
    expect(twilio.sends).toHaveLength(1);
  });

  it('429 is retried with backoff, a bounded number of times', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    twilio.responder = (req, index) => (index < 2 ? twilioError(429, 20429, 'Too Many Requests') : accepted(req));
    expect((await send(phone)).status).toBe(202);
    expect(twilio.requests).toHaveLength(3);

    twilio.reset();
    twilio.responder = () => twilioError(429, 20429, 'Too Many Requests');
    const res = await send(phone, 'still limited');
    expect(res.status).toBe(502);
    expect(twilio.requests).toHaveLength(3); // the first try and TWILIO_MAX_RETRIES=2
  });


  describe('status callbacks: POST /webhooks/twilio/status', () => {
    const STATUS_URL = `${PUBLIC_BASE_URL}/webhooks/twilio/status`;
    const callback = (params: Record<string, string>, signature = sign(STATUS_URL, params)) =>
      h.http.post('/webhooks/twilio/status').type('form').set('X-Twilio-Signature', signature).send(params);

    async function sentMessage() {
      const phone = uniquePhone();
      await optIn(h, phone);
      const res = await send(phone);
      expect(res.status).toBe(202);
      return { phone, id: res.body.id as string, sid: res.body.twilioSid as string };
    }

    it('updates the status, and never moves it backwards', async () => {
      const { id, sid } = await sentMessage();
      expect((await callback({ MessageSid: sid, MessageStatus: 'sent' })).status).toBe(200);
      expect((await message(id)).status).toBe('sent');
      await callback({ MessageSid: sid, MessageStatus: 'delivered' });
      await callback({ MessageSid: sid, MessageStatus: 'sending' });
      const view = await h.http.get(`/v1/messages/${id}`).set(bearer(KEYS.sender));
      expect(view.body.status).toBe('delivered');
    });

    it('ErrorCode 21610 records a carrier opt-out', async () => {
      const { phone, id, sid } = await sentMessage();
      const res = await callback({ MessageSid: sid, MessageStatus: 'failed', ErrorCode: '21610', To: phone });
      expect(res.status).toBe(200);
      expect(await message(id)).toMatchObject({ status: 'failed', error_code: '21610' });
      const state = await consent(phone);
      expect(state.status).toBe('opted_out');
      expect(state.events.at(-1)).toMatchObject({ channel: 'carrier', messageSid: sid });
    });

    it('an unknown MessageSid is fine (200), and a 21610 for it still opts out its To', async () => {
      expect((await callback({ MessageSid: 'SMunknown', MessageStatus: 'delivered' })).status).toBe(200);
      const phone = uniquePhone();
      await callback({ MessageSid: 'SMunknown2', MessageStatus: 'failed', ErrorCode: '21610', To: phone });
      expect((await consent(phone)).status).toBe('opted_out');
    });

    it('a callback for a send that got no answer finds it by the messageId in the signed URL and sets its SID and status', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      twilio.responder = (req) => ({ ...accepted(req), delayMs: 2_000 });
      const res = await send(phone);
      expect(res.body.status).toBe('unknown');
      const [taken] = twilio.messages;
      // Twilio calls the URL the send gave it, our message id included.
      const url = twilio.sends[0]!.form.StatusCallback!;
      expect(url).toBe(`${STATUS_URL}?messageId=${res.body.id}`);
      const params = { MessageSid: taken!.sid, MessageStatus: 'delivered', To: phone };
      const answer = await h.http
        .post(`/webhooks/twilio/status?messageId=${res.body.id}`)
        .type('form')
        .set('X-Twilio-Signature', sign(url, params))
        .send(params);
      expect(answer.status).toBe(200);
      expect(await message(res.body.id)).toMatchObject({ status: 'delivered', twilio_sid: taken!.sid, cap_released: 0 });
      // From now on the SID alone finds it.
      await callback({ MessageSid: taken!.sid, MessageStatus: 'read' });
      expect((await message(res.body.id)).status).toBe('read');
    });

    it('a messageId in the URL never moves another message\'s SID, and is covered by the signature', async () => {
      const { id, sid } = await sentMessage();
      const params = { MessageSid: 'SMother0000000000000000000000000', MessageStatus: 'delivered' };
      const url = `${STATUS_URL}?messageId=${id}`;
      expect((await h.http.post(`/webhooks/twilio/status?messageId=${id}`).type('form').set('X-Twilio-Signature', sign(url, params)).send(params)).status).toBe(200);
      expect(await message(id)).toMatchObject({ twilio_sid: sid, status: 'queued' });
      // Signed for the bare URL, sent with a messageId: refused.
      const forged = await h.http.post(`/webhooks/twilio/status?messageId=${id}`).type('form').set('X-Twilio-Signature', sign(STATUS_URL, params)).send(params);
      expect(forged.status).toBe(403);
    });

    it('a bad signature is 403 and changes nothing; no MessageSid is 400', async () => {
      const { id, sid } = await sentMessage();
      const res = await callback({ MessageSid: sid, MessageStatus: 'delivered' }, 'bogus');
      expect(res.status).toBe(403);
      expect((await message(id)).status).toBe('queued');
      const params = { MessageStatus: 'delivered' };
      expect((await callback(params)).status).toBe(400);
    });
  });
});

describe('Twilio with a Messaging Service', () => {
  it('sends MessagingServiceSid instead of From', async () => {
    const twilio = await new FakeTwilio().start();
    const h = await startHarness('sqlite', {
      env: {
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_MESSAGING_SERVICE_SID: 'MG0123456789abcdef0123456789abcdef',
        TWILIO_API_BASE_URL: twilio.url,
        PUBLIC_BASE_URL,
      },
    });
    try {
      const phone = uniquePhone();
      await optIn(h, phone);
      const res = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Hi', category: 'transactional' });
      expect(res.status).toBe(202);
      expect(twilio.requests[0]!.form).toEqual({
        To: phone,
        MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
        Body: 'Hi',
        StatusCallback: `${PUBLIC_BASE_URL}/webhooks/twilio/status?messageId=${res.body.id}`,
      });
    } finally {
      await h.stop();
      await twilio.stop();
    }
  });
});
