import type { CompiledQuery, QueryResult } from 'kysely';
import type { Db, DbOrTransaction } from './database';

/**
 * A query built with Kysely once and then run with new values. Building and compiling a query
 * costs several times what SQLite takes to run a primary-key lookup, and the hot paths (inbound
 * STOP, guarded send) run a handful of fixed shapes thousands of times a second.
 *
 * `build` receives one placeholder per argument and must use each only as a value (never to
 * choose the query's shape); the compiled SQL is kept per dialect and each placeholder's
 * parameter position is swapped for the real value at run time.
 */
export function prepared<Args extends unknown[], Row>(
  build: (db: Db, ...args: Args) => { compile(): CompiledQuery<Row> },
): (db: DbOrTransaction, ...args: Args) => Promise<QueryResult<Row>> {
  const templates = new Map<unknown, { query: CompiledQuery<Row>; slots: number[] }>();
  return (db, ...args) => {
    const dialectKey = db.getExecutor().adapter.constructor;
    let template = templates.get(dialectKey);
    if (!template) {
      const placeholders = args.map((_, i) => `\u0000prepared-arg-${i}\u0000`) as Args;
      const query = build(db as Db, ...placeholders).compile();
      const slots = query.parameters.map((p) => placeholders.indexOf(p as never));
      template = { query, slots };
      templates.set(dialectKey, template);
    }
    const { query, slots } = template;
    const parameters = slots.map((slot, i) => (slot >= 0 ? args[slot] : query.parameters[i]));
    return db.executeQuery<Row>({ ...query, parameters });
  };
}
