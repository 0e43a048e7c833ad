import { sql, type RawBuilder } from 'kysely';
import type { DbOrTransaction } from '../db';
import { REDACTED } from '../consent/suppression';
import { prepared } from '../db/prepared';
import type { MessageRow, MessageUpdate, NewMessage } from '../db/tables/message';
import { parseCategories, type Category } from '../consent/categories';
import type { ConsentStatus } from '../db/tables/consent-event';
import { capMonthEarliestDecision } from './policy';

const MESSAGE_COLUMNS = [
  'id', 'kind', 'api_key_id', 'actor', 'idempotency_key', 'request_hash', 'phone', 'category', 'body', 'status',
  'refusal_code', 'counts_toward_cap', 'cap_month', 'cap_released', 'transport', 'twilio_sid', 'error_code',
  'error_message', 'created_at', 'updated_at', 'decided_at', 'send_after', 'claimed_at',
] as const satisfies readonly (keyof NewMessage)[];

const insertMessageRow = prepared((db, ...values: unknown[]) =>
  db.insertInto('messages').values(Object.fromEntries(MESSAGE_COLUMNS.map((c, i) => [c, values[i]])) as unknown as NewMessage),
);

export async function insertMessage(db: DbOrTransaction, message: NewMessage): Promise<void> {
  await insertMessageRow(db, ...MESSAGE_COLUMNS.map((c) => message[c] ?? (c === 'kind' ? 'send' : null)));
}

const selectSendState = prepared((db, phone: string) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom('consent_state').select('status').where('phone', '=', phone).as('status'),
    eb.selectFrom('consent_state').select('categories').where('phone', '=', phone).as('categories'),
    eb.exists(eb.selectFrom('review_items').select('id').where('phone', '=', phone).where('status', '=', 'pending')).as('pending_review'),
  ]),
);

export interface SendState {
  status: ConsentStatus;
  categories: Category[];
  /** An inbound text from the number waits in the review queue. */
  pendingReview: boolean;
}

/** What a send decision reads about a number, in one statement: consent and any review hold. */
export async function readSendState(db: DbOrTransaction, phone: string): Promise<SendState> {
  const row = (await selectSendState(db, phone)).rows[0];
  return {
    status: row?.status ?? 'unknown',
    categories: row?.categories ? parseCategories(row.categories) : [],
    // SQLite answers 0 or 1, PostgreSQL a boolean.
    pendingReview: Boolean(Number(row?.pending_review ?? 0)),
  };
}

const updateSent = prepared((db, id: string, status: MessageRow['status'], sid: string, at: string) =>
  db.updateTable('messages').set({ status, twilio_sid: sid, updated_at: at }).where('id', '=', id),
);

/** The transport took the message. */
export async function markMessageSent(db: DbOrTransaction, id: string, status: MessageRow['status'], sid: string, at: string): Promise<void> {
  await updateSent(db, id, status, sid, at);
}

const selectSlotsUsed = prepared((db, phone: string, month: string, earliest: string) =>
  db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number | string>().as('used'))
    .where('phone', '=', phone)
    .where('decided_at', '>=', earliest)
    .where('cap_month', '=', month)
    .where('counts_toward_cap', '=', 1)
    .where('cap_released', '=', 0),
);

/** Slots one number holds this month (the send path's form of countCapSlots). */
export async function capSlotsUsed(db: DbOrTransaction, phone: string, month: string): Promise<number> {
  return Number((await selectSlotsUsed(db, phone, month, capMonthEarliestDecision(month))).rows[0]?.used ?? 0);
}

export async function findMessage(db: DbOrTransaction, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findMessageByTwilioSid(db: DbOrTransaction, sid: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('twilio_sid', '=', sid).executeTakeFirst();
}

export async function findMessageByIdempotencyKey(
  db: DbOrTransaction,
  apiKeyId: string,
  idempotencyKey: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('api_key_id', '=', apiKeyId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

/**
 * A provider's error text for a message row's error_message. The text may quote the number
 * ("The 'To' number +1... is not valid"): if the number was erased while the send was in flight,
 * the row keeps the redaction instead. Decided in the UPDATE itself, so no erasure can slip
 * between a check and the write.
 */
export function providerErrorText(text: string): RawBuilder<string> {
  return sql<string>`case when phone like 'erased:%' then ${REDACTED} else ${text.slice(0, 500)} end`;
}

export async function updateMessage(db: DbOrTransaction, id: string, update: MessageUpdate): Promise<void> {
  await db.updateTable('messages').set(update).where('id', '=', id).execute();
}

/** Slots held this month by each of `phones`: capped sends not given back. */
export async function countCapSlots(
  db: DbOrTransaction,
  phones: readonly string[],
  month: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (phones.length === 0) return counts;
  const rows = await db
    .selectFrom('messages')
    .select((eb) => ['phone', eb.fn.countAll<number | string>().as('used')])
    .where('phone', 'in', phones)
    .where('decided_at', '>=', capMonthEarliestDecision(month))
    .where('cap_month', '=', month)
    .where('counts_toward_cap', '=', 1)
    .where('cap_released', '=', 0)
    .groupBy('phone')
    .execute();
  for (const row of rows) counts.set(row.phone, Number(row.used));
  return counts;
}

/** What state daily limits count: marketing and informational texts that went (or are going) out. */
const DAILY_LIMITED_CATEGORIES = ['marketing', 'informational'] as const;
const NOT_SENT = ['refused', 'canceled', 'scheduled', 'claimed'] as const;

const selectRecentCapped = prepared((db, phone: string, since: string) =>
  db
    .selectFrom('messages')
    .select('decided_at')
    .where('phone', '=', phone)
    .where('decided_at', '>', since)
    .where('category', 'in', DAILY_LIMITED_CATEGORIES)
    .where('status', 'not in', NOT_SENT)
    .where('cap_released', '=', 0),
);

/** recentCappedSends for many numbers at once (the list check). */
export async function recentCappedSendsByPhone(
  db: DbOrTransaction,
  phones: readonly string[],
  since: string,
): Promise<Map<string, Date[]>> {
  const byPhone = new Map<string, Date[]>();
  if (phones.length === 0) return byPhone;
  const rows = await db
    .selectFrom('messages')
    .select(['phone', 'decided_at'])
    .where('phone', 'in', phones)
    .where('decided_at', '>', since)
    .where('category', 'in', DAILY_LIMITED_CATEGORIES)
    .where('status', 'not in', NOT_SENT)
    .where('cap_released', '=', 0)
    .execute();
  for (const row of rows) byPhone.set(row.phone, [...(byPhone.get(row.phone) ?? []), new Date(row.decided_at)]);
  return byPhone;
}

/** When the number was sent marketing or informational texts since `since` (state daily limits). */
export async function recentCappedSends(db: DbOrTransaction, phone: string, since: string): Promise<Date[]> {
  return (await selectRecentCapped(db, phone, since)).rows.map((r) => new Date(r.decided_at));
}
