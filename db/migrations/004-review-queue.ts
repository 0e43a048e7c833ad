import type { Kysely } from 'kysely';
import { isPostgres } from './dialect';

// Frozen: never edit a migration that has shipped; add a new one.
// Inbound texts the classifier could not call: staff decide whether they revoked consent.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('review_items')
    .addColumn('id', isPostgres(db) ? 'bigserial' : 'integer', (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('message_sid', 'text', (c) => c.notNull().unique())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('matched', 'text')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('review_items_phone_status_idx').on('review_items').columns(['phone', 'status']).execute();
  await db.schema.createIndex('review_items_status_id_idx').on('review_items').columns(['status', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('review_items').execute();
}
