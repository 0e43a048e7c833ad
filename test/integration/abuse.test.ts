import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { DIALECTS } from '../helpers/databases';
import { bearer, EVIDENCE, inboundParams, KEYS, listenOnLoopback, startHarness, uniquePhone, type Harness } from '../helpers/harness';

const WEBHOOK = '/webhooks/twilio/sms';

/** 1,000,000 bytes of nested arrays: JSON.parse takes hundreds of milliseconds over it. */
const NESTED_MEGABYTE = Buffer.from('['.repeat(500_000) + ']'.repeat(500_000));

interface Answer {
  status: number;
  ms: number;
}

function post(port: number, path: string, body: Buffer | string, headers: Record<string, string>, agent: http.Agent): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    // The server may answer (401) and close before the whole body is written: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve({ status: 0, ms: performance.now() - started }) : reject(err),
    );
    req.end(body);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function stopLatencies(port: number, count: number, areaCode = '646'): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const form = new URLSearchParams(inboundParams(uniquePhone(areaCode), 'STOP')).toString();
      const answer = await post(port, WEBHOOK, form, { 'Content-Type': 'application/x-www-form-urlencoded' }, agent);
      expect(answer.status).toBe(200);
      latencies.push(answer.ms);
    }
  } finally {
    agent.destroy();
  }
  return latencies;
}

describe('hostile bodies do not stall the webhooks (sqlite, real port)', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof listenOnLoopback>>;
  let port: number;
  beforeAll(async () => {
    // The failed-authentication gate is lifted here, so what is measured is authentication before parsing.
    h = await startHarness('sqlite', { env: { AUTH_FAILURES_PER_WINDOW: '1000000' } });
    server = await listenOnLoopback(h);
    port = server.port;
  });
  afterAll(async () => {
    await server.close();
    await h.stop();
  });

  it('STOP latency while 8 unauthenticated clients post 1 MB of nested arrays stays near its latency alone', async () => {
    await stopLatencies(port, 5); // warm-up
    const alone = median(await stopLatencies(port, 20));

    let loading = true;
    const refusals: number[] = [];
    const attacker = async () => {
      const agent = new http.Agent({ keepAlive: true });
      try {
        // Bounded: at most 20 bodies per client even if the STOPs below were never to finish.
        for (let i = 0; i < 20 && loading; i++) {
          const answer = await post(port, '/v1/messages', NESTED_MEGABYTE, { 'Content-Type': 'application/json' }, agent);
          refusals.push(answer.status);
        }
      } finally {
        agent.destroy();
      }
    };
    const attackers = Array.from({ length: 8 }, attacker);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const underLoad = median(await stopLatencies(port, 20));
    loading = false;
    await Promise.all(attackers);

    expect(refusals.length).toBeGreaterThan(8);
    expect(refusals.every((status) => status === 401 || status === 0)).toBe(true);
    // Generous: before authentication came first, every body cost ~300 ms of parsing and the
    // median STOP waited seconds.
    expect(underLoad).toBeLessThan(alone * 5 + 100);
  });
});

describe.each(DIALECTS)('request limits (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a JSON body nested deeper than 16 levels is a 400 json_too_deep, from an authenticated client too', async () => {
    const deep = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).set('Content-Type', 'application/json').send(NESTED_MEGABYTE.toString());
    expect(deep.status).toBe(400);
    expect(deep.body.error.code).toBe('json_too_deep');

    const seventeen = `{"to":"+14155550100","body":"hi","category":"marketing","x":${'['.repeat(16)}${']'.repeat(16)}}`;
    const tooDeep = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).set('Content-Type', 'application/json').send(seventeen);
    expect(tooDeep.body.error.code).toBe('json_too_deep');
    // Brackets inside strings are text, not nesting.
    const phone = uniquePhone('212');
    const bracketsInText = await h.http
      .post(`/v1/consent/${encodeURIComponent(phone)}/opt-in`)
      .set(bearer(KEYS.writer))
      .send({ source: 'web_form', evidence: { ...EVIDENCE, note: `${'['.repeat(100)}"\\{` } });
    expect(bracketsInText.status).toBe(201);
  });

  it('an unauthenticated body is refused 401 before it is parsed (malformed JSON is not even looked at)', async () => {
    const res = await h.http.post('/v1/messages').set('Content-Type', 'application/json').send('{"to": oops');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('webhooks: over 64 kB is a 413 and over 200 parameters a 413, nothing recorded', async () => {
    const before = await h.ctx.db.selectFrom('inbound_messages').select('id').execute();
    const big = await h.http.post(WEBHOOK).type('form').send(`${new URLSearchParams(inboundParams(uniquePhone(), 'STOP')).toString()}&Junk=${'a'.repeat(1_000_000)}`);
    expect(big.status).toBe(413);
    const junk = Array.from({ length: 201 }, (_, i) => `J${i}=x`).join('&');
    const many = await h.http.post(WEBHOOK).type('form').send(`${new URLSearchParams(inboundParams(uniquePhone(), 'STOP')).toString()}&${junk}`);
    expect(many.status).toBe(413);
    expect(many.body.error.code).toBe('too_many_parameters');
    const after = await h.ctx.db.selectFrom('inbound_messages').select('id').execute();
    expect(after).toHaveLength(before.length);
  });
});

