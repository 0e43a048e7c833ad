import { sql } from 'kysely';
import type { Category } from '../consent/categories';
import type { AppContext } from '../context';
import type { ConsentChannel, ConsentEventRow } from '../db/tables/consent-event';
import type { MessageRow } from '../db/tables/message';
import type { ReviewItemRow } from '../db/tables/review-item';

// Reads only the console needs (lists, charts, counts). Everything the /v1 API also shows (a
// number's state and history, the review queue, explain, export) comes from its own services.

export async function pendingReviewCount(ctx: AppContext): Promise<number> {
  const row = await ctx.committedReads
    .selectFrom('review_items')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function oldestPendingReview(ctx: AppContext): Promise<string | null> {
  const row = await ctx.committedReads
    .selectFrom('review_items')
    .select('created_at')
    .where('status', '=', 'pending')
    .orderBy('id', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at ?? null;
}

/** A number's consent status ('unknown' when it has none): what the review queue shows beside each item. */
export async function numberStatus(ctx: AppContext, phone: string): Promise<string> {
  const row = await ctx.committedReads.selectFrom('consent_state').select('status').where('phone', '=', phone).executeTakeFirst();
  return row?.status ?? 'unknown';
}

/** A number's latest inbound texts but one, newest first, at most `limit`: the review item's context. */
export async function recentInboundTexts(ctx: AppContext, phone: string, exceptSid: string | null, limit: number): Promise<{ at: string; body: string; intent: string }[]> {
  let query = ctx.committedReads.selectFrom('inbound_messages').select(['received_at', 'body', 'intent']).where('phone', '=', phone);
  if (exceptSid) query = query.where('message_sid', '!=', exceptSid);
  const rows = await query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ at: r.received_at, body: r.body, intent: r.intent }));
}

export async function reviewItemsForPhone(ctx: AppContext, phone: string): Promise<ReviewItemRow[]> {
  return ctx.committedReads.selectFrom('review_items').selectAll().where('phone', '=', phone).orderBy('id', 'asc').execute();
}

export interface OptOutFilters {
  since?: string;
  until?: string;
  channel?: ConsentChannel;
  category?: Category;
}

/** Opt-out events, newest first, before `beforeId`. */
export async function recentOptOuts(ctx: AppContext, filters: OptOutFilters, limit: number, beforeId?: number): Promise<ConsentEventRow[]> {
  let query = ctx.committedReads.selectFrom('consent_events').selectAll().where('event_type', '=', 'opt_out');
  if (filters.since) query = query.where('recorded_at', '>=', filters.since);
  if (filters.until) query = query.where('recorded_at', '<', filters.until);
  if (filters.channel) query = query.where('channel', '=', filters.channel);
  if (filters.category) query = query.where('categories', 'like', `%"${filters.category}"%`);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

export interface RefusalFilters {
  since?: string;
  until?: string;
  reason?: string;
  category?: Category;
}

export interface RefusalCursor {
  createdAt: string;
  id: string;
}

/** Refused sends, newest first, before `cursor` (keyset on created_at, id). */
export async function recentRefusals(ctx: AppContext, filters: RefusalFilters, limit: number, cursor?: RefusalCursor): Promise<MessageRow[]> {
  let query = ctx.committedReads.selectFrom('messages').selectAll().where('status', '=', 'refused');
  if (filters.since) query = query.where('created_at', '>=', filters.since);
  if (filters.until) query = query.where('created_at', '<', filters.until);
  if (filters.reason) query = query.where('refusal_code', '=', filters.reason);
  if (filters.category) query = query.where('category', '=', filters.category);
  if (cursor) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function refusalReasons(ctx: AppContext): Promise<string[]> {
  const rows = await ctx.committedReads
    .selectFrom('messages')
    .select('refusal_code')
    .distinct()
    .where('status', '=', 'refused')
    .where('refusal_code', 'is not', null)
    .execute();
  return rows.map((r) => r.refusal_code!).sort();
}

export interface DayCount {
  day: string;
  series: string;
  n: number;
}

const day = (column: 'recorded_at' | 'created_at') => sql<string>`substr(${sql.ref(column)}, 1, 10)`;

/** Opt-outs per UTC day and channel since `since`. */
export async function optOutsPerDay(ctx: AppContext, since: string): Promise<DayCount[]> {
  const rows = await ctx.committedReads
    .selectFrom('consent_events')
    .select([day('recorded_at').as('day'), 'channel as series', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('event_type', '=', 'opt_out')
    .where('recorded_at', '>=', since)
    .groupBy([day('recorded_at'), 'channel'])
    .execute();
  return rows.map((r) => ({ day: r.day, series: r.series, n: Number(r.n) }));
}

/** Sends per UTC day since `since`: `sent` for every send that was not refused, else the refusal's reason. */
export async function sendsPerDay(ctx: AppContext, since: string): Promise<DayCount[]> {
  const rows = await ctx.committedReads
    .selectFrom('messages')
    .select([day('created_at').as('day'), 'refusal_code', 'status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('kind', '=', 'send')
    .where('created_at', '>=', since)
    .groupBy([day('created_at'), 'refusal_code', 'status'])
    .execute();
  const merged = new Map<string, DayCount>();
  for (const r of rows) {
    const series = r.status === 'refused' ? `refused: ${r.refusal_code ?? 'unknown'}` : 'sent';
    const key = `${r.day}|${series}`;
    const entry = merged.get(key) ?? { day: r.day, series, n: 0 };
    entry.n += Number(r.n);
    merged.set(key, entry);
  }
  return [...merged.values()];
}

export interface LedgerStatus {
  events: number;
  lastEventId: number | null;
  lastCheckpoint: { signedAt: string; lastEventId: number; sequence: number | null } | null;
  eventsSinceCheckpoint: number;
}

export async function ledgerStatus(ctx: AppContext): Promise<LedgerStatus> {
  const [totals, checkpoint] = await Promise.all([
    ctx.committedReads
      .selectFrom('consent_events')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.max('id').as('last')])
      .executeTakeFirst(),
    ctx.committedReads.selectFrom('ledger_checkpoints').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst(),
  ]);
  const lastEventId = totals?.last === null || totals?.last === undefined ? null : Number(totals.last);
  let eventsSinceCheckpoint = Number(totals?.n ?? 0);
  if (checkpoint) {
    const after = await ctx.committedReads
      .selectFrom('consent_events')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('id', '>', Number(checkpoint.last_event_id))
      .executeTakeFirst();
    eventsSinceCheckpoint = Number(after?.n ?? 0);
  }
  return {
    events: Number(totals?.n ?? 0),
    lastEventId,
    lastCheckpoint: checkpoint
      ? { signedAt: checkpoint.signed_at, lastEventId: Number(checkpoint.last_event_id), sequence: checkpoint.sequence === null ? null : Number(checkpoint.sequence) }
      : null,
    eventsSinceCheckpoint,
  };
}
