import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { runDueMessages } from '../../src/sending/scheduler';
import type { SmsTransport } from '../../src/transport/transport';
import { createTestDatabase, DIALECTS } from '../helpers/databases';
import { bearer, EVIDENCE, inbound, KEYS, optIn, startHarness, TEST_API_KEYS, uniquePhone, type Harness } from '../helpers/harness';

// 2026-11-26T03:00Z is 22:00 in New York (quiet), 19:00 in Los Angeles (allowed).
const NIGHT_IN_NEW_YORK = '2026-11-26T03:00:00.000Z';
let n = 0;
const nyPhone = () => `+1212555${String(3000 + n++).padStart(4, '0')}`;

describe.each(DIALECTS)('send-time rules (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(() => h.setNow('2026-11-25T20:00:00.000Z'));

  const send = (body: Record<string, unknown>) => h.http.post('/v1/messages').set(bearer(KEYS.sender)).send(body);

  it('a marketing text at 22:00 local is refused 403 quiet_hours with retryAfter', async () => {
    const phone = nyPhone();
    await optIn(h, phone);
    h.setNow(NIGHT_IN_NEW_YORK);
    const res = await send({ to: phone, body: 'Late offer', category: 'marketing' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'quiet_hours', details: { retryAfter: '2026-11-26T13:00:00.000Z' } });
    // Transactional texts are exempt by default.
    expect((await send({ to: phone, body: 'Your code is 1234', category: 'transactional' })).status).toBe(202);
  });

  it('deferUntilAllowed schedules it; the worker sends it once allowed, re-checking consent and caps', async () => {
    const phone = nyPhone();
    await optIn(h, phone);
    h.setNow(NIGHT_IN_NEW_YORK);
    const res = await send({ to: phone, body: 'Morning offer', category: 'marketing', deferUntilAllowed: true });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'scheduled', scheduledFor: '2026-11-26T13:00:00.000Z' });
    expect(res.headers['retry-after']).toBeDefined();

    expect(await runDueMessages(h.ctx)).toMatchObject({ sent: 0 });
    h.setNow('2026-11-26T13:00:00.000Z');
    expect(await runDueMessages(h.ctx)).toMatchObject({ sent: 1 });
    const view = await h.http.get(`/v1/messages/${res.body.id}`).set(bearer(KEYS.sender));
    expect(view.body.status).toBe('sent');
    expect(await runDueMessages(h.ctx)).toMatchObject({ sent: 0 });
  });

  it('a STOP before the scheduled time: the send is refused at send time', async () => {
    const phone = nyPhone();
    await optIn(h, phone);
    h.setNow(NIGHT_IN_NEW_YORK);
    const res = await send({ to: phone, body: 'Morning offer', category: 'marketing', deferUntilAllowed: true });
    await inbound(h, phone, 'STOP');
    h.setNow('2026-11-26T13:05:00.000Z');
    expect(await runDueMessages(h.ctx)).toMatchObject({ refused: 1, sent: 0 });
    const view = await h.http.get(`/v1/messages/${res.body.id}`).set(bearer(KEYS.sender));
    expect(view.body).toMatchObject({ status: 'refused', refusalCode: 'opted_out' });
  });

  it('an erasure cancels the number\'s scheduled sends', async () => {
    const phone = nyPhone();
    await optIn(h, phone);
    h.setNow(NIGHT_IN_NEW_YORK);
    const res = await send({ to: phone, body: 'Morning offer', category: 'marketing', deferUntilAllowed: true });
    await h.http.delete(`/v1/consent/${phone}`).set(bearer(KEYS.writer));
    h.setNow('2026-11-26T13:05:00.000Z');
    expect(await runDueMessages(h.ctx)).toMatchObject({ sent: 0 });
    const view = await h.http.get(`/v1/messages/${res.body.id}`).set(bearer(KEYS.sender));
    expect(view.body.status).toBe('canceled');
  });

  it('consent refusals are never scheduled', async () => {
    const res = await send({ to: nyPhone(), body: 'x', category: 'marketing', deferUntilAllowed: true });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('no_consent');
  });

  /** Opts a Florida number in and sends it three marketing texts, 14:00, 15:00 and 16:00 UTC. */
  const optInAndSendThreeDeals = async (phone: string) => {
    await optIn(h, phone);
    for (let i = 0; i < 3; i++) {
      h.setNow(`2026-11-25T${14 + i}:00:00.000Z`);
      expect((await send({ to: phone, body: `Deal ${i}`, category: 'marketing' })).status).toBe(202);
    }
  };

  it('Florida: the fourth text in 24 hours is 403 daily_cap', async () => {
    const phone = '+13055554001';
    await optInAndSendThreeDeals(phone);
    h.setNow('2026-11-25T18:00:00.000Z');
    const fourth = await send({ to: phone, body: 'Deal 4', category: 'marketing' });
    expect(fourth.status).toBe(403);
    expect(fourth.body.error).toMatchObject({ code: 'daily_cap', details: { retryAfter: '2026-11-26T14:00:00.000Z' } });
  });

  it('Florida: a text held back by the daily limit counts from when the scheduler released it', async () => {
    const phone = '+13055554002';
    await optInAndSendThreeDeals(phone);
    h.setNow('2026-11-25T18:00:00.000Z');
    const held = await send({ to: phone, body: 'Deal 4', category: 'marketing', deferUntilAllowed: true });
    expect(held.body).toMatchObject({ status: 'scheduled', scheduledFor: '2026-11-26T14:00:00.000Z' });
    h.setNow('2026-11-26T14:00:00.000Z');
    expect(await runDueMessages(h.ctx)).toMatchObject({ sent: 1 });
    // 18:30 the next day: requested over 24 hours ago, but it left at 14:00, so it still counts.
    h.setNow('2026-11-26T18:30:00.000Z');
    expect((await send({ to: phone, body: 'Deal 5', category: 'marketing' })).status).toBe(202);
    expect((await send({ to: phone, body: 'Deal 6', category: 'marketing' })).status).toBe(202);
    const fourth = await send({ to: phone, body: 'Deal 7', category: 'marketing' });
    expect(fourth.status).toBe(403);
    expect(fourth.body.error).toMatchObject({ code: 'daily_cap', details: { retryAfter: '2026-11-27T14:00:00.000Z' } });
  });

  it('Connecticut: a marketing text at 8:30 or 20:30 local is 403 quiet_hours; 9:00 and 19:59 pass', async () => {
    // Wednesday 25 November 2026, EST (UTC-5): the federal window (8-21) alone would allow all four.
    for (const npa of ['203', '475', '860', '959']) {
      const phone = uniquePhone(npa);
      await optIn(h, phone);
      h.setNow('2026-11-25T13:30:00.000Z'); // 08:30
      const early = await send({ to: phone, body: 'Early offer', category: 'marketing' });
      expect(early.status).toBe(403);
      expect(early.body.error).toMatchObject({ code: 'quiet_hours', details: { retryAfter: '2026-11-25T14:00:00.000Z' } });
      h.setNow('2026-11-25T14:00:00.000Z'); // 09:00
      expect((await send({ to: phone, body: 'Morning offer', category: 'marketing' })).status).toBe(202);
      h.setNow('2026-11-26T00:59:00.000Z'); // 19:59
      expect((await send({ to: phone, body: 'Evening offer', category: 'marketing' })).status).toBe(202);
      h.setNow('2026-11-26T01:30:00.000Z'); // 20:30
      const late = await send({ to: phone, body: 'Late offer', category: 'marketing' });
      expect(late.status).toBe(403);
      expect(late.body.error).toMatchObject({ code: 'quiet_hours', details: { retryAfter: '2026-11-26T14:00:00.000Z' } });
      h.setNow('2026-11-25T20:00:00.000Z');
    }
  });

  it('the list check answers quiet_hours with retryAfter too', async () => {
    const phone = nyPhone();
    await optIn(h, phone);
    h.setNow(NIGHT_IN_NEW_YORK);
    const res = await h.http.post('/v1/consent/check').set(bearer(KEYS.sender)).send({ category: 'marketing', phones: [phone, '+13105550199'] });
    expect(res.body.results[0]).toMatchObject({ allowed: false, code: 'quiet_hours', retryAfter: '2026-11-26T13:00:00.000Z' });
    expect(res.body.results[1]).toMatchObject({ allowed: false, code: 'no_consent' });
  });

  it('POST /v1/messages/explain: every rule, local time, jurisdiction, retryAfter; no side effects', async () => {
    const phone = '+12145554002'; // Dallas
    await optIn(h, phone);
    h.setNow('2026-11-29T17:00:00.000Z'); // Sunday 11:00 in Dallas
    const before = await h.ctx.db.selectFrom('messages').select('id').execute();
    const res = await h.http.post('/v1/messages/explain').set(bearer(KEYS.sender)).send({ to: phone, body: 'Sunday sale', category: 'marketing' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      to: phone,
      allowed: false,
      code: 'quiet_hours',
      retryAfter: '2026-11-29T18:00:00.000Z',
      state: 'TX',
      jurisdictions: ['US', 'US-TX'],
      localTimes: [{ zone: 'America/Chicago', time: 'Sun 11:00' }],
    });
    const rules = res.body.rules as { rule: string; passed: boolean; jurisdiction?: string }[];
    expect(rules.find((r) => r.rule === 'opt-out')?.passed).toBe(true);
    expect(rules.find((r) => r.jurisdiction === 'US')?.passed).toBe(true); // 11:00 is within 8-21
    expect(rules.find((r) => r.jurisdiction === 'US-TX')?.passed).toBe(false);
    expect(await h.ctx.db.selectFrom('messages').select('id').execute()).toHaveLength(before.length);
  });
});

