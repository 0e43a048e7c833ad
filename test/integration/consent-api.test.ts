import { CAPTURED_AT_CLOCK_SKEW_MS } from '../../src/consent/service';
import { DIALECTS } from '../helpers/databases';
import { bearer, KEYS, startHarness, type Harness } from '../helpers/harness';

const evidence = {
  consentText: 'By checking this box I agree to receive marketing texts from MedSpa Scale Systems. Consent is not a condition of purchase.',
  capturedAt: '2026-11-20T10:00:00-05:00',
  formUrl: 'https://medspascalesystems.com/join',
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
  checkboxId: 'sms-consent',
};

describe.each(DIALECTS)('consent API (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('an unknown number is "unknown" with no events', async () => {
    const res = await h.http.get('/v1/consent/+12025550100').set(bearer(KEYS.reader));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      phone: '+12025550100',
      status: 'unknown',
      categories: [],
      perCategory: { marketing: 'not_consented', informational: 'not_consented', transactional: 'not_consented' },
      updatedAt: null,
      suppressed: false,
      cap: { month: '2026-11', used: 0, limit: 8, remaining: 8, categories: ['marketing', 'informational'] },
      events: [],
      history: [],
    });
  });

  it('accepts any parseable format of the number', async () => {
    for (const format of ['(202) 555-0101', '202.555.0101', '+1 202 555 0101', '2025550101', '%2B12025550101']) {
      const res = await h.http.get(`/v1/consent/${format}`).set(bearer(KEYS.reader));
      expect(res.status).toBe(200);
      expect(res.body.phone).toBe('+12025550101');
    }
  });

  it.each(['abc', '123', '+999999', 'x'.repeat(100)])('%j is 400 invalid_phone', async (phone) => {
    const res = await h.http.get(`/v1/consent/${phone}`).set(bearer(KEYS.reader));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_phone');
  });

  it('opt-in with evidence: 201, state and event with the evidence and the key label as actor', async () => {
    const res = await h.http.post('/v1/consent/2025550102/opt-in').set(bearer(KEYS.writer)).send({ source: 'web_form', evidence });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      phone: '+12025550102',
      status: 'opted_in',
      categories: ['marketing', 'informational', 'transactional'],
    });
    expect(res.body.events).toHaveLength(1);
    expect(res.body.events[0]).toMatchObject({
      type: 'opt_in',
      channel: 'api',
      actor: 'crm-sync',
      // In the ledger's UTC form; the evidence keeps the capture time as it was given.
      occurredAt: '2026-11-20T15:00:00.000Z',
      evidence: { ...evidence, source: 'web_form', reason: 'express_written_consent' },
    });
  });

  it('an opt-in after an SMS opt-out is recorded as new consent', async () => {
    h.setNow('2026-11-25T20:00:00.000Z');
    await h.http.post('/webhooks/twilio/sms').type('form').send({ MessageSid: 'SMapi0001', From: '+12025550103', Body: 'STOP' });
    h.setNow('2026-11-25T20:00:05.000Z');
    const res = await h.http
      .post('/v1/consent/+12025550103/opt-in')
      .set(bearer(KEYS.admin))
      // Consent captured after the STOP (only such consent counts).
      .send({ source: 'web_form', categories: ['transactional'], evidence: { ...evidence, capturedAt: '2026-11-25T20:00:01Z' } });
    expect(res.status).toBe(201);
    expect(res.body.categories).toEqual(['transactional']);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['opt_out', 'opt_in']);
    expect(res.body.events[1]).toMatchObject({ previousStatus: 'opted_out', evidence: { reason: 'new_consent_after_opt_out' } });
  });

  describe('consent captured before the latest opt-out does not count', () => {
    const optInCapturedAt = (phone: string, capturedAt?: string) =>
      h.http
        .post(`/v1/consent/${phone}/opt-in`)
        .set(bearer(KEYS.writer))
        .send({ source: 'crm', evidence: { ...evidence, capturedAt } });
    const stop = (phone: string, sid: string) =>
      h.http.post('/webhooks/twilio/sms').type('form').send({ MessageSid: sid, From: phone, Body: 'STOP' });
    const statusOf = async (phone: string) => (await h.http.get(`/v1/consent/${phone}`).set(bearer(KEYS.reader))).body.status;

    it('409 consent_predates_opt_out for a capturedAt before or at an SMS STOP, compared as instants whatever the offset', async () => {
      h.setNow('2026-11-25T20:00:00.000Z');
      const phone = '+12025550130';
      await stop(phone, 'SMapi0130');
      // 21:00+02:00 is 19:00Z, an hour before the STOP, though its text sorts after it.
      for (const capturedAt of ['2026-11-01T00:00:00Z', '2026-11-25T21:00:00+02:00', '2026-11-25T15:00:00-05:00']) {
        const res = await optInCapturedAt(phone, capturedAt);
        expect(res.status).toBe(409);
        expect(res.body.error).toMatchObject({
          code: 'consent_predates_opt_out',
          details: { capturedAt: new Date(capturedAt).toISOString(), latestOptOutAt: '2026-11-25T20:00:00.000Z' },
        });
      }
      expect(await statusOf(phone)).toBe('opted_out');
      const send = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Deal', category: 'marketing' });
      expect(send.body.error.code).toBe('opted_out');
      // One second after the STOP, written with an offset whose text sorts before it: counts.
      h.setNow('2026-11-25T20:00:02.000Z');
      const fresh = await optInCapturedAt(phone, '2026-11-25T15:00:01-05:00');
      expect(fresh.status).toBe(201);
      expect(fresh.body.status).toBe('opted_in');
    });

    it('the same for an opt-out from any channel (here e-mail, recorded by staff)', async () => {
      h.setNow('2026-11-25T20:00:00.000Z');
      const phone = '+12025550131';
      expect((await optInCapturedAt(phone, '2026-11-20T10:00:00Z')).status).toBe(201);
      await h.http.post(`/v1/consent/${phone}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'email', sendConfirmation: false });
      const stale = await optInCapturedAt(phone, '2026-11-20T10:00:00Z');
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('consent_predates_opt_out');
      expect(await statusOf(phone)).toBe('opted_out');
    });

    it('after an opt-out, an opt-in must say when its consent was captured: 409 captured_at_required', async () => {
      h.setNow('2026-11-25T20:00:00.000Z');
      const phone = '+12025550132';
      await stop(phone, 'SMapi0132');
      h.setNow('2026-11-25T20:05:00.000Z');
      // A CRM re-syncing an old consent record without its date must not undo the STOP.
      const undated = await optInCapturedAt(phone);
      expect(undated.status).toBe(409);
      expect(undated.body.error.code).toBe('captured_at_required');
      expect(await statusOf(phone)).toBe('opted_out');
      expect((await optInCapturedAt(phone, '2026-11-25T20:04:00Z')).status).toBe(201);
      expect(await statusOf(phone)).toBe('opted_in');
    });

    it('a capturedAt ahead of the clock within the skew counts as now: it cannot outrank an opt-out of this instant', async () => {
      h.setNow('2026-11-25T21:00:00.000Z');
      const phone = '+12025550134';
      await stop(phone, 'SMapi0134');
      // 4 minutes "in the future" (within the skew): taken as captured now, the STOP's own instant.
      const ahead = await optInCapturedAt(phone, '2026-11-25T21:04:00Z');
      expect(ahead.status).toBe(409);
      expect(ahead.body.error.code).toBe('consent_predates_opt_out');
      h.setNow('2026-11-25T21:00:01.000Z');
      const res = await optInCapturedAt(phone, '2026-11-25T21:04:00Z');
      expect(res.status).toBe(201);
      // The ledger never holds a capture time ahead of the moment it was recorded.
      expect(res.body.events.at(-1).occurredAt).toBe('2026-11-25T21:00:01.000Z');
    });

    it(`400 captured_at_in_future beyond ${CAPTURED_AT_CLOCK_SKEW_MS / 60_000} minutes of clock skew; within it, accepted`, async () => {
      h.setNow('2026-11-25T20:00:00.000Z');
      const phone = '+12025550133';
      const far = await optInCapturedAt(phone, '2099-01-01T00:00:00Z');
      expect(far.status).toBe(400);
      expect(far.body.error.code).toBe('captured_at_in_future');
      // 20:05:01Z written as 15:05:01-05:00: just beyond the skew.
      expect((await optInCapturedAt(phone, '2026-11-25T15:05:01-05:00')).body.error.code).toBe('captured_at_in_future');
      expect((await h.http.get(`/v1/consent/${phone}`).set(bearer(KEYS.reader))).body.events).toHaveLength(0);
      expect((await optInCapturedAt(phone, '2026-11-25T20:05:00Z')).status).toBe(201);
    });
  });

  it.each([
    [{}, 'no body'],
    [{ source: 'web', evidence: {} }, 'evidence without consent text'],
    [{ source: 'web' }, 'no evidence'],
    [{ source: '', evidence }, 'empty source'],
    [{ source: 'web', evidence, categories: [] }, 'empty categories'],
    [{ source: 'web', evidence, categories: ['sales'] }, 'unknown category'],
    [{ source: 'web', evidence, categories: ['marketing', 'marketing'] }, 'repeated category'],
    [{ source: 'web', evidence: { ...evidence, ip: 'not-an-ip' } }, 'bad ip'],
    [{ source: 'web', evidence: { ...evidence, formUrl: 'nope' } }, 'bad url'],
    [{ source: 'web', evidence: { ...evidence, nested: { deep: true } } }, 'nested evidence'],
  ])('400 validation_error for %j (%s), nothing recorded', async (body, _why) => {
    const res = await h.http.post('/v1/consent/+12025550104/opt-in').set(bearer(KEYS.writer)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(Array.isArray(res.body.error.details)).toBe(true);
    const state = await h.http.get('/v1/consent/+12025550104').set(bearer(KEYS.reader));
    expect(state.body.events).toHaveLength(0);
  });

  describe('API keys', () => {
    it('401 without a key or with an unknown one', async () => {
      expect((await h.http.get('/v1/consent/+12025550100')).status).toBe(401);
      const unknown = await h.http.get('/v1/consent/+12025550100').set(bearer('not-a-key-at-all-000'));
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.code).toBe('unauthorized');
      expect((await h.http.get('/v1/consent/+12025550100').set('Authorization', KEYS.reader)).status).toBe(401);
    });

    it('403 with the wrong scope', async () => {
      const read = await h.http.get('/v1/consent/+12025550100').set(bearer(KEYS.sender));
      expect(read.status).toBe(403);
      expect(read.body.error.code).toBe('forbidden');
      const write = await h.http.post('/v1/consent/+12025550100/opt-in').set(bearer(KEYS.reader)).send({ source: 'web', evidence });
      expect(write.status).toBe(403);
    });

    it('admin may do everything', async () => {
      expect((await h.http.get('/v1/consent/+12025550100').set(bearer(KEYS.admin))).status).toBe(200);
    });
  });
});
