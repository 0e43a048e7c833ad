import type { DbOrTransaction } from '../db';
import { prepared } from '../db/prepared';
import type { InboundMessageRow, NewInboundMessage } from '../db/tables/inbound-message';

const selectBySid = prepared((db, sid: string) => db.selectFrom('inbound_messages').selectAll().where('message_sid', '=', sid));

export async function findInboundBySid(db: DbOrTransaction, messageSid: string): Promise<InboundMessageRow | undefined> {
  return (await selectBySid(db, messageSid)).rows[0];
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

const INBOUND_COLUMNS = [
  'message_sid', 'phone', 'to_number', 'account_sid', 'body', 'opt_out_type', 'intent', 'matched_keyword',
  'classification_rule', 'note', 'reply_kind', 'reply_text', 'received_at',
] as const satisfies readonly (keyof NewInboundMessage)[];

const insertInbound = prepared((db, ...values: unknown[]) =>
  db.insertInto('inbound_messages').values(Object.fromEntries(INBOUND_COLUMNS.map((c, i) => [c, values[i]])) as unknown as NewInboundMessage),
);

export async function insertInboundMessage(db: DbOrTransaction, message: NewInboundMessage): Promise<void> {
  await insertInbound(db, ...INBOUND_COLUMNS.map((c) => message[c] ?? null));
}
