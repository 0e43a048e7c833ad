import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
//
// State daily limits count a text from the moment it was allowed to leave. For a scheduled send
// that is when the scheduler released it, not when it was requested (created_at), so a text held
// back by a daily limit and sent a day later counted for nothing afterwards. `decided_at` records
// the instant of the decision that let it go (or refused it); a scheduler claim is the closest
// record of that for rows written before this column.
//
// The cap and daily-limit lookups both read one number's recent sends, so one index on
// (phone, decided_at) serves both and replaces two indexes keyed by phone: every send dirtied a
// page in each, at a random place in the file. The Twilio SID index now leaves out messages that
// have no SID yet (refusals, pending sends), which the SID lookup never asks for.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('decided_at', 'text').execute();
  await db.updateTable('messages').set({ decided_at: sql`coalesce(claimed_at, created_at)` }).execute();
  await db.schema.createIndex('messages_phone_decided_idx').on('messages').columns(['phone', 'decided_at']).execute();
  await db.schema.dropIndex('messages_phone_cap_month_idx').execute();
  await db.schema.dropIndex('messages_phone_created_idx').execute();
  await db.schema.dropIndex('messages_twilio_sid_idx').execute();
  await db.schema.createIndex('messages_twilio_sid_idx').on('messages').column('twilio_sid').where('twilio_sid', 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_twilio_sid_idx').execute();
  await db.schema.createIndex('messages_twilio_sid_idx').on('messages').column('twilio_sid').execute();
  await db.schema.createIndex('messages_phone_created_idx').on('messages').columns(['phone', 'created_at']).execute();
  await db.schema.createIndex('messages_phone_cap_month_idx').on('messages').columns(['phone', 'cap_month']).execute();
  await db.schema.dropIndex('messages_phone_decided_idx').execute();
  await db.schema.alterTable('messages').dropColumn('decided_at').execute();
}
