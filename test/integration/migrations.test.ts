import { Migrator, sql, type Kysely, type MigrationProvider } from 'kysely';
import { migrations } from '../../db/migrations';
import { loadConfig } from '../../src/config';
import { migrateToLatest, openDatabase, retryOnSchemaRace, type DatabaseHandle } from '../../src/db';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';

const provider: MigrationProvider = { getMigrations: async () => migrations };

const message = (id: string, createdAt: string, claimedAt: string | null) => ({
  id,
  kind: 'send',
  api_key_id: 'k',
  actor: 'test',
  idempotency_key: null,
  request_hash: 'h',
  phone: '+13055550100',
  category: 'marketing',
  body: 'hi',
  status: 'sent',
  refusal_code: null,
  counts_toward_cap: 1,
  cap_month: '2026-11',
  cap_released: 0,
  transport: 'outbox',
  twilio_sid: null,
  error_code: null,
  error_message: null,
  created_at: createdAt,
  updated_at: createdAt,
  send_after: null,
  claimed_at: claimedAt,
});

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  let testDb: TestDatabase;
  let handle: DatabaseHandle;
  let migrator: Migrator;
  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
    const config = loadConfig({ ...testDb.env, NODE_ENV: 'test' });
    handle = openDatabase(config.database);
    const schema = config.database.dialect === 'postgres' ? config.database.schema : undefined;
    if (schema) await sql`create schema ${sql.id(schema)}`.execute(handle.db);
    migrator = new Migrator({ db: handle.db, provider, migrationTableSchema: schema });
  });
  afterAll(async () => {
    await handle.close();
    await testDb.drop();
  });

  it('007 records when each existing send was decided: the scheduler claim, else the request', async () => {
    expect((await retryOnSchemaRace(() => migrator.migrateTo('006-partial-schedule-index'))).error).toBeUndefined();
    const db = handle.db as unknown as Kysely<any>; // rows as of migration 006, not today's types
    await db.insertInto('messages').values([
      message('msg_direct', '2026-11-20T10:00:00.000Z', null),
      message('msg_scheduled', '2026-11-20T22:00:00.000Z', '2026-11-21T13:00:00.000Z'),
    ]).execute();
    expect((await retryOnSchemaRace(() => migrator.migrateToLatest())).error).toBeUndefined();
    const rows = await db.selectFrom('messages').select(['id', 'decided_at']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'msg_direct', decided_at: '2026-11-20T10:00:00.000Z' },
      { id: 'msg_scheduled', decided_at: '2026-11-21T13:00:00.000Z' },
    ]);
  });

  it('every migration steps down and up again', async () => {
    const names = Object.keys(migrations);
    for (let i = names.length - 1; i >= 0; i--) expect((await retryOnSchemaRace(() => migrator.migrateDown())).error).toBeUndefined();
    expect((await retryOnSchemaRace(() => migrator.migrateToLatest())).results?.map((r) => r.migrationName)).toEqual(names);
  });
});

describe('migrations beside another schema changing (postgres)', () => {
  it('a fresh schema migrates while another schema goes down and up: no failure borrowed from it', async () => {
    const busy = await createTestDatabase('postgres');
    const busyConfig = loadConfig({ ...busy.env, NODE_ENV: 'test' });
    const busyHandle = openDatabase(busyConfig.database);
    const busySchema = busyConfig.database.dialect === 'postgres' ? busyConfig.database.schema : undefined;
    await migrateToLatest(busyHandle, busySchema);
    const busyMigrator = new Migrator({ db: busyHandle.db, provider, migrationTableSchema: busySchema });
    let stop = false;
    // Dropping and re-creating tables and columns in its own schema, over and over.
    const churn = (async () => {
      while (!stop) {
        for (let i = 0; i < Object.keys(migrations).length; i++) await retryOnSchemaRace(() => busyMigrator.migrateDown());
        await retryOnSchemaRace(() => busyMigrator.migrateToLatest());
      }
    })();
    const failures: string[] = [];
    try {
      for (let k = 0; k < 15; k++) {
        const fresh = await createTestDatabase('postgres');
        const config = loadConfig({ ...fresh.env, NODE_ENV: 'test' });
        const handle = openDatabase(config.database);
        try {
          await migrateToLatest(handle, config.database.dialect === 'postgres' ? config.database.schema : undefined);
        } catch (err) {
          failures.push((err as Error).message);
        } finally {
          await handle.close();
          await fresh.drop();
        }
      }
    } finally {
      stop = true;
      await churn;
      await busyHandle.close();
      await busy.drop();
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
