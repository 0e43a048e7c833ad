import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Tamper evidence (a hash chain over consent events), erasure with suppression, staff listing.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('consent_events').addColumn('content_digest', 'text').execute();
  await db.schema.alterTable('consent_events').addColumn('chain_hash', 'text').execute();
  await db.schema.alterTable('consent_events').addColumn('erased_at', 'text').execute();

  await db.schema.createIndex('consent_state_updated_idx').on('consent_state').columns(['updated_at', 'phone']).execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('phone_hash', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('redacted', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('lifted_at', 'text')
    .addColumn('lifted_reason', 'text')
    .execute();

  await db.schema.alterTable('messages').addColumn('kind', 'text', (c) => c.notNull().defaultTo('send')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('kind').execute();
  await db.schema.dropTable('suppressions').execute();
  await db.schema.dropIndex('consent_state_updated_idx').execute();
  await db.schema.alterTable('consent_events').dropColumn('erased_at').execute();
  await db.schema.alterTable('consent_events').dropColumn('chain_hash').execute();
  await db.schema.alterTable('consent_events').dropColumn('content_digest').execute();
}
