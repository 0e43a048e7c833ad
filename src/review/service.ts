import type { AppContext } from '../context';
import type { ReviewItemRow } from '../db/tables/review-item';
import { ConflictError, NotFoundError } from '../errors';
import { recordStaffOptOut, type StaffOptOutResult } from '../consent/staff';

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
 * either way the item leaves the queue and the number's sends are no longer held for it.
 */
export async function resolveReviewItem(
  ctx: AppContext,
  id: number,
  resolution: ReviewResolution,
  actor: string,
): Promise<{ item: ReviewItemView; optOut: StaffOptOutResult | null }> {
  const nowIso = ctx.clock().toISOString();
  const item = await ctx.transactions.run(async (trx) => {
    const row = await trx.selectFrom('review_items').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no review item ${id}`);
    if (row.status !== 'pending') throw new ConflictError('review_already_resolved', `review item ${id} was already resolved as ${row.status}`);
    await trx
      .updateTable('review_items')
      .set({ status: resolution.resolution, resolved_by: actor, resolved_at: nowIso, note: resolution.note ?? null })
      .where('id', '=', id)
      .execute();
    return { ...row, status: resolution.resolution, resolved_by: actor, resolved_at: nowIso, note: resolution.note ?? null };
  });
  if (resolution.resolution === 'not_revocation') return { item: toReviewView(item), optOut: null };
  const optOut = await recordStaffOptOut(
    ctx,
    item.phone,
    {
      channel: 'staff',
      note: `review ${id}: "${item.body.slice(0, 200)}" (${item.rule}${item.matched ? `: ${item.matched}` : ''})${resolution.note ? ` - ${resolution.note}` : ''}`,
      sendConfirmation: resolution.sendConfirmation,
      language: item.language === 'es' || item.language === 'fr' ? item.language : 'en',
    },
    actor,
  );
  return { item: toReviewView(item), optOut };
}
