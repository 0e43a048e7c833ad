import type { Kysely } from 'kysely';
import { isPostgres } from './dialect';

// Frozen: never edit a migration that has shipped; add a new one.
// Signed checkpoints of the consent ledger's hash chain: who can write the database can recompute
// every chain hash, but cannot sign without the key, which is not in the database. One checkpoint
// per chain head and key: instances signing the same head at once insert it once.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ledger_checkpoints')
    .addColumn('id', isPostgres(db) ? 'bigserial' : 'integer', (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('last_event_id', 'bigint', (c) => c.notNull())
    .addColumn('event_count', 'bigint', (c) => c.notNull())
    .addColumn('chain_head', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ledger_checkpoints_event_key_idx')
    .on('ledger_checkpoints')
    .columns(['last_event_id', 'key_id'])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ledger_checkpoints').execute();
}
