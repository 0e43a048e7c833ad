import type { DbOrTransaction } from '../db';
import { prepared } from '../db/prepared';
import type { InboundMessageRow, NewInboundMessage } from '../db/tables/inbound-message';

const selectBySid = prepared((db, sid: string) => db.selectFrom('inbound_messages').selectAll().where('message_sid', '=', sid));

export async function findInboundBySid(db: DbOrTransaction, messageSid: string): Promise<InboundMessageRow | undefined> {
  return (await selectBySid(db, messageSid)).rows[0];
}

export interface RecentReplies {
  help: number;
  optInConfirmations: number;
}

/**
 * The automatic replies a number was sent since `since`, of the kinds that are limited. Read
 * through the partial index of answered texts (migration 012): its cost follows the replies
 * sent, which are limited, never the number of texts a flooding number sends.
 */
export async function countRecentReplies(db: DbOrTransaction, phone: string, since: string): Promise<RecentReplies> {
  const rows = await db
    .selectFrom('inbound_messages')
    .select((eb) => ['reply_kind', eb.fn.countAll<number | string>().as('count')])
    .where('phone', '=', phone)
    .where('reply_kind', 'in', ['help', 'opt_in_confirmation'])
    .where('received_at', '>', since)
    .groupBy('reply_kind')
    .execute();
  const count = (kind: string) => Number(rows.find((row) => row.reply_kind === kind)?.count ?? 0);
  return { help: count('help'), optInConfirmations: count('opt_in_confirmation') };
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
