import { AppError, DatabaseUnavailableError, StorageUnavailableError, ValidationError } from '../errors';

/** True for a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The message of the error thrown for a text holding U+0000 (PostgreSQL text cannot store it). */
export const NUL_MESSAGE = 'text values must not contain the NUL character (U+0000)';

/**
 * PostgreSQL SQLSTATEs meaning "the server is not there or did not answer in time": connection
 * exceptions (08), operator intervention (57: admin shutdown, crash shutdown, cannot connect now,
 * query canceled by statement_timeout), lock_not_available (lock_timeout), the
 * idle-in-transaction timeout, and a hot standby refusing writes after a failover.
 */
const POSTGRES_UNAVAILABLE = /^(08|57|53300$|55P03$|25P03$|25006$)/;
/** Errors of the pg driver itself (no SQLSTATE) for a connection that is gone or never came. */
const PG_DRIVER_UNAVAILABLE =
  /^(Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Connection terminated unexpectedly|Postgres connection has been discarded)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLite result codes for storage that cannot take a write (extended codes share the prefix). */
const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|NOTADB)/;
const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;

/**
 * Turns an error thrown by a database driver into the typed error the client should see, or
 * undefined when it is not a database fault (a bug stays a 500). The original error is kept as
 * `cause`, so the log shows what really happened.
 */
export function databaseFault(err: unknown): AppError | undefined {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (code === '22021' || code === '22P05' || /invalid byte sequence.*0x00|unsupported Unicode escape sequence/.test(message)) {
    return new ValidationError(NUL_MESSAGE);
  }
  if (SQLITE_STORAGE.test(code)) return new StorageUnavailableError(undefined, err);
  if (SQLITE_BUSY.test(code)) return new DatabaseUnavailableError('the database is busy; retry later', err);
  if (POSTGRES_UNAVAILABLE.test(code) || NETWORK_CODES.has(code) || PG_DRIVER_UNAVAILABLE.test(message)) {
    return new DatabaseUnavailableError(undefined, err);
  }
  return undefined;
}