const LIMITED = 'limited-secret-0123456789';
const UNLIMITED = 'unlimited-secret-0123456789';

describe('per-API-key rate limits (sqlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', {
      env: { API_KEYS: `${KEYS.reader}:ledger.read:auditor,${LIMITED}:ledger.read:crm:3,${UNLIMITED}:ledger.read::off` },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  const lookup = (key: string) => h.http.get(`/v1/consent/${encodeURIComponent('+14155550100')}`).set(bearer(key));

  it('a key with its own limit gets the IETF RateLimit headers, then 429 rate_limited with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await lookup(LIMITED));
    expect(answers.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(answers[0]!.headers['ratelimit-policy']).toMatch(/^"api-key"; q=3; w=60; pk=:[^:]+:$/);
    expect(answers[0]!.headers['ratelimit']).toMatch(/^"api-key"; r=2; t=\d+$/);
    expect(answers[2]!.headers['ratelimit']).toMatch(/^"api-key"; r=0; t=\d+$/);
    const refused = answers[3]!;
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('one key being throttled leaves the others alone', async () => {
    expect((await lookup(LIMITED)).status).toBe(429);
    expect((await lookup(KEYS.reader)).status).toBe(200);
  });

  it('the default is off (a campaign at full speed is never throttled): 300 requests in a burst all pass, uncounted', async () => {
    const statuses = await Promise.all(Array.from({ length: 300 }, async () => (await lookup(KEYS.reader)).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await lookup(KEYS.reader)).headers['ratelimit-policy']).toBeUndefined();
  });

  it('a key whose limit is off is never counted and gets no RateLimit headers', async () => {
    const res = await lookup(UNLIMITED);
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit']).toBeUndefined();
  });
});

describe('repeated failed authentication from one client (sqlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { env: { AUTH_FAILURES_PER_WINDOW: '5', AUTH_FAILURE_WINDOW_MS: '600000' }, now: '2026-11-25T20:00:00.000Z' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('after 5 failures in 10 minutes every /v1 request from that client is 429, a valid key included, until the window ends', async () => {
    for (let i = 0; i < 5; i++) {
      const wrong = await h.http.get('/v1/consent/+14155550100').set(bearer(`guess-${i}-0123456789abcdef`));
      expect(wrong.status).toBe(401);
    }
    const blocked = await h.http.get('/v1/consent/+14155550100').set(bearer(`guess-6-0123456789abcdef`));
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_auth_failures');
    expect(Number(blocked.headers['retry-after'])).toBe(600);

    // A right guess now must not be told so.
    const right = await h.http.get('/v1/consent/+14155550100').set(bearer(KEYS.reader));
    expect(right.status).toBe(429);
    // Carrier webhooks are not behind API keys and keep working.
    expect((await h.http.post(WEBHOOK).type('form').send(inboundParams(uniquePhone(), 'STOP'))).status).toBe(200);

    h.setNow('2026-11-25T20:09:00.000Z');
    expect(Number((await h.http.get('/v1/consent/+14155550100').set(bearer(KEYS.reader))).headers['retry-after'])).toBe(60);
    h.setNow('2026-11-25T20:10:00.000Z');
    expect((await h.http.get('/v1/consent/+14155550100').set(bearer(KEYS.reader))).status).toBe(200);
  });

  it('successful requests never count as failures', async () => {
    h.setNow('2026-11-25T21:00:00.000Z');
    const statuses = await Promise.all(Array.from({ length: 50 }, async () => (await h.http.get('/v1/consent/+14155550100').set(bearer(KEYS.reader))).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

describe('response headers (sqlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('every answer carries nosniff and no-store: API reads, errors, webhook answers, health', async () => {
    const phone = uniquePhone('303');
    const answers = {
      lookup: await h.http.get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader)),
      subjectExport: await h.http.get(`/v1/consent/${encodeURIComponent(phone)}/export`).set(bearer(KEYS.reader)),
      list: await h.http.get('/v1/consent').set(bearer(KEYS.reader)),
      send: await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Hi', category: 'transactional' }),
      unauthorized: await h.http.get(`/v1/consent/${encodeURIComponent(phone)}`),
      webhook: await h.http.post(WEBHOOK).type('form').send(inboundParams(phone, 'STOP')),
      badWebhook: await h.http.post(WEBHOOK).type('form').send({ Body: 'STOP' }),
      notFound: await h.http.get('/nope'),
      healthz: await h.http.get('/healthz'),
    };
    for (const [name, res] of Object.entries(answers)) {
      expect({ name, status: res.status < 500, nosniff: res.headers['x-content-type-options'], cache: res.headers['cache-control'], frame: res.headers['x-frame-options'] }).toEqual({
        name,
        status: true,
        nosniff: 'nosniff',
        cache: 'no-store',
        frame: 'SAMEORIGIN',
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    expect(answers.webhook.text).toContain('<Message>');
  });
});

/** Texts one flooding number has already sent today: enough that reading them all is slow. */
const FLOOD_BACKLOG = 100_000;

describe.each(DIALECTS)('automatic reply limits per number (%s)', (dialect) => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof listenOnLoopback>>;
  let port: number;
  beforeAll(async () => {
    h = await startHarness(dialect, { now: '2026-11-25T20:00:00.000Z' });
    server = await listenOnLoopback(h);
    port = server.port;
  });
  afterAll(async () => {
    await server.close();
    await h.stop();
  });

  const events = (phone: string) =>
    h.ctx.db.selectFrom('consent_events').select(['event_type', 'evidence']).where('phone', '=', phone).orderBy('id').execute();

  it('STOP/START alternation: every change recorded, every STOP confirmed, START confirmed 3 times a day', async () => {
    const phone = uniquePhone('720');
    const replies: (string | null)[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await h.http.post(WEBHOOK).type('form').send(inboundParams(phone, i % 2 === 0 ? 'STOP' : 'START'));
      expect(res.status).toBe(200);
      replies.push(/<Message>/.test(res.text) ? (i % 2 === 0 ? 'out' : 'in') : null);
    }
    expect(replies.filter((r) => r === 'out')).toHaveLength(10);
    expect(replies.filter((r) => r === 'in')).toHaveLength(3);
    const recorded = await events(phone);
    expect(recorded.map((e) => e.event_type)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'opt_out' : 'opt_in')));
    const confirmed = recorded.map((e) => (JSON.parse(String(e.evidence)) as { confirmationSent: boolean }).confirmationSent);
    expect(confirmed.filter(Boolean)).toHaveLength(13);

    // A day later the first START is confirmed again.
    expect(await h.http.post(WEBHOOK).type('form').send(inboundParams(phone, 'STOP')).then((r) => r.text)).toContain('<Message>');
    h.setNow('2026-11-26T20:00:01.000Z');
    try {
      expect(await h.http.post(WEBHOOK).type('form').send(inboundParams(phone, 'START')).then((r) => r.text)).toContain('<Message>');
    } finally {
      h.setNow('2026-11-25T20:00:00.000Z');
    }
  });

  it("a HELP flood from one number leaves other numbers' STOP latency near its latency alone", async () => {
    const flooder = uniquePhone('505');
    const row = (i: number, replyKind: 'help' | null) => ({
      message_sid: `SMflood${dialect}${String(i).padStart(10, '0')}`,
      phone: flooder,
      to_number: '+15005550006',
      account_sid: null,
      body: 'HELP',
      opt_out_type: null,
      intent: 'help' as const,
      matched_keyword: 'HELP',
      classification_rule: 'keyword',
      note: replyKind ? null : 'help reply limit reached for today',
      reply_kind: replyKind,
      reply_text: replyKind ? 'help text' : null,
      received_at: `2026-11-25T${String(10 + Math.floor(i / 20_000)).padStart(2, '0')}:00:00.000Z`,
    });
    await h.ctx.db.transaction().execute(async (trx) => {
      for (let start = 0; start < FLOOD_BACKLOG; start += 1_000) {
        await trx
          .insertInto('inbound_messages')
          .values(Array.from({ length: 1_000 }, (_, j) => row(start + j, start + j < 3 ? 'help' : null)))
          .execute();
      }
    });
    if (dialect === 'postgres') await sql`analyze inbound_messages`.execute(h.ctx.db);

    await stopLatencies(port, 5, '917'); // warm-up
    const alone = median(await stopLatencies(port, 30, '917'));

    let flooding = true;
    const answers: string[] = [];
    const floodClient = async () => {
      const agent = new http.Agent({ keepAlive: true });
      try {
        for (let i = 0; i < 300 && flooding; i++) {
          const form = new URLSearchParams(inboundParams(flooder, 'HELP')).toString();
          const res = await post(port, WEBHOOK, form, { 'Content-Type': 'application/x-www-form-urlencoded' }, agent);
          answers.push(String(res.status));
        }
      } finally {
        agent.destroy();
      }
    };
    const flood = Array.from({ length: 8 }, floodClient);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const underFlood = median(await stopLatencies(port, 30, '917'));
    flooding = false;
    await Promise.all(flood);

    expect(answers.length).toBeGreaterThan(8);
    expect(answers.every((status) => status === '200')).toBe(true);
    // The flooder got no HELP answer: it had its 3 for the day already.
    const answered = await h.ctx.db.selectFrom('inbound_messages').select('id').where('phone', '=', flooder).where('reply_kind', 'is not', null).execute();
    expect(answered).toHaveLength(3);
    // Generous: before, each HELP counted the number's whole day of texts inside the writer transaction.
    expect(underFlood).toBeLessThan(alone * 5 + 30);
  });
});
