import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider, type Transaction } from 'kysely';
import pg from 'pg';
import { migrations } from '../../db/migrations';
import type { DatabaseConfig } from '../config';
import type { Database, Db, DbOrTransaction, Dialect } from './database';
import { isUniqueViolation } from './errors';

export type { Database, Db, DbOrTransaction, Dialect } from './database';

export interface DatabaseHandle {
  db: Db;
  /**
   * Reads of committed data that must not queue behind the write batch in progress: staff
   * lookups, lists and exports, the list check, the last check before a text leaves. On SQLite
   * this is a second, read-only connection (WAL lets it read the last commit while the writer
   * works, and it never sees a batch's uncommitted writes); on PostgreSQL the same pool. Never for
   * a decision that must hold under a lock.
   */
  committedReads: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running a primary-key lookup.
 * Statements are cached by their SQL text (bounded, least recently used first out).
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement) {
        cache.delete(sqlText);
      } else {
        statement = sqlite.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sqlText, statement);
      return statement;
    },
  };
}

function openSqlite(path: string): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  // WAL with synchronous=FULL: a commit is fsynced before it returns, so an acknowledged
  // opt-out survives a crash or power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Deleted and overwritten content is zeroed, not left in free space or free pages: after an
  // erasure the number must not be readable from the file.
  sqlite.pragma('secure_delete = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  if (path === ':memory:') return { db, committedReads: db, dialect: 'sqlite', close: () => db.destroy() };
  const reader = new SqliteDatabase(path, { readonly: true });
  reader.pragma('busy_timeout = 5000');
  const committedReads = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(reader) }) });
  return {
    db,
    committedReads,
    dialect: 'sqlite',
    close: async () => {
      await committedReads.destroy();
      await db.destroy();
    },
  };
}

const INT8_OID = 20;

function openPostgres(config: Extract<DatabaseConfig, { dialect: 'postgres' }>): DatabaseHandle {
  const options = [`-c statement_timeout=${config.statementTimeoutMs}`];
  if (config.schema) options.push(`-c search_path=${config.schema}`);
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    options: options.join(' '),
    // bigserial ids fit in a JS number for any ledger this gateway will hold.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, committedReads: db, dialect: 'postgres', close: () => db.destroy() };
}

export function openDatabase(config: DatabaseConfig): DatabaseHandle {
  return config.dialect === 'sqlite' ? openSqlite(config.path) : openPostgres(config);
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Brings the schema up to date. On PostgreSQL, Kysely's migrator holds an advisory lock, so
 * several instances starting at once run the migrations once and the others wait.
 */
export async function migrateToLatest(handle: DatabaseHandle, schema?: string): Promise<void> {
  if (handle.dialect === 'postgres' && schema) {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(handle.db);
    } catch (err) {
      // Two instances starting at once can both try to create it: the loser's error is harmless.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  // Name the schema of Kysely's own tables on PostgreSQL: otherwise its existence check may find
  // another schema's kysely_migration (another gateway or test run on the same database).
  const migrationTableSchema = handle.dialect === 'postgres' ? (schema ?? 'public') : undefined;
  const migrator = new Migrator({ db: handle.db, provider, migrationTableSchema });
  const { error, results } = await retryOnSchemaRace(() => migrator.migrateToLatest());
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`database migration failed${name}: ${(error as Error)?.message ?? 'unknown error'}`);
  }
}

/** What PostgreSQL says when a schema, table or column named in a query is gone. */
const VANISHED_OBJECT_CODES = new Set(['3F000', '42P01', '42703']);
const SCHEMA_RACE_RETRIES = 3;

/**
 * Runs a migrator call again when its own bookkeeping, not a migration, failed on an object that
 * vanished under it. Every call first introspects all tables of the database, and Kysely's
 * PostgreSQL introspection resolves names live (has_schema_privilege, pg_get_serial_sequence):
 * another tenant or test run dropping a schema, table or column of its own at that moment fails
 * the query (3F000, 42P01, 42703). No migration ran; a second try no longer sees the object. A
 * migration that fails is reported as it is, never retried.
 */
export async function retryOnSchemaRace<T extends { error?: unknown; results?: readonly { status: string }[] }>(
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await call();
    const code = (outcome.error as { code?: string } | undefined)?.code;
    const inAMigration = outcome.results?.some((r) => r.status === 'Error') ?? false;
    if (!code || !VANISHED_OBJECT_CODES.has(code) || inAMigration || attempt >= SCHEMA_RACE_RETRIES) return outcome;
  }
}

/**
 * Serialises writers on one phone number inside a transaction.
 * PostgreSQL: a transaction-scoped advisory lock keyed by the number, so it works before the
 * number has any row. SQLite: a no-op, since one connection runs one transaction at a time.
 */
export async function lockPhone(trx: Transaction<Database>, dialect: Dialect, phone: string): Promise<void> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtextextended(${phone}, 0))`.execute(trx);
  }
}

/** lockPhone for many numbers at once (imports): one round trip, in a fixed order. */
export async function lockPhones(trx: Transaction<Database>, dialect: Dialect, phones: readonly string[]): Promise<void> {
  if (dialect !== 'postgres' || phones.length === 0) return;
  const sorted = [...new Set(phones)].sort();
  await sql`select pg_advisory_xact_lock(hashtextextended(p, 0)) from unnest(${sorted}::text[]) as p`.execute(trx);
}

export interface WalCheckpoint {
  /** Every frame was copied into the database file and the WAL truncated to zero bytes. */
  complete: boolean;
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * SQLite: copies every committed page from the WAL into the database file and truncates the WAL
 * to zero bytes, so older versions of pages (an erased number, its texts) are gone from it too.
 * Must run on the writer connection with no transaction open (TransactionRunner.runOutsideTransaction).
 * It does not wait: a reader of another process holding an old snapshot makes it incomplete
 * (busy), and the caller tries again later; waiting here would block the event loop.
 */
export async function truncateWal(db: Db): Promise<WalCheckpoint> {
  const [{ timeout }] = (await sql<{ timeout: number }>`pragma busy_timeout`.execute(db)).rows as [{ timeout: number }];
  await sql`pragma busy_timeout = 0`.execute(db);
  try {
    const { rows } = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    const { busy, log, checkpointed } = rows[0]!;
    return { complete: busy === 0 && log <= 0, busy, log, checkpointed };
  } finally {
    await sql.raw(`pragma busy_timeout = ${Number(timeout)}`).execute(db);
  }
}
