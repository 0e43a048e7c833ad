import { DIALECTS } from '../helpers/databases';
import { bearer, inbound, KEYS, optIn, replyOf, startHarness, uniquePhone, type Harness } from '../helpers/harness';

describe.each(DIALECTS)('guarded sends, outbox transport (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  const send = (body: Record<string, unknown>, headers: Record<string, string> = {}, key = KEYS.sender) =>
    h.http.post('/v1/messages').set(bearer(key)).set(headers).send(body);

  async function slotsUsed(phone: string): Promise<number> {
    const rows = await h.ctx.db
      .selectFrom('messages')
      .select('id')
      .where('phone', '=', phone)
      .where('counts_toward_cap', '=', 1)
      .where('cap_released', '=', 0)
      .execute();
    return rows.length;
  }

  it('sends to an opted-in number: 202 with the message, stored as sent', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    const res = await send({ to: phone.replace('+1', ''), body: 'Your appointment is confirmed for 3pm.', category: 'transactional' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ to: phone, category: 'transactional', status: 'sent', body: 'Your appointment is confirmed for 3pm.' });
    expect(res.body.id).toMatch(/^msg_/);
    expect(res.body.twilioSid).toMatch(/^OB/);
    const fetched = await h.http.get(`/v1/messages/${res.body.id}`).set(bearer(KEYS.sender));
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
  });

  it('403 opted_out after an opt-out by SMS, for every category, and the refusal is recorded', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    await inbound(h, phone, 'STOP');
    for (const category of ['marketing', 'informational', 'transactional']) {
      const res = await send({ to: phone, body: 'Hello', category });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('opted_out');
      expect(res.body.error.details.messageId).toMatch(/^msg_/);
    }
    const refused = await h.ctx.db.selectFrom('messages').selectAll().where('phone', '=', phone).execute();
    expect(refused).toHaveLength(3);
    for (const row of refused) expect(row).toMatchObject({ status: 'refused', refusal_code: 'opted_out', transport: 'none' });
  });

  it('403 opted_out for a number that opted out without ever opting in', async () => {
    const phone = uniquePhone();
    await inbound(h, phone, 'stop');
    expect((await send({ to: phone, body: 'Hi', category: 'transactional' })).body.error.code).toBe('opted_out');
  });

  it('403 no_consent for an unknown number, and for a category not consented to', async () => {
    const unknown = uniquePhone();
    expect((await send({ to: unknown, body: 'Hi', category: 'marketing' })).body.error.code).toBe('no_consent');
    const transactionalOnly = uniquePhone();
    await optIn(h, transactionalOnly, ['transactional']);
    const res = await send({ to: transactionalOnly, body: 'Sale!', category: 'marketing' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('no_consent');
    expect((await send({ to: transactionalOnly, body: 'Reminder', category: 'transactional' })).status).toBe(202);
  });

  it('403 frequency_cap after 8 capped texts this month; transactional does not count and still goes', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    for (let i = 0; i < 4; i++) expect((await send({ to: phone, body: `Offer ${i}`, category: 'marketing' })).status).toBe(202);
    for (let i = 0; i < 4; i++) expect((await send({ to: phone, body: `News ${i}`, category: 'informational' })).status).toBe(202);
    const ninth = await send({ to: phone, body: 'One more', category: 'marketing' });
    expect(ninth.status).toBe(403);
    expect(ninth.body.error.code).toBe('frequency_cap');
    expect((await send({ to: phone, body: 'Appointment at 3pm', category: 'transactional' })).status).toBe(202);
    expect(await slotsUsed(phone)).toBe(8);
  });

  it('the cap counts calendar months in the program time zone (America/New_York)', async () => {
    // A Hawaii number: both instants below fall inside its sending hours.
    const phone = uniquePhone('808');
    await optIn(h, phone);
    // 03:00 UTC on 1 December is still 30 November, 22:00, in New York.
    h.setNow('2026-12-01T03:00:00.000Z');
    try {
      for (let i = 0; i < 8; i++) expect((await send({ to: phone, body: `Nov ${i}`, category: 'marketing' })).status).toBe(202);
      expect((await send({ to: phone, body: 'late Nov', category: 'marketing' })).body.error.code).toBe('frequency_cap');
      h.setNow('2026-12-01T05:00:00.000Z'); // 00:00 on 1 December in New York
      expect((await send({ to: phone, body: 'Dec 1', category: 'marketing' })).status).toBe(202);
    } finally {
      h.setNow('2026-11-25T20:00:00.000Z');
    }
  });

  it('40 simultaneous sends to one number with 8 slots left let exactly 8 through', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => send({ to: phone, body: `Flash sale ${i}`, category: 'marketing' })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(8);
    expect(statuses.filter((s) => s === 403)).toHaveLength(32);
    for (const a of answers.filter((x) => x.status === 403)) expect(a.body.error.code).toBe('frequency_cap');
    expect(await slotsUsed(phone)).toBe(8);
  });

  it('appends the opt-out language to marketing texts without a STOP instruction', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    const plain = await send({ to: phone, body: '20% off Botox this week!', category: 'marketing' });
    expect(plain.body.body).toBe('20% off Botox this week! Reply STOP to opt out.');
    const already = await send({ to: phone, body: '20% off. Reply STOP to unsubscribe', category: 'marketing' });
    expect(already.body.body).toBe('20% off. Reply STOP to unsubscribe');
    const transactional = await send({ to: phone, body: 'See you at 3pm', category: 'transactional' });
    expect(transactional.body.body).toBe('See you at 3pm');
  });

  describe('Idempotency-Key', () => {
    it('the same key returns the same message and sends nothing again', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const body = { to: phone, body: 'Once only', category: 'marketing' };
      const first = await send(body, { 'Idempotency-Key': 'campaign-42-recipient-1' });
      const again = await send(body, { 'Idempotency-Key': 'campaign-42-recipient-1' });
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await slotsUsed(phone)).toBe(1);
    });

    it('concurrent requests with one key create one message', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const body = { to: phone, body: 'Concurrent once', category: 'marketing' };
      const answers = await Promise.all(Array.from({ length: 10 }, () => send(body, { 'Idempotency-Key': 'same-key-concurrent' })));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(await slotsUsed(phone)).toBe(1);
    });

    it('a key is scoped to its API key', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const body = { to: phone, body: 'Scoped', category: 'marketing' };
      const a = await send(body, { 'Idempotency-Key': 'shared-key' }, KEYS.sender);
      const b = await send(body, { 'Idempotency-Key': 'shared-key' }, KEYS.admin);
      expect(a.body.id).not.toBe(b.body.id);
    });

    it('409 when a key is reused for a different request', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await send({ to: phone, body: 'First', category: 'marketing' }, { 'Idempotency-Key': 'reused-key' });
      const res = await send({ to: phone, body: 'Second', category: 'marketing' }, { 'Idempotency-Key': 'reused-key' });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('idempotency_key_reused');
    });

    it('a refused send replays as the same refusal', async () => {
      const phone = uniquePhone();
      const body = { to: phone, body: 'No consent', category: 'marketing' };
      const first = await send(body, { 'Idempotency-Key': 'refused-key' });
      const again = await send(body, { 'Idempotency-Key': 'refused-key' });
      expect(first.body.error.code).toBe('no_consent');
      expect(again.body.error.code).toBe('no_consent');
      expect(again.body.error.details.messageId).toBe(first.body.error.details.messageId);
    });
  });

  it('a STOP arriving between two sends: the first goes, the second is refused', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    expect((await send({ to: phone, body: 'Before', category: 'marketing' })).status).toBe(202);
    expect(replyOf(await inbound(h, phone, 'Stop'))).toBe(h.ctx.messages.optOutConfirmation);
    const after = await send({ to: phone, body: 'After', category: 'marketing' });
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe('opted_out');
  });

  it('STOP confirmations and HELP replies are answered even at the cap, and take no slot', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    for (let i = 0; i < 8; i++) await send({ to: phone, body: `m${i}`, category: 'marketing' });
    expect(replyOf(await inbound(h, phone, 'HELP'))).toBe(h.ctx.messages.help);
    expect(replyOf(await inbound(h, phone, 'STOP'))).toBe(h.ctx.messages.optOutConfirmation);
    expect(await slotsUsed(phone)).toBe(8);
  });

  it.each([
    [{ to: 'not-a-phone', body: 'x', category: 'marketing' }, 400, 'invalid_phone'],
    [{ to: '+442071838750', body: 'x', category: 'marketing' }, 400, 'unsupported_region'],
    [{ to: '+14155550134', body: '', category: 'marketing' }, 400, 'validation_error'],
    [{ to: '+14155550134', body: 'x'.repeat(1601), category: 'transactional' }, 400, 'validation_error'],
    [{ to: '+14155550134', body: 'x'.repeat(1590), category: 'marketing' }, 400, 'validation_error'],
    [{ to: '+14155550134', body: 'x', category: 'sales' }, 400, 'validation_error'],
    [{ body: 'x', category: 'marketing' }, 400, 'validation_error'],
  ])('%j -> %i %s', async (body, status, code) => {
    const res = await send(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('Puerto Rico and Guam numbers are US carriers and allowed', async () => {
    for (const phone of ['+17875550123', '+16715550123']) {
      const res = await send({ to: phone, body: 'x', category: 'marketing' });
      expect(res.body.error.code).toBe('no_consent');
    }
  });

  it('a bad Idempotency-Key is a 400', async () => {
    const res = await send({ to: '+14155550134', body: 'x', category: 'marketing' }, { 'Idempotency-Key': 'x'.repeat(300) });
    expect(res.status).toBe(400);
  });

  it('GET /v1/messages/:id of an unknown id is 404; the ledger scopes cannot send', async () => {
    expect((await h.http.get('/v1/messages/msg_nope').set(bearer(KEYS.sender))).status).toBe(404);
    expect((await send({ to: '+14155550134', body: 'x', category: 'marketing' }, {}, KEYS.writer)).status).toBe(403);
  });

  describe('POST /v1/consent/check', () => {
    const check = (body: unknown) => h.http.post('/v1/consent/check').set(bearer(KEYS.sender)).send(body as object);

    it('answers each number in order, reserving nothing', async () => {
      const ok = uniquePhone();
      const out = uniquePhone();
      const capped = uniquePhone();
      await optIn(h, ok);
      await optIn(h, out);
      await inbound(h, out, 'STOP');
      await optIn(h, capped);
      for (let i = 0; i < 8; i++) await send({ to: capped, body: `m${i}`, category: 'marketing' });
      const unknown = uniquePhone();
      const res = await check({ category: 'marketing', phones: [ok, out, capped, unknown, 'garbage', '+442071838750', ok.slice(2)] });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { allowed: boolean; code: string | null }) => [r.allowed, r.code])).toEqual([
        [true, null],
        [false, 'opted_out'],
        [false, 'frequency_cap'],
        [false, 'no_consent'],
        [false, 'invalid_phone'],
        [false, 'unsupported_region'],
        [true, null],
      ]);
      expect(res.body.results[6]).toMatchObject({ input: ok.slice(2), phone: ok });
      expect(await slotsUsed(ok)).toBe(0);
      const transactional = await check({ category: 'transactional', phones: [capped] });
      expect(transactional.body.results[0].allowed).toBe(true);
    });

    it('takes 10,000 numbers, and refuses 10,001', async () => {
      const phones = Array.from({ length: 10_000 }, (_, i) => `+1202555${String(i).padStart(4, '0')}`);
      const res = await check({ category: 'marketing', phones });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(10_000);
      const tooMany = await check({ category: 'marketing', phones: [...phones, '+12025550000'] });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.code).toBe('validation_error');
    });
  });
});
