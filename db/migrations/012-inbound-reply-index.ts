import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// The automatic-reply limits count a number's recent replies of one kind on every HELP and opt-in.
// Through (phone, received_at) that read walked every text the number sent in the window, inside
// the writer transaction: a HELP flood from one number slowed everyone's STOPs. Only the texts
// that were answered are indexed, and there are few of those, since the replies are limited.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('inbound_messages_replies_idx')
    .on('inbound_messages')
    .columns(['phone', 'reply_kind', 'received_at'])
    .where(sql.ref('reply_kind'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('inbound_messages_replies_idx').execute();
}
