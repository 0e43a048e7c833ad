import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { baselineArgs, gatewayArgs, memoryMb, ROOT, startServer, type Running } from './processes';
import { phoneAt, seedLedger } from './seed';
import { classifyInbound } from '../src/keywords/keyword-engine';
import { compact, normaliseForKeywords } from '../src/keywords/normalise';

/**
 * `npm run bench` (full) or `npm run bench -- --quick` (CI: proves it runs).
 * Options: --no-postgres, --only=throughput|ledger|classify.
 * Every figure that has a target is compared with a baseline measured in this same run.
 */
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const WITH_POSTGRES = !argv.includes('--no-postgres');
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const DURATION = QUICK ? 2 : 10;
const CONNECTIONS = 50;
const KEY = 'bench-admin-secret-0000001';
const AUTH = { authorization: `Bearer ${KEY}` };

interface Row {
  scenario: string;
  database: string;
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  ratio?: number;
  target?: string;
  met?: boolean;
  memoryMb?: number;
  note?: string;
}
const rows: Row[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Load {
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  total: number;
}

async function load(
  url: string,
  request: { method: 'GET' | 'POST'; path: string | (() => string); headers?: Record<string, string>; body?: () => string },
  options: { connections?: number; duration?: number; amount?: number } = {},
): Promise<Load> {
  const result = await autocannon({
    url,
    connections: options.connections ?? CONNECTIONS,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? DURATION }),
    requests: [
      {
        method: request.method,
        path: typeof request.path === 'string' ? request.path : '/',
        headers: request.headers,
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          ...(typeof request.path === 'function' ? { path: request.path() } : {}),
          ...(request.body ? { body: request.body() } : {}),
        }),
      },
    ],
  });
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

// ---- databases -------------------------------------------------------------------------------

interface BenchDb {
  name: 'sqlite' | 'postgres';
  env: Record<string, string>;
  sizeMb(): Promise<number>;
  /** Reads the whole database once, so the OS page cache holds it, as on a server that has been up a while. */
  warm(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * Empties the OS page cache (Linux, as root), so that a figure can be taken cold. Not in quick
 * runs: it slows everything else on the machine for a while. False when not allowed.
 */
function dropOsPageCache(): boolean {
  if (QUICK) return false;
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return true;
  } catch {
    return false;
  }
}

async function sqliteDb(dir: string, name: string): Promise<BenchDb> {
  const path = join(dir, `${name}.db`);
  return {
    name: 'sqlite',
    env: { DATABASE_URL: `sqlite:${path}` },
    sizeMb: async () => ['', '-wal'].reduce((sum, s) => sum + (existsSync(path + s) ? statSync(path + s).size : 0), 0) / 1e6,
    warm: async () => {
      for (const file of [path, `${path}-wal`].filter((f) => existsSync(f))) {
        for await (const _ of createReadStream(file, { highWaterMark: 1 << 20 })) void _;
      }
    },
    drop: async () => undefined,
  };
}

async function postgresDb(name: string): Promise<BenchDb> {
  const schema = `bench_${name}_${process.pid}`;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      return await client.query(query);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    env: { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '20' },
    sizeMb: async () =>
      Number(
        (await admin(`select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${schema}' and c.relkind in ('r', 'm')`)).rows[0].bytes,
      ) / 1e6,
    warm: async () => {
      // pg_prewarm (contrib) reads every table and index of the schema into the OS page cache.
      // Where it is not installed, full scans read the tables at least.
      try {
        await admin('create extension if not exists pg_prewarm');
        await admin(
          `select pg_prewarm(c.oid, 'read') from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${schema}' and c.relkind in ('r', 'i')`,
        );
      } catch (err) {
        log(`  pg_prewarm unavailable (${(err as Error).message}): scanning the tables instead`);
        for (const table of ['consent_state', 'consent_events']) await admin(`select count(*) from ${schema}.${table}`);
      }
    },
    drop: async () => void (await admin(`drop schema if exists ${schema} cascade`)),
  };
}

