import SqliteDatabase from 'better-sqlite3';

/**
 * Jest runs every test file of a worker in its own realm (its own `Error`), but a native addon is
 * loaded once per process: better-sqlite3 registers its SqliteError constructor with the addon
 * only when the first test file of the worker loads it, so in every later file SQLite errors are
 * instances of another realm's Error. `err instanceof Error` is then false (SqliteError is an old
 * style constructor, so Object.prototype.toString does not say "Error" either): jest's
 * `rejects.toThrow(...)` reports "Received function did not throw" for a rejection that did
 * happen, and our logger would not treat the error as one. Whether a file saw this depended on
 * which file ran before it in the same worker. In production there is one realm; here each file
 * registers its own SqliteError, so SQLite errors behave in every file as they do in production.
 */
export function registerSqliteErrorOfThisRealm(): void {
  // Opening an in-memory database loads the addon (and registers the constructor if first).
  new SqliteDatabase(':memory:').close();
  // The addon is shared by every realm of the process; better-sqlite3 keeps it on a private path.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require('better-sqlite3/build/Release/better_sqlite3.node') as { setErrorConstructor(ctor: unknown): void };
  addon.setErrorConstructor(SqliteDatabase.SqliteError);
}

registerSqliteErrorOfThisRealm();
