import type { DbOrTransaction } from '../db';

export async function phonesWithPendingReview(db: DbOrTransaction, phones: readonly string[]): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const rows = await db
    .selectFrom('review_items')
    .select('phone')
    .where('phone', 'in', phones)
    .where('status', '=', 'pending')
    .execute();
  return new Set(rows.map((r) => r.phone));
}
