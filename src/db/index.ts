import { existsSync, mkdirSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider, type Transaction } from 'kysely';
import pg from 'pg';
import { migrations } from '../../db/migrations';
import type { DatabaseConfig } from '../config';
import type { Database, Db, DbOrTransaction, Dialect } from './database';
import { StorageUnavailableError } from '../errors';
import { isUniqueViolation } from './errors';
import { guardDialect } from './guarded-dialect';

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
  /**
   * Throws a StorageUnavailableError when the ledger storage cannot be trusted with a write: on
   * SQLite the file was deleted or replaced, or its file system is nearly full. Cheap (two
   * stat calls); a no-op on PostgreSQL.
   */
  checkStorage(): void;
  /** Where migrations run (PostgreSQL: a connection without the request timeouts). */
  readonly migrationDb: Db;
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

type SqliteConfig = Extract<DatabaseConfig, { dialect: 'sqlite' }>;
type PostgresConfig = Extract<DatabaseConfig, { dialect: 'postgres' }>;

/** Told of database faults that happen outside any request (a pooled connection dropped). */
export type FaultListener = (message: string, err: unknown) => void;

/**
 * What stands behind the ledger file we opened: its device and inode. A file deleted (or its
 * directory) or replaced under a running gateway keeps taking writes through the open descriptor,
 * into a file nobody will ever read again; comparing the path's identity with the open one catches it.
 */
function fileIdentity(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

function openSqlite(config: SqliteConfig, onFault: FaultListener): DatabaseHandle {
  const { path } = config;
  if (path !== ':memory:' && !existsSync(path)) {
    if (!config.createIfMissing) {
      throw new Error(
        `the SQLite ledger ${path} does not exist. Refusing to create an empty ledger where one is expected ` +
          '(NODE_ENV=production or DATABASE_CREATE=0): restore the file (or fix DATABASE_URL), or set DATABASE_CREATE=1 for a first run.',
      );
    }
    mkdirSync(dirname(path), { recursive: true });
  }
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
  const opened = path === ':memory:' ? undefined : fileIdentity(path);
  let reported = false;
  /** Throws when the file at `path` is no longer the one this gateway writes. One stat(2). */
  const checkLedgerFile = () => {
    if (opened === undefined) return;
    const now = fileIdentity(path);
    if (now === opened) {
      reported = false;
      return;
    }
    const what = now === undefined ? 'deleted (or its directory)' : 'replaced by another file';
    // The answer (and the unauthenticated /readyz) does not name the path; the log does.
    const err = new StorageUnavailableError(
      `the SQLite ledger file was ${what} while the gateway runs: writes are refused. Restore the file and restart.`,
    );
    if (!reported) {
      reported = true;
      onFault(`the SQLite ledger ${path} was ${what} while the gateway runs: writes are refused. Restore the file and restart.`, err);
    }
    throw err;
  };
  const dialect = guardDialect(new SqliteDialect({ database: withStatementCache(sqlite) }), {
    beforeCommit: checkLedgerFile,
    inTransaction: () => sqlite.inTransaction,
  });
  const db = new Kysely<Database>({ dialect });
  const checkStorage = () => {
    checkLedgerFile();
    if (opened === undefined || config.minFreeBytes === 0) return;
    const fs = statfsSync(dirname(path));
    const free = fs.bavail * fs.bsize;
    if (free < config.minFreeBytes) {
      throw new StorageUnavailableError(
        `the ledger's file system has ${free} bytes free, under SQLITE_MIN_FREE_BYTES (${config.minFreeBytes})`,
      );
    }
  };
  if (path === ':memory:') {
    return { db, committedReads: db, dialect: 'sqlite', checkStorage, migrationDb: db, close: () => db.destroy() };
  }
  const reader = new SqliteDatabase(path, { readonly: true });
  reader.pragma('busy_timeout = 5000');
  const committedReads = new Kysely<Database>({ dialect: guardDialect(new SqliteDialect({ database: withStatementCache(reader) })) });
  return {
    db,
    committedReads,
    dialect: 'sqlite',
    checkStorage,
    migrationDb: db,
    close: async () => {
      await committedReads.destroy();
      await db.destroy();
    },
  };
}

const INT8_OID = 20;

/** pg-pool sets `client` on the errors of idle clients: a whole connection object in every log line. */
function withoutClient(err: Error): Error {
  if (!('client' in err)) return err;
  const { client: _client, ...rest } = err as Error & { client?: unknown };
  return Object.assign(Object.create(Object.getPrototypeOf(err) as object) as Error, rest, { message: err.message, stack: err.stack });
}

// bigserial ids fit in a JS number for any ledger this gateway will hold.
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A pg pool that survives its connections dying. Without an 'error' listener, a pooled
 * connection ended by the server (a restart, pg_terminate_backend, a failover) is an unhandled
 * 'error' event and kills the process; a connection checked out by a request has no listener at
 * all in pg-pool. Every client gets one for its whole life. A client whose connection failed, or
 * whose query timed out on our side (its socket may hang for ever behind a partition), is marked
 * broken: its later queries (Kysely's ROLLBACK) fail at once with the first error, and it is
 * destroyed on release instead of going back to the pool.
 */
function resilientPool(options: pg.PoolConfig, onFault: FaultListener): pg.Pool {
  const broken = new WeakMap<pg.PoolClient, Error>();
  /**
   * Every client has an 'error' listener from its construction on: pg-pool attaches its own only
   * at some stages of a client's life (not while a request holds it), and a connection ended by the
   * server at any other moment would be an unhandled 'error' event that kills the process.
   */
  class ListenedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on('error', (err: Error) => {
        if (!broken.has(this as unknown as pg.PoolClient)) broken.set(this as unknown as pg.PoolClient, err);
        // pg-pool hangs the client on an idle client's error: never log the whole client.
        onFault('a PostgreSQL connection failed; it is dropped', withoutClient(err));
      });
    }
  }
  const pool = new pg.Pool({ ...options, Client: ListenedClient as unknown as typeof pg.Client });
  // pg-pool re-emits an idle client's error on the pool: already logged by the client's listener.
  pool.on('error', () => undefined);
  const watched = new WeakSet<pg.PoolClient>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const client = await connect();
    if (!watched.has(client)) {
      watched.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const failed = broken.get(client);
        if (failed) return Promise.reject(failed);
        const result = query(...args);
        if (result instanceof Promise) {
          return result.catch((err: Error) => {
            const code = (err as { code?: unknown })?.code;
            const connectionLost =
              (typeof code === 'string' && /^(08|57P0)/.test(code)) || // connection exception, server shutting down / terminated
              /^(Query read timeout|Connection terminated)/.test(err?.message ?? '') ||
              !(client as { _queryable?: boolean })._queryable;
            if (connectionLost) {
              if (!broken.has(client)) broken.set(client, err);
            }
            throw err;
          });
        }
        return result;
      };
    }
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => release(err || broken.has(client));
    return client;
  };
  return pool;
}

