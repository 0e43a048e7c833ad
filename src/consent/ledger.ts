import { sql, type Transaction } from 'kysely';
import type { Database, DbOrTransaction, Dialect } from '../db';
import { bulkChunkRows, bulkInsert } from '../db/bulk';
import { prepared } from '../db/prepared';
import { chainHash, chainHeadFor, contentDigest, GENESIS, lockChain, recordAppendedHead, type EventContent } from './chain';
import type { ConsentChannel, ConsentEventRow, ConsentStatus } from '../db/tables/consent-event';
import type { ConsentStateRow } from '../db/tables/consent-state';
import { parseCategories, serialiseCategories, type Category } from './categories';

/** Query functions for the consent ledger. They take `db` first and never open transactions. */

export interface CurrentConsent {
  status: ConsentStatus;
  categories: Category[];
  updatedAt: string | null;
  lastChannel: ConsentChannel | null;
}

const selectState = prepared((db, phone: string) => db.selectFrom('consent_state').selectAll().where('phone', '=', phone));

export async function getConsentState(db: DbOrTransaction, phone: string): Promise<ConsentStateRow | undefined> {
  return (await selectState(db, phone)).rows[0];
}

export async function getCurrentConsent(db: DbOrTransaction, phone: string): Promise<CurrentConsent> {
  const row = await getConsentState(db, phone);
  if (!row) return { status: 'unknown', categories: [], updatedAt: null, lastChannel: null };
  return {
    status: row.status,
    categories: parseCategories(row.categories),
    updatedAt: row.updated_at,
    lastChannel: row.last_channel,
  };
}

export interface ConsentEventInput {
  phone: string;
  eventType: 'opt_in' | 'opt_out';
  previousStatus: ConsentStatus;
  status: 'opted_in' | 'opted_out';
  categories: readonly Category[];
  channel: ConsentChannel;
  keyword?: string | null;
  rawText?: string | null;
  messageSid?: string | null;
  evidence: Record<string, unknown>;
  actor: string;
  occurredAt: string;
  recordedAt: string;
}

const EVENT_COLUMNS = [
  'phone', 'event_type', 'previous_status', 'status', 'categories', 'channel', 'keyword', 'raw_text',
  'message_sid', 'evidence', 'actor', 'occurred_at', 'recorded_at',
] as const satisfies readonly (keyof EventContent)[];

const insertEvent = prepared((db, ...values: unknown[]) =>
  db
    .insertInto('consent_events')
    .values({
      ...(Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, values[i]])) as unknown as EventContent),
      content_digest: values[EVENT_COLUMNS.length] as string,
      chain_hash: values[EVENT_COLUMNS.length + 1] as string,
      erased_at: null,
    })
    .returning('id'),
);

const upsertState = prepared(
  (db, phone: string, status: 'opted_in' | 'opted_out', categories: string, lastEventId: number, channel: ConsentChannel, at: string) => {
    const state = { status, categories, last_event_id: lastEventId, last_channel: channel, updated_at: at };
    return db
      .insertInto('consent_state')
      .values({ phone, ...state })
      .onConflict((oc) => oc.column('phone').doUpdateSet(state));
  },
);

/**
 * Appends one event and moves the number's current state with it. Must run inside the
 * caller's transaction so that the two never disagree.
 */
export async function appendConsentEvent(
  trx: Transaction<Database>,
  dialect: Dialect,
  input: ConsentEventInput,
): Promise<number> {
  const categories = serialiseCategories(input.categories);
  const content: EventContent = {
    phone: input.phone,
    event_type: input.eventType,
    previous_status: input.previousStatus,
    status: input.status,
    categories,
    channel: input.channel,
    keyword: input.keyword ?? null,
    raw_text: input.rawText ?? null,
    message_sid: input.messageSid ?? null,
    evidence: JSON.stringify(input.evidence),
    actor: input.actor,
    occurred_at: input.occurredAt,
    recorded_at: input.recordedAt,
  };
  const digest = contentDigest(content);
  await lockChain(trx, dialect);
  if (dialect === 'postgres') return appendChainedOnPostgres(trx, content, digest, input.recordedAt);
  const chained = chainHash(await chainHeadFor(trx), digest);
  const inserted = await insertEvent(trx, ...EVENT_COLUMNS.map((c) => content[c]), digest, chained);
  recordAppendedHead(trx, chained);
  const id = Number(inserted.rows[0]!.id);
  await upsertState(trx, input.phone, input.status, categories, id, input.channel, input.recordedAt);
  return id;
}

