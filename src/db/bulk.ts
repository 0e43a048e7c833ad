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

/** The dialects' placeholders: SQLite numbers them itself, PostgreSQL wants $1, $2… */
function placeholder(dialect: Dialect, position: number): string {
  return dialect === 'postgres' ? `$${position}` : '?';
}

const quote = (identifier: string) => `"${identifier}"`;

/**
 * One multi-row INSERT, written as SQL text. Kysely's builder parses every value of every row
 * into its own node tree, which cost an import more than SQLite's inserts did (thousands of
 * rows per statement). Table and column names are compile-time constants of the schema, never
 * input; every value goes in as a parameter. `tail` (ON CONFLICT…, RETURNING…) is constant SQL.
 */
export function bulkInsert<T extends keyof Database & string>(
  dialect: Dialect,
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  rows: readonly (readonly unknown[])[],
  tail = '',
): CompiledQuery {
  if (rows.length === 0) throw new Error('bulkInsert needs at least one row');
  if (rows.length * columns.length > MAX_BULK_PARAMETERS) {
    throw new Error(`bulkInsert: ${rows.length} rows of ${columns.length} columns exceed ${MAX_BULK_PARAMETERS} parameters`);
  }
  const parameters: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`bulkInsert: a row has ${row.length} values for ${columns.length} columns`);
    const marks: string[] = [];
    for (const value of row) {
      parameters.push(value);
      marks.push(placeholder(dialect, parameters.length));
    }
    tuples.push(`(${marks.join(', ')})`);
  }
  const text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${tuples.join(', ')}${tail ? ` ${tail}` : ''}`;
  return CompiledQuery.raw(text, parameters);
}