function postgresOptions(settings: Record<string, number | string | undefined>): string {
  return Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}

function openPostgres(config: PostgresConfig, onFault: FaultListener): DatabaseHandle {
  const pool = resilientPool(
    {
      connectionString: config.url,
      max: config.poolSize,
      application_name: config.applicationName,
      // Every wait is bounded well under Twilio's 15 s webhook timeout: a request answers 503
      // rather than hang on a partitioned or paused server.
      connectionTimeoutMillis: config.connectTimeoutMs,
      // Our side of statement_timeout: a server that stopped answering (partition, SIGSTOP) never
      // cancels anything, so the client gives up a second after the server would have.
      query_timeout: config.statementTimeoutMs + 1_000,
      keepAlive: true,
      options: postgresOptions({
        statement_timeout: config.statementTimeoutMs,
        lock_timeout: config.lockTimeoutMs,
        idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs,
        search_path: config.schema,
      }),
      types: pgTypes,
    },
    onFault,
  );
  const db = new Kysely<Database>({ dialect: guardDialect(new PostgresDialect({ pool })) });
  // Migrations may wait for another instance's (Kysely's advisory lock) and may run long on a big
  // ledger: one connection of their own, without the request timeouts, opened only if needed.
  let migrationDb: Db | undefined;
  const migrationPool = () =>
    resilientPool(
      {
        connectionString: config.url,
        max: 1,
        application_name: `${config.applicationName} migrations`.slice(0, 63),
        connectionTimeoutMillis: config.connectTimeoutMs,
        // Used at start-up only: its connection closes soon after.
        idleTimeoutMillis: 1_000,
        options: postgresOptions({ search_path: config.schema }),
        types: pgTypes,
      },
      onFault,
    );
  return {
    db,
    committedReads: db,
    dialect: 'postgres',
    checkStorage: () => undefined,
    get migrationDb() {
      migrationDb ??= new Kysely<Database>({ dialect: guardDialect(new PostgresDialect({ pool: async () => migrationPool() })) });
      return migrationDb;
    },
    close: async () => {
      await migrationDb?.destroy();
      await db.destroy();
    },
  };
}

export function openDatabase(config: DatabaseConfig, onFault: FaultListener = () => undefined): DatabaseHandle {
  return config.dialect === 'sqlite' ? openSqlite(config, onFault) : openPostgres(config, onFault);
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Brings the schema up to date. On PostgreSQL, Kysely's migrator holds an advisory lock, so
 * several instances starting at once run the migrations once and the others wait.
 */
export async function migrateToLatest(handle: DatabaseHandle, schema?: string): Promise<void> {
  if (handle.dialect === 'postgres' && schema) {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(handle.migrationDb);
    } catch (err) {
      // Two instances starting at once can both try to create it: the loser's error is harmless.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  // Name the schema of Kysely's own tables on PostgreSQL: otherwise its existence check may find
  // another schema's kysely_migration (another gateway or test run on the same database).
  const migrationTableSchema = handle.dialect === 'postgres' ? (schema ?? 'public') : undefined;
  const migrator = new Migrator({ db: handle.migrationDb, provider, migrationTableSchema });
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
