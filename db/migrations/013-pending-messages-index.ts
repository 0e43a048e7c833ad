import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// The running reconciliation looks every minute for sends left `pending` past the in-flight bound
// (a stopped gateway, an outcome the database refused to record). Pending rows are few and
// transient: index just those, so that look-up does not scan the whole messages table.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('messages_pending_idx')
    .on('messages')
    .column('updated_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_pending_idx').execute();
}
