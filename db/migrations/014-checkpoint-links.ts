import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Each checkpoint now signs its place in the list of checkpoints: a sequence number and a digest
// of the previous checkpoint's signature. A checkpoint deleted from the middle then breaks the
// sequence or a link. Checkpoints signed before this migration keep both NULL (and keep verifying:
// their signed bytes did not include them). Unique sequence: two instances cannot both sign the
// same place.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ledger_checkpoints').addColumn('sequence', 'bigint').execute();
  await db.schema.alterTable('ledger_checkpoints').addColumn('previous_link', 'text').execute();
  await db.schema.createIndex('ledger_checkpoints_sequence_idx').on('ledger_checkpoints').column('sequence').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ledger_checkpoints_sequence_idx').execute();
  await db.schema.alterTable('ledger_checkpoints').dropColumn('previous_link').execute();
  await db.schema.alterTable('ledger_checkpoints').dropColumn('sequence').execute();
}
