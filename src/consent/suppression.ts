import { createHmac } from 'node:crypto';
import type { DbOrTransaction } from '../db';
import type { SuppressionRow } from '../db/tables/suppression';

/** HMAC-SHA256 of the E.164 number under ERASURE_HASH_KEY: the number cannot be read back from it. */
export function phoneHash(key: string, phone: string): string {
  return createHmac('sha256', key).update(phone, 'utf8').digest('hex');
}

export async function activeSuppression(db: DbOrTransaction, hash: string): Promise<SuppressionRow | undefined> {
  return db
    .selectFrom('suppressions')
    .selectAll()
    .where('phone_hash', '=', hash)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
}

export async function suppressedHashes(db: DbOrTransaction, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db
    .selectFrom('suppressions')
    .select('phone_hash')
    .where('phone_hash', 'in', hashes)
    .where('lifted_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.phone_hash));
}

export async function liftSuppression(db: DbOrTransaction, hash: string, reason: string, at: string): Promise<void> {
  await db
    .updateTable('suppressions')
    .set({ lifted_at: at, lifted_reason: reason })
    .where('phone_hash', '=', hash)
    .where('lifted_at', 'is', null)
    .execute();
}
