import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Only scheduled and claimed messages are looked up by (status, send_after): index just those, so
// the send path (pending -> sent) no longer updates that index on every message.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_status_send_after_idx').execute();
  await db.schema
    .createIndex('messages_due_idx')
    .on('messages')
    .columns(['status', 'send_after'])
    .where(sql.ref('status'), 'in', ['scheduled', 'claimed'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_due_idx').execute();
  await db.schema.createIndex('messages_status_send_after_idx').on('messages').columns(['status', 'send_after']).execute();
}