/**
 * PostgreSQL's form of the append above: the chain head, the event and the state in one
 * statement. Appending holds the database-wide chain lock until COMMIT, so every round trip made
 * under it caps how many consent changes all instances together can record per second: here one
 * instead of three. The link is computed by PostgreSQL's sha256 over the same bytes chainHash()
 * hashes (two hex strings), and the statement's snapshot is taken after the lock, so the head it
 * reads is the last committed one.
 */
async function appendChainedOnPostgres(trx: Transaction<Database>, content: EventContent, digest: string, recordedAt: string): Promise<number> {
  const c = content;
  const { rows } = await sql<{ id: number | string; chain_hash: string }>`
    with head as (
      select coalesce(
        (select chain_hash from consent_events where chain_hash is not null order by id desc limit 1),
        ${GENESIS}
      ) as chain_hash
    ), event as (
      insert into consent_events (phone, event_type, previous_status, status, categories, channel, keyword, raw_text,
        message_sid, evidence, actor, occurred_at, recorded_at, content_digest, chain_hash, erased_at)
      select ${c.phone}, ${c.event_type}, ${c.previous_status}, ${c.status}, ${c.categories}, ${c.channel}, ${c.keyword},
        ${c.raw_text}, ${c.message_sid}, ${c.evidence}, ${c.actor}, ${c.occurred_at}, ${c.recorded_at}, ${digest},
        encode(sha256(convert_to(head.chain_hash || ${digest}, 'UTF8')), 'hex'), null
      from head
      returning id, chain_hash
    )
    insert into consent_state (phone, status, categories, last_event_id, last_channel, updated_at)
    select ${c.phone}, ${c.status}, ${c.categories}, event.id, ${c.channel}, ${recordedAt} from event
    on conflict (phone) do update set status = excluded.status, categories = excluded.categories,
      last_event_id = excluded.last_event_id, last_channel = excluded.last_channel, updated_at = excluded.updated_at
    returning last_event_id as id, (select chain_hash from event) as chain_hash`.execute(trx);
  recordAppendedHead(trx, rows[0]!.chain_hash);
  return Number(rows[0]!.id);
}

export async function listConsentEvents(db: DbOrTransaction, phone: string): Promise<ConsentEventRow[]> {
  return db.selectFrom('consent_events').selectAll().where('phone', '=', phone).orderBy('id', 'asc').execute();
}

/**
 * The instant of the number's latest opt-out, from any channel: when it happened (occurred_at,
 * which an import may date in the past), compared as instants, not as strings (stored times may
 * carry any offset). Null if the number never opted out.
 */
export async function latestOptOutAt(db: DbOrTransaction, phone: string): Promise<Date | null> {
  const rows = await db
    .selectFrom('consent_events')
    .select(['occurred_at', 'recorded_at'])
    .where('phone', '=', phone)
    .where('event_type', '=', 'opt_out')
    .execute();
  let latest = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    const occurred = Date.parse(row.occurred_at);
    // An unreadable time is never a reason to let consent through: fall back to when it was recorded.
    latest = Math.max(latest, Number.isNaN(occurred) ? Date.parse(row.recorded_at) : occurred);
  }
  return rows.length === 0 ? null : new Date(latest);
}

export interface OptOutInput {
  phone: string;
  channel: ConsentChannel;
  actor: string;
  evidence: Record<string, unknown>;
  messageSid?: string | null;
  rawText?: string | null;
  keyword?: string | null;
  occurredAt: string;
  recordedAt: string;
}

/**
 * Records an opt-out from any channel (carrier feedback, staff, e-mail…): the number is opted
 * out of every category, keeping the categories it held so that a later opt-in can restore them.
 */
