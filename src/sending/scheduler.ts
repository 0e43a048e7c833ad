import { sql } from 'kysely';
import type { AppContext } from '../context';
import { lockPhone } from '../db';
import type { MessageRow } from '../db/tables/message';
import { findMessage, updateMessage } from './queries';
import { deliver, evaluateSend } from './service';
import { startPeriodicJob, type PeriodicJob } from '../jobs/periodic';

/** A claim older than this is taken again: its worker died before deciding. */
const STALE_CLAIM_MS = 5 * 60 * 1000;
const BATCH = 50;

/**
 * Claims due scheduled sends. PostgreSQL: FOR UPDATE SKIP LOCKED, so several gateway instances
 * never take the same message. SQLite: one process, transactions are serial.
 */
async function claimDue(ctx: AppContext): Promise<string[]> {
  const now = ctx.clock();
  const nowIso = now.toISOString();
  const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  return ctx.transactions.run(async (trx) => {
    let query = trx
      .selectFrom('messages')
      .select('id')
      // Stated on its own so the planner can use the partial index on due messages.
      .where('status', 'in', ['scheduled', 'claimed'])
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'scheduled'), eb('send_after', '<=', nowIso)]),
          eb.and([eb('status', '=', 'claimed'), eb('claimed_at', '<', staleBefore)]),
        ]),
      )
      .orderBy('send_after', 'asc')
      .limit(BATCH);
    if (ctx.dialect === 'postgres') query = query.modifyEnd(sql`for update skip locked`);
    const ids = (await query.execute()).map((r) => r.id);
    if (ids.length > 0) {
      await trx.updateTable('messages').set({ status: 'claimed', claimed_at: nowIso, updated_at: nowIso }).where('id', 'in', ids).execute();
    }
    return ids;
  });
}

type Outcome = 'sent' | 'unknown' | 'rescheduled' | 'refused' | 'failed' | 'skipped';

/**
 * Sends one claimed message if it is allowed now: consent, caps and send-time rules are checked
 * again at send time, under the number's lock, exactly as for an immediate send.
 */
async function sendClaimed(ctx: AppContext, id: string): Promise<Outcome> {
  const decided = await ctx.transactions.run(async (trx) => {
    const row = await findMessage(trx, id);
    if (!row || row.status !== 'claimed') return { outcome: 'skipped' as const };
    await lockPhone(trx, ctx.dialect, row.phone);
    const now = ctx.clock();
    const nowIso = now.toISOString();
    const decision = await evaluateSend(ctx, trx, row.phone, row.category, now);
    const refusal = decision.refusal;
    if (refusal?.retryAfter) {
      await updateMessage(trx, id, { status: 'scheduled', send_after: refusal.retryAfter.toISOString(), claimed_at: null, updated_at: nowIso });
      return { outcome: 'rescheduled' as const };
    }
    if (refusal) {
      await updateMessage(trx, id, {
        status: 'refused',
        refusal_code: refusal.code,
        error_message: `at send time: ${refusal.message}`.slice(0, 500),
        updated_at: nowIso,
        decided_at: nowIso,
      });
      return { outcome: 'refused' as const };
    }
    const counts = decision.consent.allowed && decision.consent.countsTowardCap ? 1 : 0;
    const update = { status: 'pending' as const, counts_toward_cap: counts, cap_month: decision.month, updated_at: nowIso, decided_at: nowIso };
    await updateMessage(trx, id, update);
    return { outcome: 'send' as const, row: { ...row, ...update } as MessageRow };
  });
  if (decided.outcome !== 'send') return decided.outcome;
  try {
    const delivered = await deliver(ctx, decided.row);
    return delivered.status === 'unknown' ? 'unknown' : 'sent';
  } catch (err) {
    ctx.logger.warn('scheduled send not delivered', { messageId: id, code: (err as { code?: string }).code });
    return 'failed';
  }
}

/** One pass: claims what is due and sends it. Returns what happened, for tests and logs. */
export async function runDueMessages(ctx: AppContext): Promise<Record<Outcome, number>> {
  const counts: Record<Outcome, number> = { sent: 0, unknown: 0, rescheduled: 0, refused: 0, failed: 0, skipped: 0 };
  for (const id of await claimDue(ctx)) counts[await sendClaimed(ctx, id)] += 1;
  return counts;
}

/** The worker in the gateway process: a pass every SCHEDULER_INTERVAL_MS, never two at once. */
export function startScheduler(ctx: AppContext): PeriodicJob {
  return startPeriodicJob({
    intervalMs: ctx.config.sending.schedulerIntervalMs,
    pass: async () => {
      const counts = await runDueMessages(ctx);
      if (counts.sent + counts.unknown + counts.refused + counts.rescheduled > 0) ctx.logger.info('scheduled sends', counts);
    },
    onError: (err) => ctx.logger.error('scheduler pass failed', { err }),
  });
}
