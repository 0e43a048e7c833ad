import { databaseFault } from '../../src/db/errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('databaseFault: driver errors to the typed error a client sees', () => {
  it.each([
    ['SQLITE_FULL', 'storage_unavailable'],
    ['SQLITE_IOERR_WRITE', 'storage_unavailable'],
    ['SQLITE_IOERR_FSYNC', 'storage_unavailable'],
    ['SQLITE_READONLY', 'storage_unavailable'],
    ['SQLITE_READONLY_DBMOVED', 'storage_unavailable'],
    ['SQLITE_CANTOPEN', 'storage_unavailable'],
    ['SQLITE_BUSY', 'database_unavailable'],
    ['57P01', 'database_unavailable'], // terminating connection due to administrator command
    ['57P03', 'database_unavailable'], // the database system is starting up
    ['57014', 'database_unavailable'], // statement_timeout
    ['55P03', 'database_unavailable'], // lock_timeout
    ['25P03', 'database_unavailable'], // idle_in_transaction_session_timeout
    ['08006', 'database_unavailable'], // connection failure
    ['25006', 'database_unavailable'], // a read-only standby after a failover
    ['ECONNREFUSED', 'database_unavailable'],
    ['22021', 'validation_error'], // invalid byte sequence (a NUL)
  ])('%s is %s', (code, expected) => {
    const fault = databaseFault(withCode(code));
    expect(fault?.code).toBe(expected);
    expect(fault?.status).toBe(expected === 'validation_error' ? 400 : 503);
  });

  it.each(['Connection terminated unexpectedly', 'Query read timeout', 'timeout exceeded when trying to connect'])(
    'the pg driver\'s "%s" is database_unavailable, with the original error as its cause',
    (message) => {
      const err = new Error(message);
      const fault = databaseFault(err) as { code: string; cause?: unknown } | undefined;
      expect(fault?.code).toBe('database_unavailable');
      expect(fault?.cause).toBe(err);
    },
  );

  it('leaves other errors alone: a bug stays a 500', () => {
    expect(databaseFault(new TypeError('undefined is not a function'))).toBeUndefined();
    expect(databaseFault(withCode('23505'))).toBeUndefined();
    expect(databaseFault(withCode('SQLITE_CONSTRAINT_UNIQUE'))).toBeUndefined();
    expect(databaseFault(undefined)).toBeUndefined();
  });
});
