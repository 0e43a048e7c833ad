import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Messages whose send got no answer (status 'unknown') are looked up at Twilio every minute,
// the longest-unexamined first. They are few: index just those, so the send path pays nothing.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('messages_unknown_idx')
    .on('messages')
    .column('updated_at')
    .where(sql.ref('status'), '=', 'unknown')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_unknown_idx').execute();
}
