import type { CompiledQuery, DatabaseConnection, Dialect as KyselyDialect, Driver } from 'kysely';
import { ValidationError } from '../errors';
import { NUL_MESSAGE } from './errors';

export interface DriverGuards {
  /**
   * Runs before every COMMIT; throwing refuses the commit (the transaction is rolled back and
   * nothing is acknowledged). SQLite: is the file we write still the ledger on disk?
   */
  beforeCommit?(): void;
  /**
   * False when the connection has no transaction left to roll back. SQLite rolls a transaction
   * back by itself on SQLITE_FULL and some I/O errors; a ROLLBACK then fails with "cannot
   * rollback - no transaction is active", and Kysely would throw that instead of the cause.
   */
  inTransaction?(): boolean;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(holdsNul);
  return false;
}

/**
 * PostgreSQL text cannot hold U+0000 (the query fails), SQLite stores it: the same input would
 * give a 500 on one dialect and a stored NUL on the other. Every query, on both, refuses a NUL in
 * its parameters or its text with a 400, before anything runs. Carrier texts are stripped of NUL
 * before they get here (src/webhooks), so a STOP is never lost to it.
 */
function rejectNul(query: CompiledQuery): void {
  if (query.sql.includes('\0') || query.parameters.some(holdsNul)) throw new ValidationError(NUL_MESSAGE);
}

const guarded = new WeakSet<DatabaseConnection>();

function guardConnection(connection: DatabaseConnection): DatabaseConnection {
  if (guarded.has(connection)) return connection;
  guarded.add(connection);
  // Patched on the instance: the driver keeps its own bookkeeping on this very object.
  const executeQuery = connection.executeQuery.bind(connection);
  connection.executeQuery = (query) => {
    rejectNul(query);
    return executeQuery(query);
  };
  const streamQuery = connection.streamQuery.bind(connection);
  connection.streamQuery = (query, chunkSize) => {
    rejectNul(query);
    return streamQuery(query, chunkSize);
  };
  return connection;
}

function guardDriver(driver: Driver, guards: DriverGuards): Driver {
  const acquireConnection = driver.acquireConnection.bind(driver);
  const commitTransaction = driver.commitTransaction.bind(driver);
  const rollbackTransaction = driver.rollbackTransaction.bind(driver);
  driver.acquireConnection = async () => guardConnection(await acquireConnection());
  driver.commitTransaction = async (connection: DatabaseConnection) => {
    guards.beforeCommit?.();
    await commitTransaction(connection);
  };
  driver.rollbackTransaction = async (connection: DatabaseConnection) => {
    if (guards.inTransaction && !guards.inTransaction()) return;
    try {
      await rollbackTransaction(connection);
    } catch (err) {
      // A SQLite connection still inside the transaction must not be reused as if it were clean.
      if (guards.inTransaction?.()) throw err;
      // The rollback runs because a statement already failed; Kysely would throw the rollback's
      // error in place of that cause. A connection whose rollback fails is discarded (PostgreSQL)
      // or holds no transaction any more (SQLite), so the failed transaction cannot leak.
    }
  };
  return driver;
}

/** The dialect with its driver guarded: NUL refused on every query, commits checked, causes kept. */
export function guardDialect(dialect: KyselyDialect, guards: DriverGuards = {}): KyselyDialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => guardDriver(dialect.createDriver(), guards),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