async function gateway(db: BenchDb, extra: Record<string, string> = {}): Promise<Running> {
  return startServer(gatewayArgs, { ...db.env, API_KEYS: `${KEY}:admin:bench`, LOG_LEVEL: 'warn', NODE_ENV: 'development', ...extra });
}

// ---- throughput: the send path and the inbound STOP path against bare Express ----------------

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ROUNDS = QUICK ? 1 : 3;

/**
 * Throughput against bare Express. The baseline and the gateway run in alternating rounds (baseline,
 * gateway, baseline, gateway…) and each side's median is taken, so a noisy moment on this shared
 * machine hits both sides rather than skewing the ratio.
 */
async function throughput(dbs: BenchDb[]): Promise<void> {
  const numbers = 10_000;
  let i = 0;
  const sendBody = () => JSON.stringify({ to: phoneAt(i++ % numbers), body: 'Your appointment is confirmed for Tuesday at 3pm.', category: 'transactional' });
  let sid = 0;
  const stopBody = () => new URLSearchParams({ MessageSid: `SMbench${process.pid}x${sid++}`, From: phoneAt(sid % numbers), To: '+15005550006', Body: 'STOP' }).toString();
  // An ordinary reply takes the classifier's longest path (every clause read, no keyword decides early).
  const replyBody = () =>
    new URLSearchParams({
      MessageSid: `SMbench${process.pid}r${sid++}`,
      From: phoneAt(sid % numbers),
      To: '+15005550006',
      Body: "Hi! I can't make it Tuesday at 3, could we move my facial to Thursday afternoon? Also is the 20% off still on? Thanks so much 😊",
    }).toString();
  const scenarios = [
    { name: 'POST /v1/messages (outbox), durable', baseline: 'baseline: bare Express + express.json', request: { method: 'POST' as const, path: '/v1/messages', headers: { ...AUTH, 'content-type': 'application/json' }, body: sendBody } },
    { name: 'POST /webhooks/twilio/sms STOP, durable', baseline: 'baseline: bare Express + urlencoded', request: { method: 'POST' as const, path: '/webhooks/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: stopBody } },
    { name: 'POST /webhooks/twilio/sms, an ordinary 130-character reply, durable', baseline: 'baseline: bare Express + urlencoded (same body)', request: { method: 'POST' as const, path: '/webhooks/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: replyBody } },
  ];
  const duration = QUICK ? 2 : 5;
  const baseline = await startServer(baselineArgs, {});
  const gateways: { db: BenchDb; gw: Running }[] = [];
  for (const db of dbs) {
    log(`throughput on ${db.name}: seeding ${numbers} opted-in numbers`);
    await seedLedger({ env: db.env, numbers, events: numbers });
    gateways.push({ db, gw: await gateway(db) });
  }
  try {
    for (const scenario of scenarios) {
      await load(baseline.url, scenario.request, { duration: 1 });
      for (const { gw } of gateways) await load(gw.url, scenario.request, { duration: 1 });
      const base: Load[] = [];
      const results = new Map<BenchDb, Load[]>(dbs.map((db) => [db, []]));
      for (let round = 0; round < ROUNDS; round++) {
        base.push(await load(baseline.url, scenario.request, { duration }));
        for (const { db, gw } of gateways) results.get(db)!.push(await load(gw.url, scenario.request, { duration }));
      }
      const baseRate = median(base.map((l) => l.reqPerSec));
      rows.push({ scenario: scenario.baseline, database: '-', reqPerSec: baseRate, p50Ms: median(base.map((l) => l.p50)), p99Ms: median(base.map((l) => l.p99)), note: `${ROUNDS} rounds of ${duration} s, median` });
      for (const { db, gw } of gateways) {
        const runs = results.get(db)!;
        const rate = median(runs.map((l) => l.reqPerSec));
        const p99 = median(runs.map((l) => l.p99));
        const failures = runs.reduce((sum, l) => sum + l.non2xx + l.errors, 0);
        rows.push({
          scenario: scenario.name,
          database: db.name,
          reqPerSec: rate,
          p50Ms: median(runs.map((l) => l.p50)),
          p99Ms: p99,
          ratio: rate / baseRate,
          target: '>= 0.6 x baseline, p99 < 30 ms',
          met: rate >= 0.6 * baseRate && p99 < 30 && failures === 0,
          memoryMb: memoryMb(gw.pid).peak,
          note: failures ? `${failures} non-2xx or errors` : undefined,
        });
      }
    }
  } finally {
    await baseline.stop();
    for (const { gw } of gateways) await gw.stop();
  }
}

// ---- the classifier ---------------------------------------------------------------------------

/**
 * Every labelled text of fixtures/ through the classifier, in process: texts per second and the
 * time per text (p50, p99, slowest), against Twilio's own rule (normalise, then look the whole
 * message up in a keyword table) measured on the same texts in the same run.
 */
function classification(): void {
  const corpusFiles = ['fixtures/revocation-corpus.json', 'fixtures/revocation/development.json', 'fixtures/revocation/held-out.json', 'fixtures/revocation/reserve.json'];
  const texts = corpusFiles.flatMap((f) => (JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as { items: { text: string }[] }).items.map((i) => i.text));
  const keywords = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'START', 'YES', 'UNSTOP', 'HELP', 'INFO']);
  const twilioRule = (text: string) => keywords.has(compact(normaliseForKeywords(text)));
  const rounds = QUICK ? 3 : 20;
  const measure = (name: string, fn: (text: string) => unknown) => {
    for (const text of texts) fn(text); // warm-up: compile the regular expressions, let the JIT settle
    const perText: number[] = [];
    const started = process.hrtime.bigint();
    for (let round = 0; round < rounds; round++) {
      for (const text of texts) {
        const t0 = process.hrtime.bigint();
        fn(text);
        perText.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    perText.sort((a, b) => a - b);
    const at = (q: number) => perText[Math.min(perText.length - 1, Math.floor(q * perText.length))]!;
    return { name, rate: perText.length / seconds, p50: at(0.5), p99: at(0.99), max: perText[perText.length - 1]! };
  };
  const base = measure('baseline', twilioRule);
  const full = measure('classifier', classifyInbound);
  const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  rows.push({ scenario: `classify a text, baseline: Twilio's whole-message keyword rule`, database: '-', reqPerSec: base.rate, note: `${texts.length} texts x ${rounds}; p50 ${us(base.p50)}, p99 ${us(base.p99)}; texts/s in the req/s column` });
  rows.push({
    scenario: 'classify a text: the revocation classifier',
    database: '-',
    reqPerSec: full.rate,
    ratio: full.rate / base.rate,
    p99Ms: full.p99,
    target: 'p99 < 1 ms',
    met: full.p99 < 1,
    note: `${texts.length} texts x ${rounds}; p50 ${us(full.p50)}, p99 ${us(full.p99)}, slowest ${us(full.max)}`,
  });
}

// ---- the ledger at scale ---------------------------------------------------------------------

function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'ledger.js'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function timed(n: number, fn: () => Promise<void>): Promise<{ p50: number; p99: number; max: number }> {
  const times: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times) };
}

async function ledger(db: BenchDb, numbers: number, events: number, dir: string): Promise<void> {
  const label = `${(numbers / 1e6).toLocaleString('en-US')}M numbers, ${(events / 1e6).toLocaleString('en-US')}M events`;
  log(`ledger on ${db.name}: seeding ${label}`);
  const seedStart = performance.now();
  await seedLedger({ env: db.env, numbers, events, onProgress: (n) => process.stderr.write(`\r  ${n.toLocaleString('en-US')} events`) });
  process.stderr.write('\n');
  log(`  seeded in ${((performance.now() - seedStart) / 1000).toFixed(0)} s`);
  const size = await db.sizeMb();

  const empty = db.name === 'sqlite' ? await sqliteDb(dir, 'empty') : await postgresDb('empty');
  const emptyGw = await gateway(empty);
  const emptyStart = emptyGw.startMs;
  await emptyGw.stop();
  await empty.drop();

  // Start-up and the first requests with nothing of the database in memory (a server's boot),
  // where the machine allows emptying the OS page cache; then the rest with the database read
  // once into it (a server that has been running). Both are reported.
  const cold = dropOsPageCache();
  const cache = cold ? 'OS page cache emptied first' : 'OS page cache as the seeding left it';
  const gw = await gateway(db);
  rows.push({ scenario: `start-up with ${label}`, database: db.name, p50Ms: gw.startMs, target: '< 2 s', met: gw.startMs < 2000, note: `${cache}; empty ledger: ${emptyStart.toFixed(0)} ms` });
  rows.push({ scenario: `database size`, database: db.name, note: `${size.toFixed(0)} MB, ${(size / (events / 1e6)).toFixed(0)} MB per million events` });

  const randomPhone = () => phoneAt(Math.floor(Math.random() * numbers));
  const checkOnce = (phones: string[]) => async () => {
    const res = await fetch(`${gw.url}/v1/consent/check`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ category: 'marketing', phones }) });
    await res.arrayBuffer();
  };
  // Latency is the time one request takes (one connection); throughput under 10 is shown beside it.
  const lookup = { method: 'GET' as const, path: () => `/v1/consent/${encodeURIComponent(randomPhone())}`, headers: AUTH };
  if (cold) {
    const firstCheck = await timed(1, checkOnce(Array.from({ length: 10_000 }, randomPhone)));
    rows.push({ scenario: 'POST /v1/consent/check, 10,000 numbers, cold: first request after start', database: db.name, p50Ms: firstCheck.max, note: cache });
    const coldLookups = await load(gw.url, lookup, { connections: 1, amount: 200 });
    rows.push({ scenario: 'GET /v1/consent/:phone, cold: 200 requests after that', database: db.name, p50Ms: coldLookups.p50, p99Ms: coldLookups.p99, note: cache });
  }
  const warmStart = performance.now();
  await db.warm();
  log(`  database read into the OS page cache in ${((performance.now() - warmStart) / 1000).toFixed(1)} s`);
  const one = await load(gw.url, lookup, { connections: 1 });
  rows.push({ scenario: 'GET /v1/consent/:phone (1 connection, warm)', database: db.name, reqPerSec: one.reqPerSec, p50Ms: one.p50, p99Ms: one.p99, target: 'p99 < 5 ms', met: one.p99 < 5 && !one.non2xx });
  const ten = await load(gw.url, lookup, { connections: 10 });
  rows.push({ scenario: 'GET /v1/consent/:phone (10 connections, warm)', database: db.name, reqPerSec: ten.reqPerSec, p50Ms: ten.p50, p99Ms: ten.p99 });

  const start = Date.UTC(2025, 0, 1);
  const since = () => new Date(start + Math.floor(Math.random() * events) * 1000).toISOString();
  for (const limit of [100, 1000]) {
    // Timed by autocannon on one connection, like the lookups: fetch() in this process, which
    // holds the seeding's garbage, added its own pauses to the tail (p99 8-16 ms where autocannon
    // saw 4-5 ms for the same pages).
    const pages = { method: 'GET' as const, path: () => `/v1/consent?limit=${limit}&since=${since()}`, headers: AUTH };
    // The first requests of a kind compile its code paths and statements: timed apart, and shown.
    const warmUp = await load(gw.url, pages, { connections: 1, amount: 5 });
    const amount = QUICK ? 20 : 300;
    const page = await load(gw.url, pages, { connections: 1, amount });
    rows.push({ scenario: `GET /v1/consent page of ${limit}`, database: db.name, p50Ms: page.p50, p99Ms: page.p99, target: '< 20 ms', met: page.p99 < 20 && !page.non2xx, note: `warm; ${amount} requests after 5 warm-up ones, slowest of those ${warmUp.max.toFixed(0)} ms; slowest of all ${page.max.toFixed(0)} ms` });
  }

  const checks = QUICK ? 3 : 20;
  const check = await timed(checks, checkOnce(Array.from({ length: 10_000 }, randomPhone)));
  rows.push({ scenario: 'POST /v1/consent/check, 10,000 numbers', database: db.name, p50Ms: check.p50, p99Ms: check.max, target: '< 250 ms', met: check.max < 250, note: `warm; p99 column: the slowest of ${checks}, the first included` });

  await gw.stop();

  // The export in a fresh process, so its peak memory is the export's own.
  const exporter = await gateway(db);
  const exportStart = performance.now();
  const res = await fetch(`${exporter.url}/v1/consent/export?format=csv`, { headers: AUTH });
  let exported = -1; // the header row
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) for (const b of chunk) if (b === 10) exported += 1;
  const exportSeconds = (performance.now() - exportStart) / 1000;
  const exportPeak = memoryMb(exporter.pid).peak;
  rows.push({
    scenario: `export CSV, ${exported.toLocaleString('en-US')} numbers`,
    database: db.name,
    reqPerSec: exported / exportSeconds,
    memoryMb: exportPeak,
    target: '>= 100,000 rows/s, peak RSS < 250 MB',
    met: exported === numbers && exported / exportSeconds >= 100_000 && exportPeak < 250,
    note: 'rows/s in the req/s column',
  });
  await exporter.stop();

  const importRows = QUICK ? 20_000 : 200_000;
  const csv = join(dir, `import-${db.name}.csv`);
  const lines = ['phone,date,note'];
  for (let k = 0; k < importRows; k++) lines.push(`${phoneAt(numbers + k)},2026-01-0${1 + (k % 9)}T10:00:00Z,bench`);
  writeFileSync(csv, lines.join('\n'));
  const summary = JSON.parse(await runCli(['import', csv, '--json'], db.env)) as { imported: number; elapsedMs: number };
  const rate = summary.imported / (summary.elapsedMs / 1000);
  rows.push({ scenario: `CSV import, ${importRows.toLocaleString('en-US')} opt-outs`, database: db.name, reqPerSec: rate, target: '>= 50,000 rows/s', met: rate >= 50_000 && summary.imported === importRows, note: 'rows/s in the req/s column' });
}

