import { createHmac } from 'node:crypto';
import type { DbOrTransaction } from '../db';
import type { SuppressionRow } from '../db/tables/suppression';

/** HMAC-SHA256 of the E.164 number under ERASURE_HASH_KEY: the number cannot be read back from it. */
export function phoneHash(key: string, phone: string): string {
  return createHmac('sha256', key).update(phone, 'utf8').digest('hex');
}

/** What an erased number's rows carry instead of the number: a prefix of its keyed hash. */
export function erasedPlaceholder(hash: string): string {
  return `erased:${hash.slice(0, 16)}`;
}

/** Whether a row's phone is an erased number's placeholder (see erasedPlaceholder). */
export function isErasedPlaceholder(phone: string): boolean {
  return phone.startsWith('erased:');
}

/** What an erased text (or a note that may quote it) is replaced with. */
export const REDACTED = '[erased]';

/**
 * Removes the number from free text a person typed (an erasure note): its E.164 form and its
 * national digits, whatever separators were typed between them.
 */
export function scrubNumber(text: string, phone: string): string {
  const digits = phone.replace(/\D/g, '');
  const national = phone.startsWith('+1') ? digits.slice(1) : digits;
  const separated = national.split('').join('[\\s().-]*');
  const pattern = new RegExp(`(?:\\+?\\s*${phone.startsWith('+1') ? '1[\\s().-]*' : ''})?${separated}`, 'g');
  return text.replace(pattern, '[number erased]');
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
