import { sql, type Transaction } from 'kysely';
import { verifyChain } from '../../src/consent/chain';
import { appendConsentEvent, appendOptOutsInBulk } from '../../src/consent/ledger';
import type { Database } from '../../src/db';
import { handleInboundSms } from '../../src/inbound/service';
import { DIALECTS } from '../helpers/databases';
import { bearer, EVIDENCE, inbound, KEYS, optIn, startHarness, uniquePhone, type Harness } from '../helpers/harness';

describe.each(DIALECTS)('compliance staff ledger (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  const get = (path: string) => h.http.get(path).set(bearer(KEYS.reader));
  const send = (to: string, body: string, category = 'marketing') =>
    h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to, body, category });

  describe('GET /v1/consent/:phone', () => {
    it('shows per-category state, this month\'s slots, and the whole history oldest first', async () => {
      const phone = uniquePhone();
      await optIn(h, phone, ['marketing', 'transactional']);
      h.setNow('2026-11-25T20:01:00.000Z');
      await send(phone, 'Offer');
      await send(phone, 'Tips', 'informational'); // refused: no consent for informational
      h.setNow('2026-11-25T20:02:00.000Z');
      await inbound(h, phone, 'STOP');
      h.setNow('2026-11-25T20:00:00.000Z');

      const res = await get(`/v1/consent/${phone}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'opted_out',
        perCategory: { marketing: 'opted_out', informational: 'opted_out', transactional: 'opted_out' },
        cap: { month: '2026-11', used: 1, limit: 8, remaining: 7 },
      });
      const kinds = res.body.history.map((e: { kind: string; type?: string; status?: string }) =>
        e.kind === 'consent_event' ? `event:${e.type}` : e.kind === 'message' ? `message:${e.status}` : 'inbound',
      );
      expect(kinds).toEqual(['event:opt_in', 'message:sent', 'message:refused', 'event:opt_out', 'inbound']);
      const refused = res.body.history.find((e: { status?: string }) => e.status === 'refused');
      expect(refused).toMatchObject({ refusalCode: 'no_consent', category: 'informational' });
    });

    it('per category while opted in', async () => {
      const phone = uniquePhone();
      await optIn(h, phone, ['transactional']);
      const res = await get(`/v1/consent/${phone}`);
      expect(res.body.perCategory).toEqual({ marketing: 'not_consented', informational: 'not_consented', transactional: 'opted_in' });
    });
  });

  it('staff reads answer from committed data while a write batch is open, and never show its uncommitted writes', async () => {
    const phone = uniquePhone('303');
    await optIn(h, phone);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    // A unit that has written an opt-out and then waits: on SQLite it holds the one writer connection.
    const held = h.ctx.transactions.run(async (trx) => {
      await appendConsentEvent(trx, h.ctx.dialect, {
        phone, eventType: 'opt_out', previousStatus: 'opted_in', status: 'opted_out', categories: [], channel: 'api',
        evidence: { reason: 'test' }, actor: 'test', occurredAt: h.ctx.clock().toISOString(), recordedAt: h.ctx.clock().toISOString(),
      });
      entered();
      await gate;
    });
    try {
      await inside;
      // Were it queued behind the open batch, it would answer only after release: fail instead of hanging.
      const lookup = await Promise.race([
        get(`/v1/consent/${encodeURIComponent(phone)}`).then((res) => res),
        new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 3_000)),
      ]);
      if (lookup === 'blocked') throw new Error('the lookup waited for the write batch');
      expect(lookup.status).toBe(200);
      expect(lookup.body.status).toBe('opted_in');
      expect(lookup.body.events).toHaveLength(1);
      const list = await get(`/v1/consent?status=opted_out&limit=1000`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: { phone: string }) => i.phone)).not.toContain(phone);
    } finally {
      release();
      await held;
    }
    expect((await get(`/v1/consent/${encodeURIComponent(phone)}`)).body.status).toBe('opted_out');
  });

  describe('POST /v1/consent/:phone/opt-out', () => {
    it('records an opt-out received by e-mail with the key as actor, and sends the one confirmation', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const res = await h.http
        .post(`/v1/consent/${phone}/opt-out`)
        .set(bearer(KEYS.writer))
        .send({ channel: 'email', note: 'Customer wrote on 24 Nov: please stop texting me' });
      expect(res.status).toBe(201);
      expect(res.body.state.status).toBe('opted_out');
      expect(res.body.confirmation).toMatchObject({ status: 'sent' });
      const event = res.body.state.events.at(-1);
      expect(event).toMatchObject({ type: 'opt_out', channel: 'email', actor: 'crm-sync', evidence: { note: 'Customer wrote on 24 Nov: please stop texting me' } });
      const sent = await h.ctx.db.selectFrom('messages').selectAll().where('id', '=', res.body.confirmation.messageId).executeTakeFirstOrThrow();
      expect(sent).toMatchObject({ kind: 'opt_out_confirmation', body: h.ctx.messages.optOutConfirmation, counts_toward_cap: 0 });
    });

    it('no confirmation when asked not to, nor for a number already opted out', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const quiet = await h.http.post(`/v1/consent/${phone}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'phone_call', sendConfirmation: false });
      expect(quiet.body.confirmation).toBeNull();
      const again = await h.http.post(`/v1/consent/${phone}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'web' });
      expect(again.body.confirmation).toBeNull();
      expect(again.body.state.events.filter((e: { type: string }) => e.type === 'opt_out')).toHaveLength(2);
      expect((await send(phone, 'x', 'transactional')).body.error.code).toBe('opted_out');
    });

    it('refuses an unknown channel and needs ledger.write', async () => {
      expect((await h.http.post('/v1/consent/+14155550100/opt-out').set(bearer(KEYS.writer)).send({ channel: 'pigeon' })).status).toBe(400);
      expect((await h.http.post('/v1/consent/+14155550100/opt-out').set(bearer(KEYS.reader)).send({ channel: 'email' })).status).toBe(403);
    });
  });

  describe('GET /v1/consent (list)', () => {
    it('filters by status, category and channel, newest change last', async () => {
      const a = uniquePhone('646');
      const b = uniquePhone('646');
      h.setNow('2026-11-26T10:00:00.000Z');
      await optIn(h, a, ['transactional']);
      h.setNow('2026-11-26T10:00:01.000Z');
      await inbound(h, b, 'STOP');
      h.setNow('2026-11-25T20:00:00.000Z');
      const since = '2026-11-26T09:00:00Z';
      const out = await get(`/v1/consent?status=opted_out&since=${since}`);
      expect(out.body.items.map((i: { phone: string }) => i.phone)).toEqual([b]);
      expect(out.body.items[0]).toMatchObject({ status: 'opted_out', lastChannel: 'sms_keyword' });
      const transactional = await get(`/v1/consent?category=transactional&since=${since}`);
      expect(transactional.body.items.map((i: { phone: string }) => i.phone)).toEqual([a]);
      const api = await get(`/v1/consent?channel=api&since=${since}&until=2026-11-26T10:00:00.500Z`);
      expect(api.body.items.map((i: { phone: string }) => i.phone)).toEqual([a]);
    });

    it('keyset pagination: every number exactly once, even with inserts while paging', async () => {
      h.setNow('2026-11-27T00:00:00.000Z');
      const phones: string[] = [];
      for (let i = 0; i < 25; i++) {
        const phone = `+1305555${String(1000 + i)}`;
        phones.push(phone);
        await inbound(h, phone, 'STOP');
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(`/v1/consent?since=2026-11-27T00:00:00Z&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i: { phone: string }) => i.phone));
        cursor = res.body.nextCursor;
        pages += 1;
        if (pages === 2) {
          // A new number arrives mid-way: it sorts after everything already listed.
          h.setNow('2026-11-27T00:00:05.000Z');
          await inbound(h, '+13055559999', 'STOP');
        }
      } while (cursor);
      h.setNow('2026-11-25T20:00:00.000Z');
      expect(seen).toEqual([...phones.sort(), '+13055559999']);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('400 for a bad limit, filter or cursor', async () => {
      for (const query of ['limit=0', 'limit=1001', 'status=maybe', 'since=yesterday', 'cursor=garbage', 'category=sales']) {
        const res = await get(`/v1/consent?${query}`);
        expect(res.status).toBe(400);
      }
    });
  });

  describe('GET /v1/consent/export', () => {
    it('streams CSV with a header row, and NDJSON', async () => {
      const phone = uniquePhone('917');
      h.setNow('2026-11-28T00:00:00.000Z');
      await optIn(h, phone, ['marketing']);
      h.setNow('2026-11-25T20:00:00.000Z');
      const csv = await get('/v1/consent/export?format=csv&since=2026-11-28T00:00:00Z');
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const lines = csv.text.trim().split('\n');
      expect(lines[0]).toBe('phone,status,marketing,informational,transactional,updated_at,last_channel,last_event_id');
      expect(lines[1]).toMatch(new RegExp(`^\\${phone},opted_in,yes,no,no,2026-11-28T00:00:00.000Z,api,\\d+$`));
      const nd = await get('/v1/consent/export?format=ndjson&since=2026-11-28T00:00:00Z');
      expect(nd.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
        expect.objectContaining({ phone, status: 'opted_in', marketing: true, informational: false }),
      ]);
    });

    it('exports events too, with formula-like text neutralised for spreadsheets', async () => {
      const phone = uniquePhone('917');
      h.setNow('2026-11-29T00:00:00.000Z');
      await h.http.post('/webhooks/twilio/sms').type('form').send({ MessageSid: 'SMcsvinject01', From: phone, Body: '=STOP' });
      h.setNow('2026-11-25T20:00:00.000Z');
      const csv = await get('/v1/consent/export?kind=events&since=2026-11-29T00:00:00Z');
      expect(csv.text).toContain(`,'=STOP,`);
      expect(csv.text.split('\n')[0]).toContain('chain_hash');
    });
  });

  describe('erasure: DELETE /v1/consent/:phone', () => {
    it('removes texts and evidence, keeps the number blocked, and the chain still verifies', async () => {
      const phone = uniquePhone('718');
      await optIn(h, phone);
      await send(phone, 'Hello there');
      await inbound(h, phone, 'Who is this?');
      const res = await h.http.delete(`/v1/consent/${phone}`).set(bearer(KEYS.writer)).send({ note: 'ticket 4411' });
      expect(res.status).toBe(200);
      expect(res.body.redacted).toEqual({ consentEvents: 1, inboundMessages: 1, messages: 1, reviewItems: 0, consentState: 1 });

      for (const table of ['consent_events', 'inbound_messages', 'messages'] as const) {
        const left = await h.ctx.db.selectFrom(table).select('phone').where('phone', '=', phone).execute();
        expect(left).toHaveLength(0);
      }
      const dump = JSON.stringify(
        await Promise.all([
          h.ctx.db.selectFrom('consent_events').selectAll().execute(),
          h.ctx.db.selectFrom('inbound_messages').selectAll().execute(),
          h.ctx.db.selectFrom('messages').selectAll().execute(),
          h.ctx.db.selectFrom('suppressions').selectAll().execute(),
        ]),
      );
      expect(dump).not.toContain(phone);
      expect(dump).not.toContain('Who is this?');
      expect(dump).not.toContain('Hello there');

      const view = await get(`/v1/consent/${phone}`);
      expect(view.body).toMatchObject({ status: 'unknown', suppressed: true, events: [], history: [] });
      expect((await send(phone, 'Back?', 'transactional')).body.error.code).toBe('opted_out');
      const check = await h.http.post('/v1/consent/check').set(bearer(KEYS.sender)).send({ category: 'transactional', phones: [phone] });
      expect(check.body.results[0]).toMatchObject({ allowed: false, code: 'opted_out' });
      expect((await verifyChain(h.ctx.db)).ok).toBe(true);
    });

    it('a pending review of the number is settled and its text removed', async () => {
      const phone = uniquePhone('718');
      await optIn(h, phone);
      await inbound(h, phone, 'Can I cancel?');
      const res = await h.http.delete(`/v1/consent/${phone}`).set(bearer(KEYS.writer));
      expect(res.body.redacted.reviewItems).toBe(1);
      const left = await h.ctx.db.selectFrom('review_items').selectAll().where('body', '=', 'Can I cancel?').where('phone', 'like', 'erased:%').execute();
      expect(left).toHaveLength(0);
      const rows = await h.ctx.db.selectFrom('review_items').selectAll().where('phone', '=', `erased:${res.body.phoneHash.slice(0, 16)}`).execute();
      expect(rows).toEqual([expect.objectContaining({ status: 'revocation', body: '[erased]', note: 'number erased on request' })]);
    });

    it('an old opt-in re-synced after erasure is refused; consent captured afterwards lifts the suppression', async () => {
      const phone = uniquePhone('718');
      await optIn(h, phone);
      await h.http.delete(`/v1/consent/${phone}`).set(bearer(KEYS.writer));
      const stale = await h.http
        .post(`/v1/consent/${phone}/opt-in`)
        .set(bearer(KEYS.writer))
        .send({ source: 'crm', evidence: { ...EVIDENCE, capturedAt: '2026-01-01T00:00:00Z' } });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('erased_number');
      h.setNow('2026-11-25T20:00:02.000Z');
      const fresh = await h.http
        .post(`/v1/consent/${phone}/opt-in`)
        .set(bearer(KEYS.writer))
        .send({ source: 'web_form', evidence: { ...EVIDENCE, capturedAt: '2026-11-25T20:00:01Z' } });
      expect(fresh.status).toBe(201);
      expect(fresh.body.suppressed).toBe(false);
      expect((await send(phone, 'Welcome back', 'transactional')).status).toBe(202);
    });

    it('the person texting START after an erasure lifts it', async () => {
      const phone = uniquePhone('718');
      await inbound(h, phone, 'STOP');
      await h.http.delete(`/v1/consent/${phone}`).set(bearer(KEYS.writer));
      await inbound(h, phone, 'START');
      const view = await get(`/v1/consent/${phone}`);
      expect(view.body).toMatchObject({ status: 'opted_in', suppressed: false });
    });
  });

  it('GET /v1/consent/:phone/export: the number\'s own data in one JSON document', async () => {
    const phone = uniquePhone('212');
    await optIn(h, phone);
    await inbound(h, phone, 'HELP');
    await send(phone, 'Hi', 'transactional');
    const res = await get(`/v1/consent/${phone}/export`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.body).toMatchObject({
      format: 'sms-gateway.subject-export/v1',
      phone,
      consent: { status: 'opted_in' },
      consentEvents: [expect.objectContaining({ type: 'opt_in' })],
      inboundTexts: [expect.objectContaining({ body: 'HELP', intent: 'help' })],
      messages: [expect.objectContaining({ body: 'Hi', status: 'sent' })],
    });
  });

  describe('tamper evidence', () => {
    it('an append made outside a transaction remembers no head: a later one follows whoever appended since', async () => {
      const input = (phone: string) => ({
        phone, eventType: 'opt_out' as const, previousStatus: 'unknown' as const, status: 'opted_out' as const, categories: [],
        channel: 'api' as const, evidence: { reason: 'test' }, actor: 'test', occurredAt: h.ctx.clock().toISOString(), recordedAt: h.ctx.clock().toISOString(),
      });
      // The type asks for a transaction now; the chain must still hold for a caller that goes around it.
      const outside = h.ctx.db as unknown as Transaction<Database>;
      await appendConsentEvent(outside, h.ctx.dialect, input(uniquePhone('917')));
      await h.ctx.transactions.run((trx) => appendConsentEvent(trx, h.ctx.dialect, input(uniquePhone('917'))));
      await appendConsentEvent(outside, h.ctx.dialect, input(uniquePhone('917')));
      expect((await verifyChain(h.ctx.db)).ok).toBe(true);
    });

    it('consent changes arriving together share commits and still form one chain', async () => {
      const phones = Array.from({ length: 30 }, () => uniquePhone('646'));
      const before = h.ctx.transactions.stats();
      await Promise.all(phones.map((phone, i) => handleInboundSms(h.ctx, { messageSid: `SMchain${dialect}${i}`, from: phone, to: null, accountSid: null, body: i % 3 ? 'STOP' : 'START', advancedOptOutType: null, rawOptOutType: null })));
      const after = h.ctx.transactions.stats();
      expect(after.units - before.units).toBe(30);
      // SQLite: several appends per transaction, each reading the head its predecessor wrote.
      if (dialect === 'sqlite') expect(after.commits - before.commits).toBeLessThan(10);
      const chain = await verifyChain(h.ctx.db);
      expect(chain.ok).toBe(true);
    });

    it('a bulk append larger than one statement takes keeps its chain and points each state at its own event', async () => {
      // 3,000 rows: events go in statements of 1,066 rows, states of 2,666, so both split.
      const phones = Array.from({ length: 2_999 }, (_, i) => `+1720${2_000_000 + i}`);
      const now = h.ctx.clock().toISOString();
      const item = (phone: string, note: string) => ({
        phone, channel: 'import' as const, actor: 'test', evidence: { reason: 'imported_opt_out', note },
        occurredAt: now, recordedAt: now, previousStatus: 'unknown' as const, categories: [],
      });
      // The first number twice: its state must point at its later event.
      // What PostgreSQL's array literals must escape: quotes, braces, commas, backslashes, NULL.
      const awkward = 'again, "quoted" {braced} \\back\\slash\\ NULL ünïcödé';
      const items = [...phones.map((p) => item(p, 'first')), item(phones[0]!, awkward)];
      await h.ctx.transactions.run((trx) => appendOptOutsInBulk(trx, h.ctx.dialect, items));

      const states = await h.ctx.db
        .selectFrom('consent_state')
        .innerJoin('consent_events', 'consent_events.id', 'consent_state.last_event_id')
        .select(['consent_state.phone as statePhone', 'consent_events.phone as eventPhone', 'consent_events.evidence', 'consent_state.status'])
        .where('consent_state.phone', 'like', '+1720%')
        .execute();
      expect(states).toHaveLength(2_999);
      expect(states.filter((s) => s.statePhone !== s.eventPhone || s.status !== 'opted_out')).toEqual([]);
      expect(JSON.parse(states.find((s) => s.statePhone === phones[0])!.evidence).note).toBe(awkward);
      const events = await h.ctx.db.selectFrom('consent_events').select((eb) => eb.fn.countAll<number>().as('n')).where('phone', 'like', '+1720%').executeTakeFirstOrThrow();
      expect(Number(events.n)).toBe(3_000);
      expect((await verifyChain(h.ctx.db)).ok).toBe(true);
    });

    it('every event is chained; a row changed or deleted directly in the database is caught', async () => {
      const before = await verifyChain(h.ctx.db);
      expect(before.ok).toBe(true);
      expect(before.checked).toBeGreaterThan(5);
      const victim = await h.ctx.db.selectFrom('consent_events').select('id').where('erased_at', 'is', null).orderBy('id', 'asc').offset(2).limit(1).executeTakeFirstOrThrow();

      const original = await h.ctx.db.selectFrom('consent_events').selectAll().where('id', '=', victim.id).executeTakeFirstOrThrow();

      await sql`update consent_events set actor = 'mallory' where id = ${victim.id}`.execute(h.ctx.db);
      const changed = await verifyChain(h.ctx.db);
      expect(changed.ok).toBe(false);
      expect(changed.firstBroken).toEqual({ id: victim.id, reason: expect.stringMatching(/changed/) });
      await sql`update consent_events set actor = ${original.actor} where id = ${victim.id}`.execute(h.ctx.db);
      expect((await verifyChain(h.ctx.db)).ok).toBe(true);

      await sql`delete from consent_events where id = ${victim.id}`.execute(h.ctx.db);
      const deleted = await verifyChain(h.ctx.db);
      expect(deleted.ok).toBe(false);
      expect(deleted.firstBroken!.id).toBeGreaterThan(victim.id);
      expect(deleted.firstBroken!.reason).toMatch(/chain link broken/);
      await h.ctx.db.insertInto('consent_events').values(original).execute();
      expect((await verifyChain(h.ctx.db)).ok).toBe(true);
    });
  });
});
