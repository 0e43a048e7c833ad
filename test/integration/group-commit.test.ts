import { migrateToLatest, openDatabase, type DatabaseHandle, type DbOrTransaction } from '../../src/db';
import { createTransactionRunner } from '../../src/db/transactions';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';
import { loadConfig } from '../../src/config';

describe.each(DIALECTS)('transaction runner (%s)', (dialect) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const config = loadConfig({ NODE_ENV: 'test', ...database.env });
    handle = openDatabase(config.database);
    await migrateToLatest(handle, database.env.DATABASE_SCHEMA);
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const insert = (sid: string) => (trx: DbOrTransaction) =>
    trx
      .insertInto('inbound_messages')
      .values({
        message_sid: sid,
        phone: '+14155550100',
        to_number: null,
        account_sid: null,
        body: 'x',
        opt_out_type: null,
        intent: 'none',
        matched_keyword: null,
        classification_rule: null,
        note: null,
        reply_kind: null,
        reply_text: null,
        received_at: '2026-11-25T20:00:00.000Z',
      })
      .execute();

  it('concurrent units all commit; a unit that fails is rolled back alone', async () => {
    const runner = createTransactionRunner(handle.db, handle.dialect);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        runner.run(async (trx) => {
          await insert(`SMgc${dialect}${i}`)(trx);
          if (i === 17) throw new Error('unit 17 fails after writing');
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(49);
    expect(results[17]).toMatchObject({ status: 'rejected', reason: new Error('unit 17 fails after writing') });
    const rows = await handle.db.selectFrom('inbound_messages').select('message_sid').where('message_sid', 'like', `SMgc${dialect}%`).execute();
    expect(rows).toHaveLength(49);
    expect(rows.map((r) => r.message_sid)).not.toContain(`SMgc${dialect}17`);
    expect(runner.stats().units).toBe(49);
  });

  it('concurrent units share commits (SQLite: fewer fsyncs than writes)', async () => {
    const runner = createTransactionRunner(handle.db, handle.dialect);
    await Promise.all(Array.from({ length: 50 }, (_, i) => runner.run(insert(`SMgroup${dialect}${i}`))));
    const { commits, units } = runner.stats();
    expect(units).toBe(50);
    if (dialect === 'sqlite') expect(commits).toBeLessThan(10);
    else expect(commits).toBe(50);
  });

  it('a unique violation in one unit does not take the batch down', async () => {
    const runner = createTransactionRunner(handle.db, handle.dialect);
    const results = await Promise.allSettled([
      runner.run(insert(`SMdup${dialect}`)),
      runner.run(insert(`SMdup${dialect}`)),
      runner.run(insert(`SMok${dialect}`)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  });

  it('runStatement: one statement, committed when it resolves (SQLite: inside a shared batch)', async () => {
    const runner = createTransactionRunner(handle.db, handle.dialect);
    await Promise.all(Array.from({ length: 20 }, (_, i) => runner.runStatement(insert(`SMstmt${dialect}${i}`))));
    // Read through a second connection: what was acknowledged is committed, not just visible to the writer.
    const config = loadConfig({ NODE_ENV: 'test', ...database.env });
    const other = openDatabase(config.database);
    try {
      const rows = await other.db.selectFrom('inbound_messages').select('message_sid').where('message_sid', 'like', `SMstmt${dialect}%`).execute();
      expect(rows).toHaveLength(20);
    } finally {
      await other.close();
    }
    if (dialect === 'sqlite') expect(runner.stats().commits).toBeLessThan(10);
  });
});
