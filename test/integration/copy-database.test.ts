import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { bearer, inbound, KEYS, optIn, startHarness, uniquePhone, type Harness } from '../helpers/harness';
import { runLedgerCli } from '../helpers/ledger-cli';

describe('moving a SQLite ledger into PostgreSQL (npm run ledger -- copy-to)', () => {
  let source: Harness;
  let target: TestDatabase;
  const phones = { optedIn: uniquePhone(), optedOut: uniquePhone(), erased: uniquePhone() };

  beforeAll(async () => {
    source = await startHarness('sqlite');
    target = await createTestDatabase('postgres');
    await optIn(source, phones.optedIn);
    await source.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phones.optedIn, body: 'Hello', category: 'marketing' });
    await optIn(source, phones.optedOut);
    await inbound(source, phones.optedOut, 'STOP');
    await inbound(source, phones.erased, 'STOP');
    await source.http.delete(`/v1/consent/${phones.erased}`).set(bearer(KEYS.writer));
  });
  afterAll(async () => {
    await source.stop();
    await target.drop();
  });

  it('copies every row with its hash chain intact, verified on the target', async () => {
    const result = await runLedgerCli(['copy-to', target.env.DATABASE_URL!, '--schema', target.env.DATABASE_SCHEMA!], source.database.env);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('consent_events: 4 rows copied');
    expect(result.stdout).toContain('messages: 1 rows copied');
    expect(result.stdout).toContain('suppressions: 1 rows copied');
    expect(result.stdout).toMatch(/target verified: 4 events, chain head [0-9a-f]{64} \(same as the source\)/);
    expect((await runLedgerCli(['verify'], target.env)).code).toBe(0);
  });

  it('a gateway on PostgreSQL then sees the same ledger and goes on appending to the chain', async () => {
    const pg = await startHarness('postgres', { env: target.env });
    try {
      const view = await pg.http.get(`/v1/consent/${phones.optedOut}`).set(bearer(KEYS.reader));
      expect(view.body.status).toBe('opted_out');
      expect(view.body.events).toHaveLength(2);
      const send = await pg.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phones.erased, body: 'x', category: 'transactional' });
      expect(send.body.error.code).toBe('opted_out');
      await inbound(pg, phones.optedIn, 'STOP');
      const verify = await runLedgerCli(['verify'], target.env);
      expect(verify.stdout).toMatch(/ledger verified: 5 events/);
    } finally {
      await pg.close();
    }
  });

  it('refuses to copy into a database that already holds a ledger', async () => {
    const again = await runLedgerCli(['copy-to', target.env.DATABASE_URL!, '--schema', target.env.DATABASE_SCHEMA!], source.database.env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds/);
  });
});
