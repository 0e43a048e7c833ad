import { runInNewContext } from 'node:vm';
import SqliteDatabase from 'better-sqlite3';
import { registerSqliteErrorOfThisRealm } from '../helpers/sqlite-error-realm';

describe('SQLite errors in a test file', () => {
  afterAll(() => registerSqliteErrorOfThisRealm());

  it('are Errors of this file even when an earlier file of the same worker registered its own SqliteError', async () => {
    // What an earlier test file of this worker leaves behind: the addon (one per process) holding
    // a SqliteError built on another realm's Error.
    const ForeignSqliteError = runInNewContext(`(function SqliteError(message, code) {
      if (new.target !== SqliteError) return new SqliteError(message, code);
      Error.call(this, message);
      Object.defineProperty(this, 'message', { value: '' + message });
      this.code = code;
    })`) as { prototype: object };
    Object.setPrototypeOf(ForeignSqliteError.prototype, runInNewContext('Error.prototype') as object);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require('better-sqlite3/build/Release/better_sqlite3.node') as { setErrorConstructor(ctor: unknown): void };
    addon.setErrorConstructor(ForeignSqliteError);
    const db = new SqliteDatabase(':memory:');
    try {
      const failing = () => db.prepare('select * from no_such_table').all();
      const caught = (): unknown => {
        try {
          failing();
        } catch (err) {
          return err;
        }
        return undefined;
      };
      // Thrown, but not an Error of this realm: `rejects.toThrow` would say "did not throw".
      expect(caught()).toMatchObject({ message: 'no such table: no_such_table' });
      expect(caught() instanceof Error).toBe(false);

      registerSqliteErrorOfThisRealm();
      expect(caught() instanceof Error).toBe(true);
      await expect(Promise.resolve().then(failing)).rejects.toThrow(/no such table/);
      await expect(Promise.resolve().then(failing)).rejects.toBeInstanceOf(Error);
    } finally {
      db.close();
    }
  });
});
