import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// /readyz proves a write can land by committing one: an upsert of a single row here (one row per
// gateway name, so several instances never grow it). A ready check that only reads says "ready"
// on a full disk or a read-only file while every STOP fails.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('health_probe')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('health_probe').execute();
}
