import type { AppContext } from '../context';
import type { ReviewItemRow } from '../db/tables/review-item';
import { ConflictError, NotFoundError } from '../errors';
import { getConsentView } from '../consent/service';
import { writeStaffOptOut, type StaffOptOutResult } from '../consent/staff';

export interface ReviewItemView {
  id: number;
  phone: string;
  messageSid: string;
  body: string;
  rule: string;
  matched: string | null;
  language: string;
  status: string;
  resolvedBy: string | null;
  resolvedAt: string | null;
  note: string | null;
  createdAt: string;
}

export function toReviewView(row: ReviewItemRow): ReviewItemView {
  return {
    id: row.id,
    phone: row.phone,
    messageSid: row.message_sid,
    body: row.body,
    rule: row.rule,
    matched: row.matched,
    language: row.language,
    status: row.status,
    resolvedBy: row.resolved_by,
    resolvedAt: row.resolved_at,
    note: row.note,
    createdAt: row.created_at,
  };
}

export async function listReviewItems(
  ctx: AppContext,
  status: 'pending' | 'revocation' | 'not_revocation',
  limit: number,
  afterId: number,
): Promise<ReviewItemView[]> {
  const rows = await ctx.committedReads
    .selectFrom('review_items')
    .selectAll()
    .where('status', '=', status)
    .where('id', '>', afterId)
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
  return rows.map(toReviewView);
}

export interface ReviewResolution {
  resolution: 'revocation' | 'not_revocation';
  note?: string;
  sendConfirmation?: boolean;
}

/**
 * A staff member decides an ambiguous text. As a revocation it becomes an opt-out with the staff
 * member as actor (and the one confirmation, in the person's language context, unless declined);
 * either way the item leaves the queue and the number's sends are no longer held for it. The
 * resolution and the opt-out commit in one transaction: no instant exists where the hold is gone
 * and the opt-out not yet recorded. The confirmation is sent after that commit.
 */
export async function resolveReviewItem(
  ctx: AppContext,
  id: number,
  resolution: ReviewResolution,
  actor: string,
): Promise<{ item: ReviewItemView; optOut: StaffOptOutResult | null }> {
  const outcome = await ctx.transactions.run(async (trx, work) => {
    const row = await trx.selectFrom('review_items').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no review item ${id}`);
    const alreadyResolved = () => new ConflictError('review_already_resolved', `review item ${id} was already resolved as ${row.status}`);
    if (row.status !== 'pending') throw alreadyResolved();
    const nowIso = ctx.clock().toISOString();
    const note = resolution.note ?? null;
    // Conditional on still pending: of two resolutions racing, exactly one wins.
    const updated = await trx
      .updateTable('review_items')
      .set({ status: resolution.resolution, resolved_by: actor, resolved_at: nowIso, note })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw alreadyResolved();
    const item = { ...row, status: resolution.resolution, resolved_by: actor, resolved_at: nowIso, note };
    if (resolution.resolution === 'not_revocation') return { item, confirmation: null };
    const confirmation = await writeStaffOptOut(
      ctx,
      work,
      row.phone,
      {
        channel: 'staff',
        note: `review ${id}: "${row.body.slice(0, 200)}" (${row.rule}${row.matched ? `: ${row.matched}` : ''})${resolution.note ? ` - ${resolution.note}` : ''}`,
        sendConfirmation: resolution.sendConfirmation,
        language: row.language === 'es' || row.language === 'fr' ? row.language : 'en',
      },
      actor,
    );
    return { item, confirmation };
  });
  const item = toReviewView(outcome.item);
  if (!outcome.confirmation) return { item, optOut: null };
  return { item, optOut: { state: await getConsentView(ctx, item.phone), confirmation: outcome.confirmation.value } };
}
