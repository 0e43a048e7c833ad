import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * The one dialect question migrations ask. Frozen like the migrations that use it:
 * add a new helper rather than change this one.
 */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
