import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../helpers/databases';
import { bearer, EVIDENCE, inboundParams, KEYS, optIn, replyOf, startHarness, uniquePhone, type Harness } from '../helpers/harness';
import { runLedgerCli } from '../helpers/ledger-cli';

/**
 * PostgreSQL text cannot hold NUL (U+0000); SQLite can. The same rule on both: carrier texts are
 * stripped of NUL (the STOP is recorded), API input holding NUL is a 400 validation_error, and
 * nothing a client sends yields a 5xx.
 */
describe.each(DIALECTS)('NUL characters in any input (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  const state = async (phone: string) =>
    (await h.http.get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader))).body;

  it('records a STOP\\0 from the carrier as the STOP it is, with its confirmation', async () => {
    const phone = uniquePhone();
    for (const body of ['STOP\u0000', '\u0000S\u0000T\u0000O\u0000P']) {
      const other = uniquePhone();
      const res = await h.http.post('/webhooks/twilio/sms').type('form').send(inboundParams(other, body, { ExtraField: 'x\u0000y' }));
      expect(res.status).toBe(200);
      expect(replyOf(res.text)).toMatch(/unsubscribed/);
      expect((await state(other)).status).toBe('opted_out');
    }
    // A NUL in From as well, and in a retry of the same MessageSid.
    const params = inboundParams(`${phone}\u0000`, 'STOP\u0000');
    expect((await h.http.post('/webhooks/twilio/sms').type('form').send(params)).status).toBe(200);
    expect((await h.http.post('/webhooks/twilio/sms').type('form').send(params)).status).toBe(200);
    const recorded = await state(phone);
    expect(recorded.status).toBe('opted_out');
    expect(JSON.stringify(recorded)).not.toContain('\\u0000');
  });

  it('takes a status callback carrying NUL without a 5xx', async () => {
    const res = await h.http
      .post('/webhooks/twilio/status')
      .type('form')
      .send({ MessageSid: 'SM0000000000000000000000000000nul', MessageStatus: 'delivered\u0000', ErrorCode: '21610\u0000', To: `${uniquePhone()}\u0000` });
    expect(res.status).toBeLessThan(500);
  });

  it('refuses NUL in API input with 400 validation_error, and stores nothing', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    const path = `/v1/consent/${encodeURIComponent(phone)}`;
    const attempts = [
      h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Hello\u0000there', category: 'transactional' }),
      h.http.post(`${path}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'email', note: 'wrote in\u0000' }),
      h.http.post(`${path}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: { ...EVIDENCE, consentText: `${EVIDENCE.consentText}\u0000` } }),
      h.http.post(`${path}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: { ...EVIDENCE, campaign: 'spring\u0000' } }),
      h.http.post(`${path}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: { ...EVIDENCE, ['key\u0000']: 'x' } }),
      h.http.post(`${path}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web\u0000form', evidence: EVIDENCE }),
      h.http.get('/v1/messages/msg_%00').set(bearer(KEYS.sender)),
    ];
    for (const res of await Promise.all(attempts)) {
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'validation_error' });
    }
    const after = await state(phone);
    expect(after.status).toBe('opted_in');
    expect(after.history.filter((e: { kind: string }) => e.kind === 'message')).toHaveLength(0);
  });

  it('refuses NUL in paths, query strings and every other body with 400, never a 5xx', async () => {
    const phone = uniquePhone();
    const responses = await Promise.all([
      h.http.get(`/v1/consent/${encodeURIComponent(phone)}%00`).set(bearer(KEYS.reader)),
      h.http.get('/v1/consent?cursor=%00&status=opted_out').set(bearer(KEYS.reader)),
      h.http.get('/v1/consent?since=2026-01-01T00:00:00Z%00').set(bearer(KEYS.reader)),
      h.http.get('/v1/consent/export?format=csv&channel=%00').set(bearer(KEYS.reader)),
      h.http.delete(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.writer)).send({ note: 'ticket\u0000' }),
      h.http.post('/v1/consent/check').set(bearer(KEYS.sender)).send({ category: 'marketing', phones: [`${phone}\u0000`, '\u0000'] }),
      h.http.post('/v1/messages/explain').set(bearer(KEYS.sender)).send({ to: phone, body: 'x\u0000', category: 'marketing' }),
      h.http.get('/v1/review/%00').set(bearer(KEYS.reader)),
      h.http.post('/v1/review/1%00').set(bearer(KEYS.writer)).send({ resolution: 'revocation' }),
    ]);
    for (const res of responses) {
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'validation_error' });
    }
  });

  it('refuses a review note with NUL (400), then resolves the item without it', async () => {
    const phone = uniquePhone();
    const res = await h.http.post('/webhooks/twilio/sms').type('form').send(inboundParams(phone, 'Can I cancel? Not sure yet'));
    expect(res.status).toBe(200);
    const list = await h.http.get('/v1/review?status=pending&limit=1000').set(bearer(KEYS.reader));
    const item = list.body.items.find((i: { phone: string }) => i.phone === phone);
    expect(item).toBeDefined();
    const refused = await h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'revocation', note: 'said stop\u0000' });
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 400, code: 'validation_error' });
    const resolved = await h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'revocation', note: 'said stop' });
    expect(resolved.status).toBeLessThan(300);
    expect((await state(phone)).status).toBe('opted_out');
  });

  it('imports an opt-out CSV whose cells hold NUL (ledger import)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nul-import-'));
    try {
      const phone = uniquePhone();
      const file = join(dir, 'optouts.csv');
      writeFileSync(file, `phone,note\n${phone}\u0000,wrote\u0000 to support\n`);
      const run = await runLedgerCli(['import', file, '--json'], h.database.env);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ imported: 1, rejected: 0 });
      expect((await state(phone)).status).toBe('opted_out');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
