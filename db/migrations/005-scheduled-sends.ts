import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Sends deferred to the next allowed instant (quiet hours, state daily limits).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('send_after', 'text').execute();
  await db.schema.alterTable('messages').addColumn('claimed_at', 'text').execute();
  await db.schema.createIndex('messages_status_send_after_idx').on('messages').columns(['status', 'send_after']).execute();
  await db.schema.createIndex('messages_phone_created_idx').on('messages').columns(['phone', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_phone_created_idx').execute();
  await db.schema.dropIndex('messages_status_send_after_idx').execute();
  await db.schema.alterTable('messages').dropColumn('claimed_at').execute();
  await db.schema.alterTable('messages').dropColumn('send_after').execute();
}
