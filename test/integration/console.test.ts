import request from 'supertest';
import { DIALECTS } from '../helpers/databases';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { bearer, inbound, KEYS, optIn, startHarness, TEST_API_KEYS, uniquePhone, type Harness } from '../helpers/harness';

const CSRF = /name="_csrf" value="([^"]+)"/;

type Agent = ReturnType<typeof request.agent>;

function csrfOf(html: string): string {
  const match = CSRF.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token in the page');
  return match[1];
}

describe.each(DIALECTS)('compliance console (%s)', (dialect) => {
  let h: Harness;
  const START = '2026-11-25T20:00:00.000Z';
  beforeAll(async () => {
    h = await startHarness(dialect, { now: START, env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(() => h.setNow(START));

  /** A browser-like agent signed in with `key`; returns it with its page's CSRF token. */
  async function signIn(key: string): Promise<{ agent: Agent; csrf: string }> {
    const agent = request.agent(h.app);
    const form = await agent.get('/console/sign-in').expect(200);
    const res = await agent.post('/console/sign-in').type('form').send({ _csrf: csrfOf(form.text), key });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/');
    const home = await agent.get('/console/').expect(200);
    return { agent, csrf: csrfOf(home.text) };
  }

  const auditRows = (action: string) =>
    h.ctx.db.selectFrom('staff_audit').selectAll().where('action', '=', action).orderBy('id', 'asc').execute();
  const consent = async (phone: string) => (await h.http.get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader))).body;

  describe('signing in', () => {
    it('sends a visitor without a session to the sign-in page, which has its own CSP without unsafe-inline', async () => {
      const res = await h.http.get('/console/');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/console/sign-in');
      const page = await h.http.get('/console/sign-in').expect(200);
      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toContain('<label for="key">API key</label>');
      expect(page.text).not.toMatch(/<script|style=/);
      const css = await h.http.get('/console/assets/console.css').expect(200);
      expect(css.headers['content-type']).toMatch(/text\/css/);
    });

    it('exchanges a ledger.read key for a session cookie: HttpOnly, SameSite=Strict, no key stored or shown', async () => {
      const agent = request.agent(h.app);
      const form = await agent.get('/console/sign-in');
      const res = await agent.post('/console/sign-in').type('form').send({ _csrf: csrfOf(form.text), key: KEYS.reader });
      expect(res.status).toBe(303);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('console_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/console/);
      expect(cookie).not.toMatch(/Secure/);
      const token = /console_session=([^;]+)/.exec(cookie)![1]!;
      const rows = await h.ctx.db.selectFrom('console_sessions').selectAll().execute();
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(KEYS.reader);
      const home = await agent.get('/console/').expect(200);
      expect(home.text).toContain('Signed in as <strong>auditor</strong>');
      expect(home.text).not.toContain(KEYS.reader);
      expect((await auditRows('session.sign_in')).some((r) => r.actor === 'auditor' && r.outcome === 'ok')).toBe(true);
    });

    it('marks the cookie Secure behind https (a trusted proxy saying so)', async () => {
      const form = await h.http.get('/console/sign-in').set('X-Forwarded-Proto', 'https');
      const signInCookie = (form.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('console_signin='))!;
      expect(signInCookie).toMatch(/Secure/);
      // A browser sends a Secure cookie back over https only: the proxy's https is the header here.
      const res = await request(h.app)
        .post('/console/sign-in')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', signInCookie.split(';')[0]!)
        .type('form')
        .send({ _csrf: csrfOf(form.text), key: KEYS.reader });
      expect(res.status).toBe(303);
      const cookies = res.headers['set-cookie'] as unknown as string[];
      expect(cookies.find((c) => c.startsWith('console_session='))).toMatch(/Secure/);
    });

    it('refuses an unknown key, a key without ledger.read, and a sign-in form it did not issue', async () => {
      const agent = request.agent(h.app);
      const form = await agent.get('/console/sign-in');
      const wrong = await agent.post('/console/sign-in').type('form').send({ _csrf: csrfOf(form.text), key: 'not-a-key-at-all-000000' });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('That key is not valid.');
      expect(wrong.text).not.toContain('not-a-key-at-all-000000');
      const form2 = await agent.get('/console/sign-in');
      const sender = await agent.post('/console/sign-in').type('form').send({ _csrf: csrfOf(form2.text), key: KEYS.sender });
      expect(sender.status).toBe(403);
      expect(sender.text).toContain('ledger.read');
      const forged = await request(h.app).post('/console/sign-in').type('form').send({ _csrf: 'forged', key: KEYS.reader });
      expect(forged.status).toBe(403);
      expect(forged.headers['set-cookie']?.toString() ?? '').not.toContain('console_session=');
    });

    it('ends an idle session after 30 minutes, slides while used, and ends every session at 12 hours', async () => {
      const { agent } = await signIn(KEYS.reader);
      h.setNow('2026-11-25T20:20:00.000Z');
      await agent.get('/console/lookup').expect(200);
      h.setNow('2026-11-25T20:45:00.000Z'); // 45 min after sign-in, 25 after the last use
      await agent.get('/console/lookup').expect(200);
      h.setNow('2026-11-25T21:16:00.000Z'); // 31 min idle
      const expired = await agent.get('/console/lookup');
      expect(expired.status).toBe(303);
      expect(expired.headers.location).toBe('/console/sign-in?expired=1');

      h.setNow(START);
      const { agent: busy } = await signIn(KEYS.reader);
      for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
        h.setNow(new Date(Date.parse(START) + minutes * 60_000).toISOString());
        await busy.get('/console/lookup').expect(200);
      }
      h.setNow(new Date(Date.parse(START) + 12 * 60 * 60_000 + 1_000).toISOString());
      expect((await busy.get('/console/lookup')).headers.location).toBe('/console/sign-in?expired=1');
    });

    it('signs out: the session is ended in the database and its cookie no longer opens anything', async () => {
      const { agent, csrf } = await signIn(KEYS.reader);
      const out = await agent.post('/console/sign-out').type('form').send({ _csrf: csrf });
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/console/sign-in?signedOut=1');
      expect((await agent.get('/console/')).headers.location).toMatch(/^\/console\/sign-in/);
      expect((await auditRows('session.sign_out')).length).toBeGreaterThan(0);
    });

    it('a session opened on one instance works on another sharing the database, and signing out on either ends it on both', async () => {
      // A second gateway process behind the same load balancer: its own app, the same database.
      const second = await createApp(loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, TRUST_PROXY: 'loopback', ...h.database.env }), { clock: () => new Date(START) });
      try {
        const form = await request(h.app).get('/console/sign-in').expect(200);
        const cookieOfForm = (form.headers['set-cookie'] as unknown as string[] | undefined)?.map((c) => c.split(';')[0]).join('; ') ?? '';
        const signedIn = await request(h.app).post('/console/sign-in').set('Cookie', cookieOfForm).type('form').send({ _csrf: csrfOf(form.text), key: KEYS.reader });
        expect(signedIn.status).toBe(303);
        const session = (signedIn.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('console_session='))!.split(';')[0]!;
        const onSecond = await request(second.app).get('/console/lookup').set('Cookie', session);
        expect(onSecond.status).toBe(200);
        expect(onSecond.text).toContain('Signed in as <strong>auditor</strong>');
        const out = await request(second.app).post('/console/sign-out').set('Cookie', session).type('form').send({ _csrf: csrfOf(onSecond.text) });
        expect(out.status).toBe(303);
        expect((await request(h.app).get('/console/lookup').set('Cookie', session)).headers.location).toMatch(/^\/console\/sign-in/);
      } finally {
        await second.close();
      }
    });
  });

  describe('a number', () => {
    it('finds a number in any format and shows its STOP with the rule, the explain decision and the cap; the view is audited', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await inbound(h, phone, 'STOP');
      const { agent } = await signIn(KEYS.reader);
      const national = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
      const lookup = await agent.get('/console/lookup').query({ phone: national });
      expect(lookup.status).toBe(303);
      expect(lookup.headers.location).toBe(`/console/numbers/${encodeURIComponent(phone)}`);
      const page = await agent.get(lookup.headers.location!).expect(200);
      expect(page.text).toContain('id="status">opted_out</span>');
      expect(page.text).toContain('Opt-out via sms_keyword');
      expect(page.text).toContain('Text received: decided opt_out');
      expect(page.text).toMatch(/<code>opted_out<\/code>/);
      expect(page.text).toMatch(/0 of 8 used/);
      const views = (await auditRows('number.view')).filter((r) => r.phone === phone);
      expect(views).toHaveLength(1);
      expect(views[0]).toMatchObject({ actor: 'auditor', key_id: expect.stringMatching(/^key-/), outcome: 'ok' });
      const bad = await agent.get('/console/lookup').query({ phone: 'not a number' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('is not a phone number');
    });

    it('shows an attacker\'s text as text: <img onerror> is escaped on the number page and in the review queue', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const xss = '<img src=x onerror=alert(1)>';
      await inbound(h, phone, xss);
      await inbound(h, phone, `Can I cancel? ${xss}`);
      const { agent } = await signIn(KEYS.reader);
      const page = await agent.get(`/console/numbers/${encodeURIComponent(phone)}`).expect(200);
      expect(page.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
      expect(page.text).not.toContain(xss);
      const review = await agent.get('/console/review').expect(200);
      expect(review.text).toContain('Can I cancel? &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
      expect(review.text).not.toContain(xss);
    });

    it('refuses a form without this session\'s CSRF token, records nothing, and audits the refusal', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const { agent } = await signIn(KEYS.writer);
      const path = `/console/numbers/${encodeURIComponent(phone)}/opt-out`;
      const form = { how: 'email', receivedDate: '2026-11-25', sendConfirmation: 'yes' };
      const missing = await agent.post(path).type('form').send(form);
      expect(missing.status).toBe(403);
      expect(missing.text).toContain('CSRF');
      const other = await signIn(KEYS.writer);
      const wrong = await agent.post(path).type('form').send({ ...form, _csrf: other.csrf });
      expect(wrong.status).toBe(403);
      expect((await consent(phone)).status).toBe('opted_in');
      const refused = (await auditRows('form.post')).filter((r) => r.outcome === 'csrf_refused' && r.actor === 'crm-sync');
      expect(refused.length).toBeGreaterThanOrEqual(2);
      expect(refused.at(-1)!.detail).toBe(JSON.stringify({ form: '/numbers/:phone/opt-out' }));
    });

    it('a ledger.read key can look but not act: 403, nothing recorded, the refusal audited', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const { agent, csrf } = await signIn(KEYS.reader);
      const page = await agent.get(`/console/numbers/${encodeURIComponent(phone)}`).expect(200);
      expect(page.text).not.toContain('Record opt-out');
      const res = await agent
        .post(`/console/numbers/${encodeURIComponent(phone)}/opt-out`)
        .type('form')
        .send({ _csrf: csrf, how: 'email', receivedDate: '2026-11-25' });
      expect(res.status).toBe(403);
      expect(res.text).toContain('ledger.write');
      expect((await consent(phone)).status).toBe('opted_in');
      expect((await auditRows('number.opt_out')).filter((r) => r.phone === phone)).toEqual([
        expect.objectContaining({ actor: 'auditor', outcome: 'forbidden' }),
      ]);
      expect((await agent.get(`/console/numbers/${encodeURIComponent(phone)}/erase`)).status).toBe(403);
    });

    it('records an opt-out received by e-mail on an earlier day: the ledger has it from that day, sends are refused, the action audited', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const { agent, csrf } = await signIn(KEYS.writer);
      const res = await agent
        .post(`/console/numbers/${encodeURIComponent(phone)}/opt-out`)
        .type('form')
        .send({ _csrf: csrf, how: 'email', receivedDate: '2026-11-24', receivedTime: '', note: 'wrote to support', sendConfirmation: 'yes' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/console/numbers/${encodeURIComponent(phone)}?done=opt_out`);
      const state = await consent(phone);
      expect(state.status).toBe('opted_out');
      const event = state.events.at(-1);
      expect(event).toMatchObject({ channel: 'email', actor: 'crm-sync', occurredAt: '2026-11-24T05:00:00.000Z' });
      expect(event.evidence).toMatchObject({ note: 'wrote to support', receivedAt: '2026-11-24T05:00:00.000Z' });
      const send = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Sale today', category: 'transactional' });
      expect(send.status).toBe(403);
      expect(send.body.error.code).toBe('opted_out');
      expect((await auditRows('number.opt_out')).filter((r) => r.phone === phone)).toEqual([
        expect.objectContaining({ actor: 'crm-sync', outcome: 'ok' }),
      ]);
      const future = await agent
        .post(`/console/numbers/${encodeURIComponent(phone)}/opt-out`)
        .type('form')
        .send({ _csrf: csrf, how: 'letter', receivedDate: '2026-11-25', receivedTime: '23:59' });
      expect(future.status).toBe(400);
      expect(future.text).toContain('after now');
    });

    it('POST /v1/consent/:phone/opt-out takes the same receivedAt: an earlier one is the occurredAt, a later one is refused', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      const future = await h.http
        .post(`/v1/consent/${encodeURIComponent(phone)}/opt-out`)
        .set(bearer(KEYS.writer))
        .send({ channel: 'phone_call', receivedAt: '2026-11-25T20:00:01Z' });
      expect(future.status).toBe(400);
      expect(future.body.error.code).toBe('received_at_in_future');
      expect((await consent(phone)).status).toBe('opted_in');
      const earlier = await h.http
        .post(`/v1/consent/${encodeURIComponent(phone)}/opt-out`)
        .set(bearer(KEYS.writer))
        .send({ channel: 'phone_call', receivedAt: '2026-11-23T09:30:00-05:00', sendConfirmation: false });
      expect(earlier.status).toBe(201);
      expect(earlier.body.state.events.at(-1)).toMatchObject({ occurredAt: '2026-11-23T14:30:00.000Z', recordedAt: START });
    });

    it('records consent captured elsewhere with its evidence, and refuses consent that predates an opt-out', async () => {
      const phone = uniquePhone();
      await inbound(h, phone, 'STOP'); // 15:00 in New York
      h.setNow('2026-11-25T21:00:00.000Z');
      const { agent, csrf } = await signIn(KEYS.writer);
      const path = `/console/numbers/${encodeURIComponent(phone)}/opt-in`;
      const old = await agent.post(path).type('form').send({ _csrf: csrf, source: 'paper_form', categories: 'marketing', consentText: 'I agree to texts.', capturedDate: '2026-11-01', capturedTime: '10:00' });
      expect(old.status).toBe(409);
      expect(old.text).toContain('before the number');
      const ok = await agent
        .post(path)
        .type('form')
        .send({ _csrf: csrf, source: 'paper_form', categories: ['marketing', 'transactional'], consentText: 'I agree to texts.', capturedDate: '2026-11-25', capturedTime: '15:30' });
      expect(ok.status).toBe(303);
      const state = await consent(phone);
      expect(state.status).toBe('opted_in');
      expect(state.categories).toEqual(['marketing', 'transactional']);
      expect(state.events.at(-1).evidence).toMatchObject({ consentText: 'I agree to texts.', capturedAt: '2026-11-25T20:30:00.000Z', source: 'paper_form' });
    });

    it('offers the export first, erases only after the digits are confirmed, and leaves the number in no audit row', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await inbound(h, phone, 'hello there');
      const { agent, csrf } = await signIn(KEYS.writer);
      await agent.get(`/console/numbers/${encodeURIComponent(phone)}`).expect(200);
      const confirm = await agent.get(`/console/numbers/${encodeURIComponent(phone)}/erase`).expect(200);
      expect(confirm.text).toContain(`/console/numbers/${encodeURIComponent(phone)}/export`);
      const exported = await agent.get(`/console/numbers/${encodeURIComponent(phone)}/export`).expect(200);
      expect(exported.headers['content-disposition']).toMatch(/attachment/);
      expect(JSON.parse(exported.text)).toMatchObject({ format: 'sms-gateway.subject-export/v1', phone });
      const mismatch = await agent.post(`/console/numbers/${encodeURIComponent(phone)}/erase`).type('form').send({ _csrf: csrf, confirmDigits: '0000' });
      expect(mismatch.status).toBe(400);
      expect((await consent(phone)).status).toBe('opted_in');
      const erased = await agent
        .post(`/console/numbers/${encodeURIComponent(phone)}/erase`)
        .type('form')
        .send({ _csrf: csrf, confirmDigits: phone.slice(-4), note: 'ticket 9' });
      expect(erased.status).toBe(200);
      expect(erased.text).toContain('Number erased');
      const after = await consent(phone);
      expect(after).toMatchObject({ status: 'unknown', suppressed: true });
      const rows = await h.ctx.db.selectFrom('staff_audit').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(phone);
      expect(JSON.stringify(rows)).not.toContain(phone.slice(2));
      expect(rows.filter((r) => r.action === 'number.erase').map((r) => r.outcome)).toEqual(expect.arrayContaining(['confirmation_mismatch', 'ok']));
    });
  });

  describe('the review queue', () => {
    it('lists pending texts with their context and resolves one as a revocation; the count in the navigation drops', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await inbound(h, phone, 'Can I cancel?');
      const { agent, csrf } = await signIn(KEYS.writer);
      const page = await agent.get('/console/review').expect(200);
      const count = Number(/id="pending-count">(\d+)</.exec(page.text)![1]);
      expect(count).toBeGreaterThan(0);
      const item = await h.ctx.db.selectFrom('review_items').selectAll().where('phone', '=', phone).executeTakeFirstOrThrow();
      expect(page.text).toContain(`#${item.id}`);
      const res = await agent.post(`/console/review/${item.id}`).type('form').send({ _csrf: csrf, resolution: 'revocation', note: 'clearly wants out', sendConfirmation: 'yes' });
      expect(res.status).toBe(303);
      expect((await consent(phone)).status).toBe('opted_out');
      const after = await agent.get('/console/review').expect(200);
      expect(Number(/id="pending-count">(\d+)</.exec(after.text)![1])).toBe(count - 1);
      expect((await auditRows('review.resolve')).filter((r) => r.phone === phone)).toEqual([expect.objectContaining({ actor: 'crm-sync', outcome: 'ok' })]);
      const again = await agent.post(`/console/review/${item.id}`).type('form').send({ _csrf: csrf, resolution: 'not_revocation' });
      expect(again.status).toBe(409);
    });
  });

  describe('lists, overview and audit', () => {
    it('lists opt-outs filtered by channel and downloads exactly those rows as CSV', async () => {
      h.setNow('2026-11-26T15:00:00.000Z');
      const byText = uniquePhone('212');
      const byMail = uniquePhone('212');
      await inbound(h, byText, 'STOP');
      const { agent, csrf } = await signIn(KEYS.writer);
      await agent.post(`/console/numbers/${encodeURIComponent(byMail)}/opt-out`).type('form').send({ _csrf: csrf, how: 'email', receivedDate: '2026-11-26' }).expect(303);
      const list = await agent.get('/console/lists/opt-outs').query({ channel: 'email', since: '2026-11-26', until: '2026-11-26' }).expect(200);
      expect(list.text).toContain(byMail);
      expect(list.text).not.toContain(byText);
      const csv = await agent.get('/console/lists/opt-outs.csv').query({ channel: 'email', since: '2026-11-26', until: '2026-11-26' }).expect(200);
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      const lines = csv.text.trim().split('\n');
      expect(lines[0]).toBe('recorded at,occurred at,number,channel,actor,rule or keyword,text,note');
      expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual([byMail]);
      const all = await agent.get('/console/lists/opt-outs.csv').query({ since: '2026-11-26' }).expect(200);
      expect(all.text).toContain(byText);
      expect((await auditRows('list.opt_outs.csv')).length).toBeGreaterThanOrEqual(2);
    });

    it('lists refusals by reason and downloads them', async () => {
      const phone = uniquePhone();
      await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'hi', category: 'marketing' }).expect(403);
      const { agent } = await signIn(KEYS.reader);
      const list = await agent.get('/console/lists/refusals').query({ reason: 'no_consent' }).expect(200);
      expect(list.text).toContain(phone);
      const csv = await agent.get('/console/lists/refusals.csv').query({ reason: 'no_consent' }).expect(200);
      const rows = csv.text.trim().split('\n').slice(1).map((l) => l.split(','));
      expect(rows.find((r) => r[1] === phone)).toEqual([expect.any(String), phone, 'marketing', 'no_consent', 'campaigns', expect.any(String)]);
      expect(rows.every((r) => r[3] === 'no_consent')).toBe(true);
    });

    it('draws the overview as server-side SVG, runs a ledger verification and shows its result', async () => {
      const reader = await signIn(KEYS.reader);
      const page = await reader.agent.get('/console/').expect(200);
      expect(page.text).toContain('<svg class="chart"');
      expect(page.text).toContain('Opt-outs per day by channel');
      expect(page.text).toContain('Sends and refusals per day by reason');
      // The verification reads the whole ledger: staff who may act run it, not every reader.
      expect((await reader.agent.post('/console/ledger/verify').type('form').send({ _csrf: reader.csrf })).status).toBe(403);
      const { agent, csrf } = await signIn(KEYS.writer);
      const verify = await agent.post('/console/ledger/verify').type('form').send({ _csrf: csrf });
      expect(verify.status).toBe(303);
      const after = await agent.get('/console/').expect(200);
      expect(after.text).toMatch(/Last verification<\/dt><dd id="last-verify">[^<]+by crm-sync: <strong>passed: \d+ events/);
    });

    it('refuses consent with no category ticked instead of recording every category', async () => {
      const phone = uniquePhone();
      const { agent, csrf } = await signIn(KEYS.writer);
      const res = await agent
        .post(`/console/numbers/${encodeURIComponent(phone)}/opt-in`)
        .type('form')
        .send({ _csrf: csrf, source: 'paper_form', consentText: 'I agree to appointment reminders only', capturedDate: '2026-11-25', capturedTime: '10:00' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('tick at least one category');
      expect((await consent(phone)).status ?? 'unknown').not.toBe('opted_in');
    });

    it('refuses a date typed with a two-digit year (it arrives as year 0026)', async () => {
      const phone = uniquePhone();
      const { agent, csrf } = await signIn(KEYS.writer);
      const res = await agent.post(`/console/numbers/${encodeURIComponent(phone)}/opt-out`).type('form').send({ _csrf: csrf, how: 'email', receivedDate: '0026-11-20' });
      expect(res.status).toBe(400);
    });

    it('an erased number looked up again is audited as its placeholder, never written back', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await h.http.delete(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.admin)).send({});
      const { agent } = await signIn(KEYS.reader);
      await agent.get(`/console/numbers/${encodeURIComponent(phone)}`);
      const rows = await h.ctx.db.selectFrom('staff_audit').select('phone').where('action', '=', 'number.view').orderBy('id', 'desc').limit(1).execute();
      expect(rows[0]?.phone).toMatch(/^erased:/);
      expect(await h.ctx.db.selectFrom('staff_audit').select('id').where('phone', '=', phone).execute()).toEqual([]);
    });

    it('pages the review queue with a cursor it gave out, and refuses any other (no 5xx on PostgreSQL)', async () => {
      const { agent } = await signIn(KEYS.reader);
      expect((await agent.get('/console/review').query({ after: '99999999999999999999' })).status).toBe(400);
      expect((await agent.get('/console/review').query({ after: '-1' })).status).toBe(400);
      await agent.get('/console/review').query({ after: '0' }).expect(200);
    });

    it('audits every number the review queue and the lists showed, so the audit filtered by a number finds those pages', async () => {
      const phone = uniquePhone();
      await optIn(h, phone);
      await inbound(h, phone, 'STOP');
      const { agent } = await signIn(KEYS.reader);
      await agent.get('/console/lists/opt-outs').expect(200);
      const rows = await h.ctx.db.selectFrom('staff_audit').select(['action', 'actor']).where('phone', '=', phone).execute();
      expect(rows).toContainEqual({ action: 'list.opt_outs.number', actor: 'auditor' });
    });

    it('shows the audit, filtered by number', async () => {
      const phone = uniquePhone();
      const { agent } = await signIn(KEYS.reader);
      await agent.get(`/console/numbers/${encodeURIComponent(phone)}`).expect(200);
      const page = await agent.get('/console/audit').query({ phone }).expect(200);
      expect(page.text).toContain('number.view');
      expect(page.text).toContain(phone);
      expect(page.text).toContain('auditor');
    });

    it('answers a console path that does not exist, and bad input, with a page, never a 5xx', async () => {
      const { agent, csrf } = await signIn(KEYS.writer);
      const missing = await agent.get('/console/nothing-here');
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toMatch(/text\/html/);
      expect((await agent.get('/console/numbers/garbage')).status).toBe(400);
      expect((await agent.get('/console/lists/refusals').query({ before: '!!' })).status).toBe(400);
      expect((await agent.get('/console/lists/opt-outs').query({ since: '2026-13-45' })).status).toBe(400);
      const nul = await agent.post(`/console/numbers/${encodeURIComponent(uniquePhone())}/opt-out`).type('form').send({ _csrf: csrf, how: 'email', receivedDate: '2026-11-25', note: 'a\u0000b' });
      expect(nul.status).toBe(400);
      expect((await agent.post('/console/review/abc').type('form').send({ _csrf: csrf, resolution: 'revocation' })).status).toBe(400);
    });
  });
});
