import { evaluateSend } from '../../src/sending/service';
import { DIALECTS } from '../helpers/databases';
import { bearer, inbound, KEYS, optIn, replyOf, startHarness, uniquePhone, type Harness } from '../helpers/harness';

describe.each(DIALECTS)('free-text revocations and the review queue (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  const send = (to: string, category = 'transactional') =>
    h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to, body: 'Reminder: tomorrow at 3pm', category });
  const consent = async (phone: string) => (await h.http.get(`/v1/consent/${phone}`).set(bearer(KEYS.reader))).body;

  it('"Stop. Thank you" opts out, with the rule and matched text in the ledger event', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    expect(replyOf(await inbound(h, phone, 'Stop. Thank you'))).toBe(h.ctx.messages.optOutConfirmation);
    const state = await consent(phone);
    expect(state.status).toBe('opted_out');
    expect(state.events.at(-1).evidence).toMatchObject({ rule: 'keyword_in_short_reply', matched: 'stop thank you', language: 'en' });
  });

  it.each([
    ['please take me off your list', 'revocation_phrase'],
    ["don't text me anymore", 'revocation_phrase'],
    ['wrong number', 'wrong_number'],
  ])('%j opts out (%s)', async (text, rule) => {
    const phone = uniquePhone();
    await optIn(h, phone);
    expect(replyOf(await inbound(h, phone, text))).toBe(h.ctx.messages.optOutConfirmation);
    expect((await consent(phone)).events.at(-1).evidence.rule).toBe(rule);
  });

  it('ALTO and BAJA are confirmed in Spanish, ARRÊT in French; AYUDA gets Spanish help', async () => {
    const es = uniquePhone();
    expect(replyOf(await inbound(h, es, 'ALTO'))).toBe(h.ctx.messages.localised.es.optOutConfirmation);
    const es2 = uniquePhone();
    expect(replyOf(await inbound(h, es2, 'baja por favor'))).toBe(h.ctx.messages.localised.es.optOutConfirmation);
    const fr = uniquePhone();
    expect(replyOf(await inbound(h, fr, 'ARRÊT'))).toBe(h.ctx.messages.localised.fr.optOutConfirmation);
    expect(replyOf(await inbound(h, uniquePhone(), 'AYUDA'))).toBe(h.ctx.messages.localised.es.help);
  });

  it('"cancel my appointment" is not a revocation: nothing changes, sends go on', async () => {
    const phone = uniquePhone();
    await optIn(h, phone);
    expect(replyOf(await inbound(h, phone, 'Cancel my appointment please'))).toBeNull();
    expect((await consent(phone)).status).toBe('opted_in');
    expect((await send(phone)).status).toBe(202);
  });

  describe('an ambiguous text ("Can I cancel?")', () => {
    it('is queued for review, answered with nothing, and holds every send until staff decide', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      expect(replyOf(await inbound(h, phone, 'Can I cancel?'))).toBeNull();
      expect((await consent(phone)).status).toBe('opted_in');
      const held = await send(phone);
      expect(held.status).toBe(403);
      expect(held.body.error.code).toBe('pending_review');
      const check = await h.http.post('/v1/consent/check').set(bearer(KEYS.sender)).send({ category: 'transactional', phones: [phone] });
      expect(check.body.results[0]).toMatchObject({ allowed: false, code: 'pending_review' });

      const list = await h.http.get('/v1/review').set(bearer(KEYS.reader));
      const item = list.body.items.find((i: { phone: string }) => i.phone === phone);
      expect(item).toMatchObject({ status: 'pending', body: 'Can I cancel?', rule: 'keyword_in_question' });

      const resolved = await h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'not_revocation', note: 'asked about Friday' });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ item: { status: 'not_revocation', resolvedBy: 'crm-sync' }, optOut: null });
      expect((await send(phone)).status).toBe(202);
      const again = await h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'revocation' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('review_already_resolved');
    });

    it('resolved as a revocation: an opt-out with the staff member as actor, and one confirmation', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await inbound(h, phone, 'Can I cancel? I get too many of these');
      const list = await h.http.get('/v1/review?status=pending&limit=1000').set(bearer(KEYS.reader));
      const item = list.body.items.find((i: { phone: string }) => i.phone === phone);
      const res = await h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'revocation' });
      expect(res.status).toBe(200);
      expect(res.body.optOut.confirmation).toMatchObject({ status: 'sent' });
      const state = await consent(phone);
      expect(state.status).toBe('opted_out');
      expect(state.events.at(-1)).toMatchObject({ type: 'opt_out', channel: 'staff', actor: 'crm-sync' });
      expect(state.events.at(-1).evidence.note).toContain(`review ${item.id}`);
      expect((await send(phone)).body.error.code).toBe('opted_out');
    });

    it('resolved as a revocation in one transaction: no commit leaves the hold gone before the opt-out is recorded', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await inbound(h, phone, 'Can I cancel? I get too many of these');
      const list = await h.http.get('/v1/review?status=pending&limit=1000').set(bearer(KEYS.reader));
      const item = list.body.items.find((i: { phone: string }) => i.phone === phone);

      // After every commit the resolution makes, decide a send on the committed state, as a
      // racing request would: each must be refused.
      const runner = h.ctx.transactions;
      const original = runner.run;
      const observed: (string | null)[] = [];
      runner.run = (async (unit) => {
        const value = await original.call(runner, unit);
        const decision = await evaluateSend(h.ctx, h.ctx.committedReads, phone, 'transactional', h.ctx.clock());
        observed.push(decision.refusal?.code ?? null);
        return value;
      }) as typeof runner.run;
      let res;
      let racing;
      try {
        [res, ...racing] = await Promise.all([
          h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'revocation' }),
          ...Array.from({ length: 10 }, () => send(phone)),
        ]);
      } finally {
        runner.run = original;
      }
      expect(res.status).toBe(200);
      expect(res.body.optOut.confirmation).toMatchObject({ status: 'sent' });
      expect(observed.length).toBeGreaterThan(0);
      expect(observed.filter((code) => code === null)).toEqual([]);
      // Every racing send was refused: held for review before, opted out after, never sent.
      for (const r of racing) {
        expect(r.status).toBe(403);
        expect(['pending_review', 'opted_out']).toContain(r.body.error.code);
      }
      const confirmations = await h.ctx.db.selectFrom('messages').select(['kind', 'status']).where('phone', '=', phone).where('kind', '=', 'opt_out_confirmation').execute();
      expect(confirmations).toEqual([{ kind: 'opt_out_confirmation', status: 'sent' }]);
    });

    it('two resolutions racing: exactly one wins, one opt-out, one confirmation', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await inbound(h, phone, 'Can I cancel? I get too many of these');
      const list = await h.http.get('/v1/review?status=pending&limit=1000').set(bearer(KEYS.reader));
      const item = list.body.items.find((i: { phone: string }) => i.phone === phone);
      const both = await Promise.all([
        h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'revocation' }),
        h.http.post(`/v1/review/${item.id}`).set(bearer(KEYS.writer)).send({ resolution: 'revocation' }),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      const state = await consent(phone);
      expect(state.events.filter((e: { type: string }) => e.type === 'opt_out')).toHaveLength(1);
      const confirmations = await h.ctx.db.selectFrom('messages').select('id').where('phone', '=', phone).where('kind', '=', 'opt_out_confirmation').execute();
      expect(confirmations).toHaveLength(1);
    });

    it('needs ledger.write to resolve, and a valid id and resolution', async () => {
      expect((await h.http.post('/v1/review/1').set(bearer(KEYS.reader)).send({ resolution: 'revocation' })).status).toBe(403);
      expect((await h.http.post('/v1/review/abc').set(bearer(KEYS.writer)).send({ resolution: 'revocation' })).status).toBe(400);
      expect((await h.http.post('/v1/review/1').set(bearer(KEYS.writer)).send({ resolution: 'maybe' })).status).toBe(400);
      expect((await h.http.post('/v1/review/999999').set(bearer(KEYS.writer)).send({ resolution: 'revocation' })).status).toBe(404);
    });
  });
});

describe('REVIEW_POLICY=opt_out', () => {
  it('an ambiguous text is an opt-out at once', async () => {
    const h = await startHarness('sqlite', { env: { REVIEW_POLICY: 'opt_out' } });
    try {
      const phone = uniquePhone();
      await optIn(h, phone);
      expect(replyOf(await inbound(h, phone, 'Can I cancel?'))).toBe(h.ctx.messages.optOutConfirmation);
      const state = (await h.http.get(`/v1/consent/${phone}`).set(bearer(KEYS.reader))).body;
      expect(state.status).toBe('opted_out');
      expect(state.events.at(-1).evidence.reason).toBe('ambiguous_text_treated_as_opt_out');
    } finally {
      await h.stop();
    }
  });
});
