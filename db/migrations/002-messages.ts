import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Outbound messages, refusals included, so staff can see what was blocked and why.
// Flags are integers 0/1 on both dialects.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('refusal_code', 'text')
    .addColumn('counts_toward_cap', 'integer', (c) => c.notNull())
    .addColumn('cap_month', 'text', (c) => c.notNull())
    .addColumn('cap_released', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('twilio_sid', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('messages_phone_cap_month_idx').on('messages').columns(['phone', 'cap_month']).execute();
  await db.schema.createIndex('messages_twilio_sid_idx').on('messages').column('twilio_sid').execute();
  await db.schema
    .createIndex('messages_idempotency_idx')
    .on('messages')
    .columns(['api_key_id', 'idempotency_key'])
    .unique()
    .where('idempotency_key', 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('messages').execute();
}
