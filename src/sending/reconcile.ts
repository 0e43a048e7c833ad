import { sql } from 'kysely';
import type { Config } from '../config';
import type { AppContext } from '../context';
import { lockPhone } from '../db';
import type { MessageRow } from '../db/tables/message';
import { findMessage, findMessageByTwilioSid, updateMessage } from './queries';
import { startPeriodicJob, type PeriodicJob } from '../jobs/periodic';

/**
 * How long a send may stay `pending` while a live gateway still waits for the transport: every
 * try with its timeout, the backoff between 429 retries, and a minute for the database writes
 * around them. A `pending` message older than this has no worker left (kill -9, power loss).
 */
export function inFlightBoundMs(config: Config): number {
  const { timeoutMs, maxRetries } = config.twilio;
  return timeoutMs * (maxRetries + 1) + maxRetries * 2_000 + 60_000;
}

/** Messages with no answer are looked up at the transport for this long, then left `unknown`. */
export const LOOKUP_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** Lookups per pass, the longest-unexamined first, so an unanswerable one does not block the rest. */
const LOOKUP_BATCH = 50;
/** How often the running gateway looks up `unknown` messages. */
export const RECONCILE_INTERVAL_MS = 60_000;

export const STOPPED_WHILE_PENDING =
  'no outcome was recorded within the in-flight bound (the gateway stopped between the decision and the transport\'s answer, or the database refused that answer): the text may have been sent';

/**
 * At start-up and on every reconciliation pass: a message still `pending` past the in-flight bound
 * has no worker left. Either a gateway stopped while sending it (before or after the transport
 * call; nobody knows which), or the transport took it and the database refused the outcome. It
 * becomes `unknown` and keeps its cap slot. It is never sent again (a second text is the TCPA
 * risk); lookups settle it. Pending rows are few: the partial index messages_pending_idx serves it.
 */
export async function markAbandonedSendsUnknown(ctx: AppContext): Promise<number> {
  const now = ctx.clock();
  const before = new Date(now.getTime() - inFlightBoundMs(ctx.config)).toISOString();
  const nowIso = now.toISOString();
  const marked = await ctx.transactions.run(async (trx) => {
    const result = await trx
      .updateTable('messages')
      .set({ status: 'unknown', error_message: STOPPED_WHILE_PENDING, updated_at: nowIso })
      // A literal, not a parameter, so both planners can use the partial index on pending rows.
      .where('status', '=', sql.lit('pending'))
      .where('updated_at', '<', before)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
  if (marked > 0) ctx.logger.warn('sends left pending past the in-flight bound are now unknown', { messages: marked });
  return marked;
}

export interface ReconcileCounts {
  /** Found at the transport: the SID and status recorded, the slot kept. */
  found: number;
  /** The transport certainly does not have it: failed, slot given back. */
  notSent: number;
  /** The transport could not tell (or could not be asked): still unknown, asked again later. */
  stillUnknown: number;
}

/**
 * Asks the transport about `unknown` messages it may have taken without answering. Only looks,
 * never sends. A message is matched by its number, its text and the time of the decision (Twilio
 * keeps no id of ours), and one transport message settles one of ours only.
 */
export async function lookUpUnknownMessages(ctx: AppContext): Promise<ReconcileCounts> {
  const counts: ReconcileCounts = { found: 0, notSent: 0, stillUnknown: 0 };
  const { transport } = ctx;
  if (!transport.findSent) return counts;
  const now = ctx.clock();
  const settledBefore = new Date(now.getTime() - inFlightBoundMs(ctx.config)).toISOString();
  const rows = await ctx.db
    .selectFrom('messages')
    .selectAll()
    .where('status', '=', 'unknown')
    .where('twilio_sid', 'is', null)
    .where('transport', '=', transport.name)
    // Twilio may create a message a little after our request gave up: let it settle first.
    .where('decided_at', '<', settledBefore)
    .where('decided_at', '>=', new Date(now.getTime() - LOOKUP_WINDOW_MS).toISOString())
    // An erased number cannot be looked up; the message stays unknown.
    .where('phone', 'not like', 'erased:%')
    .orderBy('updated_at', 'asc')
    .limit(LOOKUP_BATCH)
    .execute();
  for (const row of rows) counts[await settle(ctx, row)] += 1;
  if (rows.length > 0) ctx.logger.info('unknown sends looked up at the transport', { ...counts });
  return counts;
}

async function settle(ctx: AppContext, row: MessageRow): Promise<keyof ReconcileCounts> {
  let lookup;
  try {
    lookup = await ctx.transport.findSent!({ messageId: row.id, to: row.phone, body: row.body }, new Date(row.decided_at));
  } catch (err) {
    ctx.logger.warn('transport lookup failed', { messageId: row.id, err: (err as Error).message });
    lookup = null;
  }
  const nowIso = ctx.clock().toISOString();
  return ctx.transactions.run(async (trx) => {
    await lockPhone(trx, ctx.dialect, row.phone);
    const current = await findMessage(trx, row.id);
    // A status callback (or another instance) settled it meanwhile.
    if (!current || current.status !== 'unknown' || current.twilio_sid !== null) return 'found' as const;
    if (lookup) {
      for (const match of lookup.matches) {
        if (await findMessageByTwilioSid(trx, match.sid)) continue; // already another message's
        await updateMessage(trx, row.id, { status: match.status, twilio_sid: match.sid, updated_at: nowIso });
        return 'found' as const;
      }
      if (lookup.complete) {
        await updateMessage(trx, row.id, {
          status: 'failed',
          cap_released: 1,
          error_message: 'the transport has no such message: it was never sent (reconciliation)',
          updated_at: nowIso,
        });
        return 'notSent' as const;
      }
    }
    // Examined: goes to the back of the queue.
    await updateMessage(trx, row.id, { updated_at: nowIso });
    return 'stillUnknown' as const;
  });
}

/** One pass: abandoned `pending` sends become `unknown`, then `unknown` ones are looked up. */
export async function reconcileOnce(ctx: AppContext): Promise<ReconcileCounts & { markedUnknown: number }> {
  const markedUnknown = await markAbandonedSendsUnknown(ctx);
  return { markedUnknown, ...(await lookUpUnknownMessages(ctx)) };
}

/** In the gateway process: a pass now, then every RECONCILE_INTERVAL_MS, never two at once. */
export function startReconciler(ctx: AppContext, intervalMs = RECONCILE_INTERVAL_MS): PeriodicJob {
  return startPeriodicJob({
    intervalMs,
    runAtStart: true,
    pass: async () => {
      await reconcileOnce(ctx);
    },
    onError: (err) => ctx.logger.error('reconciliation pass failed', { err }),
  });
}