describe('scheduled sends survive a restart (SQLite file)', () => {
  it('a send scheduled by one gateway process is sent by the next', async () => {
    const database = await createTestDatabase('sqlite');
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...database.env });
    let now = new Date(NIGHT_IN_NEW_YORK);
    const first = await createApp(config, { clock: () => now });
    const { recordApiOptIn } = await import('../../src/consent/service');
    await recordApiOptIn(first.ctx, '+12125559001', { source: 'web', evidence: EVIDENCE }, 'test');
    const { sendMessage } = await import('../../src/sending/service');
    const scheduled = await sendMessage(first.ctx, config.apiKeys[0]!, { to: '+12125559001', body: 'Hi', category: 'marketing', deferUntilAllowed: true }, null);
    expect(scheduled.message.status).toBe('scheduled');
    await first.close();

    now = new Date('2026-11-26T13:00:00.000Z');
    const second = await createApp(config, { clock: () => now });
    try {
      expect(await runDueMessages(second.ctx)).toMatchObject({ sent: 1 });
    } finally {
      await second.close();
      await database.drop();
    }
  });
});

describe('two schedulers on one PostgreSQL database', () => {
  it('never send a message twice (FOR UPDATE SKIP LOCKED)', async () => {
    const database = await createTestDatabase('postgres');
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...database.env });
    let now = new Date(NIGHT_IN_NEW_YORK);
    const sent: string[] = [];
    const transport: SmsTransport = {
      name: 'outbox',
      async send(sms) {
        sent.push(sms.messageId);
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { sid: `OB${sms.messageId}`, status: 'sent' };
      },
    };
    const a = await createApp(config, { clock: () => now, transport });
    const b = await createApp(config, { clock: () => now, transport });
    try {
      const { recordApiOptIn } = await import('../../src/consent/service');
      const { sendMessage } = await import('../../src/sending/service');
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const phone = `+1212555${String(7000 + i)}`;
        await recordApiOptIn(a.ctx, phone, { source: 'web', evidence: EVIDENCE }, 'test');
        const r = await sendMessage(a.ctx, config.apiKeys[0]!, { to: phone, body: 'Hi', category: 'marketing', deferUntilAllowed: true }, null);
        ids.push(r.message.id);
      }
      now = new Date('2026-11-26T13:30:00.000Z');
      const passes = await Promise.all([a, b, a, b].map((app) => runDueMessages(app.ctx)));
      const again = await Promise.all([a, b].map((app) => runDueMessages(app.ctx)));
      const total = [...passes, ...again].reduce((sum, p) => sum + p.sent, 0);
      expect(total).toBe(40);
      expect(sent.sort()).toEqual([...ids].sort());
      expect(new Set(sent).size).toBe(40);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});
