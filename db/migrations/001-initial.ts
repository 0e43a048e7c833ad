import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect';

// Frozen: never edit a migration that has shipped; add a new one.
// Timestamps are ISO-8601 UTC strings (lexically ordered) on both dialects.

export async function up(db: Kysely<any>): Promise<void> {
  const idType = isPostgres(db) ? 'bigserial' : 'integer';
  const withAutoIncrement = isPostgres(db)
    ? (col: any) => col.primaryKey()
    : (col: any) => col.primaryKey().autoIncrement();

  await db.schema
    .createTable('consent_events')
    .addColumn('id', idType, withAutoIncrement)
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull().check(sqlIn('event_type', ['opt_in', 'opt_out'])))
    .addColumn('previous_status', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sqlIn('status', ['opted_in', 'opted_out'])))
    .addColumn('categories', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('keyword', 'text')
    .addColumn('raw_text', 'text')
    .addColumn('message_sid', 'text')
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_events_phone_id_idx').on('consent_events').columns(['phone', 'id']).execute();

  await db.schema
    .createTable('consent_state')
    .addColumn('phone', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('categories', 'text', (c) => c.notNull())
    .addColumn('last_event_id', isPostgres(db) ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('last_channel', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', idType, withAutoIncrement)
    .addColumn('message_sid', 'text', (c) => c.notNull().unique())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text')
    .addColumn('account_sid', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('opt_out_type', 'text')
    .addColumn('intent', 'text', (c) => c.notNull())
    .addColumn('matched_keyword', 'text')
    .addColumn('classification_rule', 'text')
    .addColumn('note', 'text')
    .addColumn('reply_kind', 'text')
    .addColumn('reply_text', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('inbound_messages_phone_received_idx')
    .on('inbound_messages')
    .columns(['phone', 'received_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbound_messages').execute();
  await db.schema.dropTable('consent_state').execute();
  await db.schema.dropTable('consent_events').execute();
}

/** A CHECK constraint keeps bad values out even when someone writes to the table by hand. */
function sqlIn(column: string, values: string[]) {
  return sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);
}
