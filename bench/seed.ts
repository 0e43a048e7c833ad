import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import pg from 'pg';
import { createApp } from '../src/app';
import { chainHash, contentDigest, GENESIS, type EventContent } from '../src/consent/chain';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';

/**
 * Seeds a ledger of `numbers` numbers and `events` consent events, fast, straight into the
 * database (the API would take hours for ten million events). The rows are what the gateway
 * writes itself: same columns, real digests and one valid hash chain, so `ledger verify` passes.
 * Numbers are +1 2xx 555 xxxx style, valid US numbers: phoneAt(i) gives the i-th.
 */
/** US area codes libphonenumber accepts (checked once), so every seeded number is a valid one. */
const AREA_CODES: number[] = [];
for (let npa = 201; npa <= 989; npa++) {
  if (parsePhoneNumberFromString(`+1${npa}2345678`)?.isValid()) AREA_CODES.push(npa);
}

export function phoneAt(i: number): string {
  const block = Math.floor(i / 10_000);
  const area = AREA_CODES[block % AREA_CODES.length];
  const exchange = 234 + Math.floor(block / AREA_CODES.length);
  return `+1${area}${exchange}${String(i % 10_000).padStart(4, '0')}`;
}

const CATEGORIES = '["marketing","informational","transactional"]';
const EVIDENCE = JSON.stringify({
  consentText: 'I agree to receive marketing texts from MedSpa Scale Systems. Consent is not a condition of purchase.',
  formUrl: 'https://medspascalesystems.com/join',
  ip: '203.0.113.7',
  source: 'web_form',
  reason: 'express_written_consent',
});

interface SeedOptions {
  env: Record<string, string>;
  numbers: number;
  events: number;
  onProgress?: (done: number) => void;
}

function* eventRows(numbers: number, events: number) {
  const start = Date.UTC(2025, 0, 1);
  // Each number gets an opt-in; the rest of the events alternate opt-out / opt-in over the numbers.
  for (let e = 0; e < events; e++) {
    const n = e % numbers;
    const round = Math.floor(e / numbers);
    const optIn = round % 2 === 0;
    const at = new Date(start + e * 1_000).toISOString();
    const content: EventContent = {
      phone: phoneAt(n),
      event_type: optIn ? 'opt_in' : 'opt_out',
      previous_status: round === 0 ? 'unknown' : optIn ? 'opted_out' : 'opted_in',
      status: optIn ? 'opted_in' : 'opted_out',
      categories: CATEGORIES,
      channel: optIn ? 'api' : 'sms_keyword',
      keyword: optIn ? null : 'STOP',
      raw_text: optIn ? null : 'STOP',
      message_sid: optIn ? null : `SM${createHash('md5').update(String(e)).digest('hex')}`,
      evidence: optIn ? EVIDENCE : '{"reason":"opt_out","rule":"exact_keyword"}',
      actor: optIn ? 'crm-sync' : 'sms',
      occurred_at: at,
      recorded_at: at,
    };
    yield { id: e + 1, content };
  }
}

export async function seedLedger(options: SeedOptions): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'test', ...options.env });
  const app = await createApp(config, { logger: createLogger({ level: 'warn', silent: true }) });
  await app.close();
  if (config.database.dialect === 'sqlite') seedSqlite(config.database.path, options);
  else await seedPostgres(config.database.url, config.database.schema, options);
}

function seedSqlite(path: string, { numbers, events, onProgress }: SeedOptions): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // seeding only: the gateway itself always runs synchronous=FULL
  const insertEvent = db.prepare(
    `insert into consent_events (id, phone, event_type, previous_status, status, categories, channel, keyword, raw_text,
       message_sid, evidence, actor, occurred_at, recorded_at, content_digest, chain_hash)
     values (@id, @phone, @event_type, @previous_status, @status, @categories, @channel, @keyword, @raw_text,
       @message_sid, @evidence, @actor, @occurred_at, @recorded_at, @content_digest, @chain_hash)`,
  );
  const upsertState = db.prepare(
    `insert into consent_state (phone, status, categories, last_event_id, last_channel, updated_at)
     values (?, ?, ?, ?, ?, ?)
     on conflict (phone) do update set status = excluded.status, categories = excluded.categories,
       last_event_id = excluded.last_event_id, last_channel = excluded.last_channel, updated_at = excluded.updated_at`,
  );
  let previous = GENESIS;
  const BATCH = 50_000;
  const rows = eventRows(numbers, events);
  for (let done = 0; done < events; done += BATCH) {
    db.transaction(() => {
      for (let i = 0; i < BATCH && done + i < events; i++) {
        const { id, content } = rows.next().value!;
        const digest = contentDigest(content);
        previous = chainHash(previous, digest);
        insertEvent.run({ id, ...content, content_digest: digest, chain_hash: previous });
        upsertState.run(content.phone, content.status, content.categories, id, content.channel, content.recorded_at);
      }
    })();
    onProgress?.(Math.min(done + BATCH, events));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function seedPostgres(url: string, schema: string | undefined, { numbers, events, onProgress }: SeedOptions): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: schema ? `-c search_path=${schema}` : undefined });
  await client.connect();
  try {
    let previous = GENESIS;
    const BATCH = 5_000;
    const rows = eventRows(numbers, events);
    for (let done = 0; done < events; done += BATCH) {
      const cols: unknown[][] = Array.from({ length: 16 }, () => []);
      const state = new Map<string, unknown[]>();
      for (let i = 0; i < BATCH && done + i < events; i++) {
        const { id, content } = rows.next().value!;
        const digest = contentDigest(content);
        previous = chainHash(previous, digest);
        const values = [id, content.phone, content.event_type, content.previous_status, content.status, content.categories,
          content.channel, content.keyword, content.raw_text, content.message_sid, content.evidence, content.actor,
          content.occurred_at, content.recorded_at, digest, previous];
        values.forEach((v, c) => cols[c]!.push(v));
        state.set(content.phone, [content.phone, content.status, content.categories, id, content.channel, content.recorded_at]);
      }
      await client.query('begin');
      await client.query(
        `insert into consent_events (id, phone, event_type, previous_status, status, categories, channel, keyword, raw_text,
           message_sid, evidence, actor, occurred_at, recorded_at, content_digest, chain_hash)
         select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
           $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])`,
        cols,
      );
      const s = [...state.values()];
      await client.query(
        `insert into consent_state (phone, status, categories, last_event_id, last_channel, updated_at)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
         on conflict (phone) do update set status = excluded.status, categories = excluded.categories,
           last_event_id = excluded.last_event_id, last_channel = excluded.last_channel, updated_at = excluded.updated_at`,
        [0, 1, 2, 3, 4, 5].map((c) => s.map((r) => r[c])),
      );
      await client.query('commit');
      onProgress?.(Math.min(done + BATCH, events));
    }
    await client.query(`select setval(pg_get_serial_sequence('consent_events', 'id'), $1)`, [events]);
    // What autovacuum does a while after a bulk load, done now so the figures do not depend on when
    // it wakes: the upserts left a dead row version per changed number, and until a vacuum marks
    // the pages all-visible the planner's index probes and index-only scans wade through them
    // (a page of 100 numbers took 100 ms to plan).
    for (const table of ['consent_events', 'consent_state']) await client.query(`vacuum analyze ${table}`);
  } finally {
    await client.end();
  }
}
