import { sql } from 'kysely';
import type { App } from '../app';
import { verifyChain, type VerifyResult } from '../consent/chain';
import type { Db, Dialect } from '../db';

const PAGE = 500;

/** Tables in copy order, each with the column that orders and pages it. */
const TABLES = [
  { table: 'consent_events', key: 'id' },
  { table: 'consent_state', key: 'phone' },
  { table: 'inbound_messages', key: 'id' },
  { table: 'messages', key: 'id' },
  { table: 'suppressions', key: 'phone_hash' },
  { table: 'review_items', key: 'id' },
  { table: 'ledger_checkpoints', key: 'id' },
] as const;

export interface CopyResult {
  copied: Record<string, number>;
  sourceHead: string;
  target: VerifyResult;
}

async function assertEmpty(db: Db): Promise<void> {
  for (const { table } of TABLES) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    if (Number(row.n) > 0) throw new Error(`the target database already holds ${table}: copy only into an empty ledger`);
  }
}

/** After rows were inserted with their ids, PostgreSQL's sequences must move past them. */
async function resetIdSequences(db: Db, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return; // SQLite's AUTOINCREMENT follows explicit ids by itself
  for (const table of ['consent_events', 'inbound_messages', 'review_items', 'ledger_checkpoints']) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest(coalesce((select max(id) from ${sql.table(table)}), 0), 1))`.execute(db);
  }
}

/**
 * Copies a whole ledger (e.g. SQLite into PostgreSQL when moving to several instances): every
 * row with its id, digests and chain hash, page by page, then verifies the chain on the target.
 */
export async function copyDatabase(
  source: App,
  target: App,
  onProgress?: (table: string, copied: number) => void,
): Promise<CopyResult> {
  const before = await verifyChain(source.ctx.db);
  if (!before.ok) throw new Error(`the source ledger does not verify (event ${before.firstBroken?.id}): fix that first`);
  await assertEmpty(target.ctx.db);
  const copied: Record<string, number> = {};
  for (const { table, key } of TABLES) {
    copied[table] = 0;
    let last: string | number | null = null;
    for (;;) {
      let query = source.ctx.db.selectFrom(table).selectAll();
      if (last !== null) query = query.where(key, '>', last as never);
      const rows = (await query.orderBy(key, 'asc').limit(PAGE).execute()) as Record<string, unknown>[];
      if (rows.length === 0) break;
      await target.ctx.db.insertInto(table).values(rows as never).execute();
      copied[table] += rows.length;
      last = rows[rows.length - 1]![key] as string | number;
      onProgress?.(table, copied[table]);
      if (rows.length < PAGE) break;
    }
  }
  await resetIdSequences(target.ctx.db, target.ctx.dialect);
  const after = await verifyChain(target.ctx.db);
  if (after.ok && after.head !== before.head) {
    return { copied, sourceHead: before.head, target: { ...after, ok: false, firstBroken: { id: 0, reason: 'chain head differs from the source' } } };
  }
  return { copied, sourceHead: before.head, target: after };
}
