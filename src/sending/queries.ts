import type { DbOrTransaction } from '../db';
import type { MessageRow, MessageUpdate, NewMessage } from '../db/tables/message';

export async function insertMessage(db: DbOrTransaction, message: NewMessage): Promise<void> {
  await db.insertInto('messages').values(message).execute();
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
    .where('cap_month', '=', month)
    .where('counts_toward_cap', '=', 1)
    .where('cap_released', '=', 0)
    .groupBy('phone')
    .execute();
  for (const row of rows) counts.set(row.phone, Number(row.used));
  return counts;
}
