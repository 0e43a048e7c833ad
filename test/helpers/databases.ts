import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Every database-backed suite runs on both dialects: SQLite (a real file) and the PostgreSQL
 * server these machines run. Each PostgreSQL run gets its own schema, dropped afterwards, so
 * parallel workers and parallel CI runs never collide.
 */
export type TestDialect = 'sqlite' | 'postgres';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const DIALECTS: TestDialect[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  dialect: TestDialect;
  /** The environment that points the gateway at this database. */
  env: Record<string, string>;
  /** For SQLite, the file. */
  sqlitePath?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
    const sqlitePath = join(dir, 'gateway.db');
    return {
      dialect,
      sqlitePath,
      env: { DATABASE_URL: `sqlite:${sqlitePath}` },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    dialect,
    env: { DATABASE_URL: TEST_POSTGRES_URL, DATABASE_SCHEMA: schema },
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
