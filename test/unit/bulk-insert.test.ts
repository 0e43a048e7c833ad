import { bulkChunkRows, bulkInsert, MAX_BULK_PARAMETERS } from '../../src/db/bulk';

describe('bulkInsert', () => {
  it('binds one parameter per value on SQLite, one typed array per column on PostgreSQL', () => {
    const rows = [['+14155550101', 'opted_out', 7], ['+14155550102', null, 8]];
    const columns = ['phone', 'status', 'last_event_id'] as const;
    const lite = bulkInsert('sqlite', 'consent_state', columns, rows, { tail: 'on conflict ("phone") do nothing' });
    expect(lite.sql).toBe('insert into "consent_state" ("phone", "status", "last_event_id") values (?, ?, ?), (?, ?, ?) on conflict ("phone") do nothing');
    expect(lite.parameters).toEqual(['+14155550101', 'opted_out', 7, '+14155550102', null, 8]);
    const pg = bulkInsert('postgres', 'consent_state', columns, rows, { postgresTypes: { last_event_id: 'bigint' } });
    expect(pg.sql).toBe('insert into "consent_state" ("phone", "status", "last_event_id") select * from unnest($1::text[], $2::text[], $3::bigint[])');
    expect(pg.parameters).toEqual([['+14155550101', '+14155550102'], ['opted_out', null], [7, 8]]);
  });

  it('refuses what would break the statement rather than send it', () => {
    expect(() => bulkInsert('sqlite', 'consent_state', ['phone'], [])).toThrow(/at least one row/);
    expect(() => bulkInsert('sqlite', 'consent_state', ['phone', 'status'], [['+14155550101']])).toThrow(/1 values for 2 columns/);
    const tooMany = Array.from({ length: bulkChunkRows(2) + 1 }, () => ['a', 'b']);
    expect(() => bulkInsert('sqlite', 'consent_state', ['phone', 'status'], tooMany)).toThrow(/exceed/);
    expect(bulkChunkRows(15) * 15).toBeLessThanOrEqual(MAX_BULK_PARAMETERS);
  });
});
