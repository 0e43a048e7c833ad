import { bulkChunkRows, bulkInsert, MAX_BULK_PARAMETERS } from '../../src/db/bulk';

describe('bulkInsert', () => {
  it('numbers PostgreSQL placeholders across rows and leaves SQLite its own', () => {
    const rows = [['+14155550101', 'opted_out'], ['+14155550102', 'opted_in']];
    const pg = bulkInsert('postgres', 'consent_state', ['phone', 'status'], rows, 'on conflict ("phone") do nothing');
    expect(pg.sql).toBe('insert into "consent_state" ("phone", "status") values ($1, $2), ($3, $4) on conflict ("phone") do nothing');
    expect(pg.parameters).toEqual(['+14155550101', 'opted_out', '+14155550102', 'opted_in']);
    expect(bulkInsert('sqlite', 'consent_state', ['phone', 'status'], rows).sql).toBe(
      'insert into "consent_state" ("phone", "status") values (?, ?), (?, ?)',
    );
  });

  it('refuses what would break the statement rather than send it', () => {
    expect(() => bulkInsert('sqlite', 'consent_state', ['phone'], [])).toThrow(/at least one row/);
    expect(() => bulkInsert('sqlite', 'consent_state', ['phone', 'status'], [['+14155550101']])).toThrow(/1 values for 2 columns/);
    const tooMany = Array.from({ length: bulkChunkRows(2) + 1 }, () => ['a', 'b']);
    expect(() => bulkInsert('sqlite', 'consent_state', ['phone', 'status'], tooMany)).toThrow(/exceed/);
    expect(bulkChunkRows(15) * 15).toBeLessThanOrEqual(MAX_BULK_PARAMETERS);
  });
});