// ---- report ----------------------------------------------------------------------------------

function table(): string {
  const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const header = '| scenario | db | req/s | p50 ms | p99 ms | ratio | RSS MB | target | met |';
  const lines = rows.map(
    (r) =>
      `| ${r.scenario}${r.note ? ` (${r.note})` : ''} | ${r.database} | ${fmt(r.reqPerSec)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.ratio === undefined ? '' : fmt(r.ratio, 2)} | ${fmt(r.memoryMb)} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'} |`,
  );
  return [header, '| --- | --- | --: | --: | --: | --: | --: | --- | --- |', ...lines].join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  const started = new Date();
  const dbs: BenchDb[] = [await sqliteDb(dir, 'throughput')];
  if (WITH_POSTGRES) dbs.push(await postgresDb('throughput'));
  try {
    if (!ONLY || ONLY === 'classify') classification();
    if (!ONLY || ONLY === 'throughput') await throughput(dbs);
    if (!ONLY || ONLY === 'ledger') {
      await ledger(await sqliteDb(dir, 'ledger'), QUICK ? 20_000 : 1_000_000, QUICK ? 100_000 : 10_000_000, dir);
      if (WITH_POSTGRES) {
        const pgDb = await postgresDb('ledger');
        dbs.push(pgDb);
        await ledger(pgDb, QUICK ? 20_000 : 1_000_000, QUICK ? 100_000 : 2_000_000, dir);
      }
    }
  } finally {
    for (const db of dbs) await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const report = table();
  process.stdout.write(`\n${QUICK ? 'QUICK run (proves the suite runs; figures are not the targets)' : 'Full run'} on ${machine}, ${started.toISOString()}\n\n${report}\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  // A partial run (--only, --no-postgres) writes its own file: it must not replace the last whole run's record.
  const part = [ONLY, WITH_POSTGRES ? undefined : 'no-postgres'].filter(Boolean).join('-');
  const file = join(ROOT, 'bench', 'results', `${QUICK ? 'quick' : 'full'}${part ? `-${part}` : ''}-latest.json`);
  writeFileSync(file, `${JSON.stringify({ quick: QUICK, machine, startedAt: started.toISOString(), rows }, null, 2)}\n`);
  process.stdout.write(`\nwritten to ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
