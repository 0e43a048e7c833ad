import type { Kysely } from 'kysely';
import { isPostgres } from './dialect';

// Frozen: never edit a migration that has shipped; add a new one.
// The compliance console (/console): staff sessions kept in the database, so a session opened on
// one instance is known to every other instance on the same PostgreSQL database; and the staff
// audit, one row per read or action a staff member made through the console (who, what, which
// number, when). The session id itself is never stored: only its SHA-256.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('key_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('console_sessions_expires_idx').on('console_sessions').column('expires_at').execute();

  await db.schema
    .createTable('staff_audit')
    .addColumn('id', isPostgres(db) ? 'bigserial' : 'integer', (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('staff_audit_at_idx').on('staff_audit').columns(['at', 'id']).execute();
  await db.schema.createIndex('staff_audit_phone_idx').on('staff_audit').columns(['phone', 'id']).execute();
  await db.schema.createIndex('staff_audit_actor_idx').on('staff_audit').columns(['actor', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staff_audit').execute();
  await db.schema.dropTable('console_sessions').execute();
}
