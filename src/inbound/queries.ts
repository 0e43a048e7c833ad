import type { DbOrTransaction } from '../db';
import type { InboundMessageRow, NewInboundMessage } from '../db/tables/inbound-message';

export async function findInboundBySid(
  db: DbOrTransaction,
  messageSid: string,
): Promise<InboundMessageRow | undefined> {
  return db.selectFrom('inbound_messages').selectAll().where('message_sid', '=', messageSid).executeTakeFirst();
}

export async function countHelpRepliesSince(db: DbOrTransaction, phone: string, since: string): Promise<number> {
  const { count } = await db
    .selectFrom('inbound_messages')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('phone', '=', phone)
    .where('reply_kind', '=', 'help')
    .where('received_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function insertInboundMessage(db: DbOrTransaction, message: NewInboundMessage): Promise<void> {
  await db.insertInto('inbound_messages').values(message).execute();
}
