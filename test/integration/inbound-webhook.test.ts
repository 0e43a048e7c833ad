import { DIALECTS } from '../helpers/databases';
import { bearer, inboundParams, KEYS, replyOf, startHarness, type Harness } from '../helpers/harness';

const PHONE = '+14155550134';
const WEBHOOK = '/webhooks/twilio/sms';

describe.each(DIALECTS)('inbound SMS webhook (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  async function text(from: string, body: string, extra: Record<string, string> = {}) {
    const params = inboundParams(from, body, extra);
    const res = await h.http.post(WEBHOOK).type('form').send(params);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    return { res, reply: replyOf(res.text), params };
  }

  async function consent(phone: string) {
    const res = await h.http.get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader));
    expect(res.status).toBe(200);
    return res.body;
  }

  let n = 0;
  const freshNumber = () => `+1415555${String(1000 + (n++ % 9000)).padStart(4, '0')}`;

  it('STOP: records the opt-out and answers one confirmation', async () => {
    const phone = freshNumber();
    const { reply, res } = await text(phone, 'Stop!');
    expect(reply).toBe(h.ctx.messages.optOutConfirmation);
    expect(res.text.match(/<Message>/g)).toHaveLength(1);
    const state = await consent(phone);
    expect(state).toMatchObject({ phone, status: 'opted_out', categories: [] });
    expect(state.events).toHaveLength(1);
    expect(state.events[0]).toMatchObject({
      type: 'opt_out',
      previousStatus: 'unknown',
      channel: 'sms_keyword',
      keyword: 'STOP',
      rawText: 'Stop!',
      actor: 'sms',
      evidence: { rule: 'exact_keyword', normalisedText: 'STOP', confirmationSent: true },
    });
  });

  it.each(['stop', ' STOP ', '“STOP”', 'OPT-OUT', 'opt out', 'Unsubscribe.', 'cancel', 'END', 'quit', 'revoke', 'stopall', 'optout', 'Stop 🛑'])(
    '%j opts out',
    async (body) => {
      const phone = freshNumber();
      const { reply } = await text(phone, body);
      expect(reply).toBe(h.ctx.messages.optOutConfirmation);
      expect((await consent(phone)).status).toBe('opted_out');
    },
  );

  it('a repeat STOP is recorded but gets no second confirmation', async () => {
    const phone = freshNumber();
    expect((await text(phone, 'STOP')).reply).not.toBeNull();
    const second = await text(phone, 'stop');
    expect(second.reply).toBeNull();
    expect(second.res.text).toContain('<Response/>');
    const state = await consent(phone);
    expect(state.events.map((e: { evidence: { reason: string } }) => e.evidence.reason)).toEqual(['opt_out', 'repeat_opt_out']);
  });

  it('a retried webhook (same MessageSid) records nothing new and gets the same answer', async () => {
    const phone = freshNumber();
    const params = inboundParams(phone, 'STOP');
    const first = await h.http.post(WEBHOOK).type('form').send(params);
    const retry = await h.http.post(WEBHOOK).type('form').send(params);
    expect(retry.status).toBe(200);
    expect(retry.text).toBe(first.text);
    expect(replyOf(retry.text)).toBe(h.ctx.messages.optOutConfirmation);
    expect((await consent(phone)).events).toHaveLength(1);
    const rows = await h.ctx.db.selectFrom('inbound_messages').selectAll().where('message_sid', '=', params.MessageSid).execute();
    expect(rows).toHaveLength(1);
  });

  it('concurrent retries of one MessageSid still record it once', async () => {
    const phone = freshNumber();
    const params = inboundParams(phone, 'STOP');
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.http.post(WEBHOOK).type('form').send(params)));
    for (const a of answers) expect(replyOf(a.text)).toBe(h.ctx.messages.optOutConfirmation);
    expect((await consent(phone)).events).toHaveLength(1);
  });

  it('START after STOP restores the categories held before, with a CTIA confirmation', async () => {
    const phone = freshNumber();
    const optIn = await h.http
      .post(`/v1/consent/${phone}/opt-in`)
      .set(bearer(KEYS.writer))
      .send({ source: 'web_form', categories: ['transactional', 'informational'], evidence: { consentText: 'I agree to texts' } });
    expect(optIn.status).toBe(201);
    await text(phone, 'STOP');
    const { reply } = await text(phone, 'Start');
    expect(reply).toBe(h.ctx.messages.optInConfirmation);
    const state = await consent(phone);
    expect(state).toMatchObject({ status: 'opted_in', categories: ['informational', 'transactional'] });
    expect(state.events.at(-1)).toMatchObject({ type: 'opt_in', previousStatus: 'opted_out', channel: 'sms_keyword', keyword: 'START' });
  });

  it('START or YES while opted in changes nothing and gets no reply', async () => {
    const phone = freshNumber();
    await text(phone, 'START');
    const before = await consent(phone);
    expect((await text(phone, 'YES')).reply).toBeNull();
    expect((await text(phone, 'start')).reply).toBeNull();
    expect((await consent(phone)).events).toHaveLength(before.events.length);
  });

  it('an unknown number texting START gets a keyword opt-in recorded as such', async () => {
    const phone = freshNumber();
    const { reply } = await text(phone, 'START');
    expect(reply).toBe(h.ctx.messages.optInConfirmation);
    const state = await consent(phone);
    expect(state.status).toBe('opted_in');
    expect(state.events[0]).toMatchObject({ previousStatus: 'unknown', evidence: { reason: 'keyword_opt_in_unknown_number' } });
  });

  it('HELP is answered even to an unsubscribed number, consent unchanged', async () => {
    const phone = freshNumber();
    await text(phone, 'STOP');
    const { reply } = await text(phone, 'help');
    expect(reply).toBe(h.ctx.messages.help);
    const state = await consent(phone);
    expect(state.status).toBe('opted_out');
    expect(state.events).toHaveLength(1);
  });

  it('HELP replies stop at the daily limit and start again the next day', async () => {
    const phone = freshNumber();
    const limit = h.ctx.config.program.helpRepliesPerDay;
    for (let i = 0; i < limit; i++) expect((await text(phone, 'HELP')).reply).not.toBeNull();
    expect((await text(phone, 'HELP')).reply).toBeNull();
    expect((await text(phone, 'info')).reply).toBeNull();
    const tomorrow = new Date(h.ctx.clock().getTime() + 24 * 3600 * 1000 + 1000).toISOString();
    h.setNow(tomorrow);
    expect((await text(phone, 'HELP')).reply).not.toBeNull();
  });

  it('the reply text is XML-escaped', async () => {
    const phone = freshNumber();
    const { res } = await text(phone, 'HELP');
    expect(res.text).toContain('Msg&amp;data');
    expect(res.text).not.toMatch(/Msg&data/);
  });

  it('OptOutType from Advanced Opt-Out: records the change, sends nothing', async () => {
    const phone = freshNumber();
    const stop = await text(phone, 'stop', { OptOutType: 'STOP' });
    expect(stop.reply).toBeNull();
    expect(stop.res.text).toContain('<Response/>');
    let state = await consent(phone);
    expect(state.status).toBe('opted_out');
    expect(state.events[0]).toMatchObject({ channel: 'twilio_advanced_opt_out', actor: 'twilio', evidence: { optOutType: 'STOP' } });
    expect((await text(phone, 'start', { OptOutType: 'START' })).reply).toBeNull();
    state = await consent(phone);
    expect(state.status).toBe('opted_in');
    expect((await text(phone, 'help', { OptOutType: 'HELP' })).reply).toBeNull();
  });

  it('every inbound text is recorded, keyword or not, with the normalised number', async () => {
    const { params } = await text('(415) 555-0199', 'See you at 3pm');
    const row = await h.ctx.db.selectFrom('inbound_messages').selectAll().where('message_sid', '=', params.MessageSid).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ phone: '+14155550199', body: 'See you at 3pm', intent: 'none', reply_text: null, to_number: '+15005550006' });
  });

  it('an inbound text with no Body is recorded and answered empty', async () => {
    const params = inboundParams(PHONE, '');
    delete (params as Partial<typeof params>).Body;
    const res = await h.http.post(WEBHOOK).type('form').send(params);
    expect(res.status).toBe(200);
    expect(replyOf(res.text)).toBeNull();
  });
});
