import { CompiledQuery } from 'kysely';
import type { Database, Dialect } from './database';

/**
 * Parameters one bulk statement may carry. SQLite's limit is 32,766 and PostgreSQL's 65,535; a
 * statement stays well below both, so a chunk never fails on the limit whatever its width.
 */
export const MAX_BULK_PARAMETERS = 16_000;

/** How many rows of `width` columns one bulk statement takes. */
export function bulkChunkRows(width: number): number {
  return Math.max(1, Math.floor(MAX_BULK_PARAMETERS / width));
}

const quote = (identifier: string) => `"${identifier}"`;

export interface BulkInsertOptions<C extends string> {
  /** Constant SQL after the rows: ON CONFLICT…, RETURNING… */
  tail?: string;
  /** PostgreSQL types of the columns that are not text (the rows travel as one array per column). */
  postgresTypes?: Partial<Record<C, 'bigint' | 'integer'>>;
}

/**
 * One multi-row INSERT, written as SQL text. Kysely's builder parses every value of every row
 * into its own node tree, which cost an import more than SQLite's inserts did (thousands of
 * rows per statement). Table and column names are compile-time constants of the schema, never
 * input; every value goes in as a parameter.
 *
 * The dialects differ on purpose. SQLite binds one parameter per value (`?` each). PostgreSQL
 * gets one array per column and unnests them: parsing and binding 15,000 separate parameters
 * took it longer than inserting the rows did.
 */
export function bulkInsert<T extends keyof Database & string, C extends keyof Database[T] & string>(
  dialect: Dialect,
  table: T,
  columns: readonly C[],
  rows: readonly (readonly unknown[])[],
  options: BulkInsertOptions<C> = {},
): CompiledQuery {
  if (rows.length === 0) throw new Error('bulkInsert needs at least one row');
  if (rows.length * columns.length > MAX_BULK_PARAMETERS) {
    throw new Error(`bulkInsert: ${rows.length} rows of ${columns.length} columns exceed ${MAX_BULK_PARAMETERS} parameters`);
  }
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`bulkInsert: a row has ${row.length} values for ${columns.length} columns`);
  }
  const head = `insert into ${quote(table)} (${columns.map(quote).join(', ')})`;
  const tail = options.tail ? ` ${options.tail}` : '';
  if (dialect === 'postgres') {
    const arrays = columns.map((_, c) => rows.map((row) => row[c]));
    const unnest = columns.map((column, c) => `$${c + 1}::${options.postgresTypes?.[column] ?? 'text'}[]`).join(', ');
    return CompiledQuery.raw(`${head} select * from unnest(${unnest})${tail}`, arrays);
  }
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  // A plain loop: Array.prototype.flat showed as a tenth of an import's CPU profile.
  const parameters: unknown[] = [];
  for (const row of rows) for (const value of row) parameters.push(value);
  return CompiledQuery.raw(`${head} values ${rows.map(() => tuple).join(', ')}${tail}`, parameters);
}