export async function appendOptOut(trx: Transaction<Database>, dialect: Dialect, input: OptOutInput): Promise<number> {
  const current = await getCurrentConsent(trx, input.phone);
  return appendConsentEvent(trx, dialect, {
    ...input,
    eventType: 'opt_out',
    previousStatus: current.status,
    status: 'opted_out',
    categories: current.categories,
    evidence: { ...input.evidence, repeat: current.status === 'opted_out' },
  });
}

export interface BulkOptOut {
  phone: string;
  channel: ConsentChannel;
  actor: string;
  evidence: Record<string, unknown>;
  occurredAt: string;
  recordedAt: string;
  /** The number's state before, as the caller read it in this transaction. */
  previousStatus: ConsentStatus;
  categories: readonly Category[];
}

/** Event columns in the order a bulk insert writes them: the content, then the seal. */
const BULK_EVENT_COLUMNS = [...EVENT_COLUMNS, 'content_digest', 'chain_hash'] as const;
const BULK_STATE_COLUMNS = ['phone', 'status', 'categories', 'last_event_id', 'last_channel', 'updated_at'] as const;
const UPSERT_STATE_TAIL =
  'on conflict ("phone") do update set "status" = excluded."status", "categories" = excluded."categories", ' +
  '"last_event_id" = excluded."last_event_id", "last_channel" = excluded."last_channel", "updated_at" = excluded."updated_at"';

/**
 * Appends many opt-outs at once (imports): one chain lock, the chain computed in memory, then
 * multi-row inserts of events and of states. Same rows, digests and chain as one by one.
 */
export async function appendOptOutsInBulk(trx: Transaction<Database>, dialect: Dialect, items: readonly BulkOptOut[]): Promise<void> {
  if (items.length === 0) return;
  await lockChain(trx, dialect);
  let previous = await chainHeadFor(trx);
  const events = items.map((item) => {
    const content: EventContent = {
      phone: item.phone,
      event_type: 'opt_out',
      previous_status: item.previousStatus,
      status: 'opted_out',
      categories: serialiseCategories(item.categories),
      channel: item.channel,
      keyword: null,
      raw_text: null,
      message_sid: null,
      evidence: JSON.stringify({ ...item.evidence, repeat: item.previousStatus === 'opted_out' }),
      actor: item.actor,
      occurred_at: item.occurredAt,
      recorded_at: item.recordedAt,
    };
    const digest = contentDigest(content);
    previous = chainHash(previous, digest);
    return { content, digest, chained: previous };
  });
  const idByHash = new Map<string, number>();
  const eventChunk = bulkChunkRows(BULK_EVENT_COLUMNS.length);
  for (let i = 0; i < events.length; i += eventChunk) {
    const rows = events.slice(i, i + eventChunk).map((e) => [...EVENT_COLUMNS.map((c) => e.content[c]), e.digest, e.chained]);
    const inserted = await trx.executeQuery<{ id: number | string; chain_hash: string }>(
      bulkInsert(dialect, 'consent_events', BULK_EVENT_COLUMNS, rows, { tail: 'returning "id", "chain_hash"' }),
    );
    // RETURNING promises no row order: match ids to events by their (unique) chain link.
    for (const r of inserted.rows) idByHash.set(r.chain_hash, Number(r.id));
  }
  recordAppendedHead(trx, previous);
  // One state row per number: the last of its events in this batch wins.
  const states = new Map<string, unknown[]>();
  for (const { content, chained } of events) {
    states.set(content.phone, [content.phone, 'opted_out', content.categories, idByHash.get(chained)!, content.channel, content.recorded_at]);
  }
  const stateRows = [...states.values()];
  const stateChunk = bulkChunkRows(BULK_STATE_COLUMNS.length);
  for (let i = 0; i < stateRows.length; i += stateChunk) {
    await trx.executeQuery(
      bulkInsert(dialect, 'consent_state', BULK_STATE_COLUMNS, stateRows.slice(i, i + stateChunk), {
        tail: UPSERT_STATE_TAIL,
        postgresTypes: { last_event_id: 'bigint' },
      }),
    );
  }
}
