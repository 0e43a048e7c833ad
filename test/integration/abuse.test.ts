import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DIALECTS } from '../helpers/databases';
import { bearer, EVIDENCE, inboundParams, KEYS, startHarness, uniquePhone, type Harness } from '../helpers/harness';

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

async function stopLatencies(port: number, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const form = new URLSearchParams(inboundParams(uniquePhone('646'), 'STOP')).toString();
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
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    // The failed-authentication gate is lifted here, so what is measured is authentication before parsing.
    h = await startHarness('sqlite', { env: { AUTH_FAILURES_PER_WINDOW: '1000000' } });
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
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
