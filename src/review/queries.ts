import type { DbOrTransaction } from '../db';
import { prepared } from '../db/prepared';

const selectPending = prepared((db, phone: string) =>
  db.selectFrom('review_items').select('id').where('phone', '=', phone).where('status', '=', 'pending').limit(1),
);

export async function hasPendingReview(db: DbOrTransaction, phone: string): Promise<boolean> {
  return (await selectPending(db, phone)).rows.length > 0;
}

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
