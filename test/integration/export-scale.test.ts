import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import Database from 'better-sqlite3';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { killLeftoverGateways, spawnGateway } from '../helpers/gateway-process';

const NUMBERS = 200_000;
const KEY = 'export-reader-secret-0001';

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) / 1024;
}

describe('streamed export of a large ledger (SQLite, a real gateway process)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const gateway = await createApp(loadConfig({ NODE_ENV: 'test', ...database.env }));
    await gateway.close();
    const sqlite = new Database(database.sqlitePath!);
    const insert = sqlite.prepare(
      "insert into consent_state (phone, status, categories, last_event_id, last_channel, updated_at) values (?, ?, '[\"marketing\",\"transactional\"]', ?, 'api', ?)",
    );
    sqlite.transaction(() => {
      for (let i = 0; i < NUMBERS; i++) {
        const phone = `+1${200 + Math.floor(i / 10_000)}555${String(i % 10_000).padStart(4, '0')}`;
        insert.run(phone, i % 7 === 0 ? 'opted_out' : 'opted_in', i + 1, new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString());
      }
    })();
    sqlite.close();
  });
  afterAll(async () => {
    killLeftoverGateways();
    await database.drop();
  });

  it(`streams ${NUMBERS.toLocaleString('en-US')} numbers as CSV without the process's memory growing with them`, async () => {
    // A 48 MB heap cannot hold the export (200,000 row objects and ~20 MB of CSV): only a stream
    // that lets each page go fits. Without the cap V8 would just collect lazily and RSS says little.
    const gateway = await spawnGateway({
      ...database.env,
      API_KEYS: `${KEY}:ledger.read`,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: '--max-old-space-size=48',
    });
    const pid = gateway.child.pid!;
    // Warm up: the first request loads the code paths and the database pages.
    await fetch(`${gateway.url}/v1/consent?limit=1000`, { headers: { Authorization: `Bearer ${KEY}` } });
    const before = peakRssMb(pid);

    const { lines, bytes } = await new Promise<{ lines: number; bytes: number }>((resolve, reject) => {
      get(`${gateway.url}/v1/consent/export?format=csv`, { headers: { Authorization: `Bearer ${KEY}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
        let count = 0;
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          for (const byte of chunk) if (byte === 10) count += 1;
        });
        res.on('end', () => resolve({ lines: count, bytes: size }));
        res.on('error', reject);
      }).on('error', reject);
    });
    const after = peakRssMb(pid);
    gateway.child.kill('SIGTERM');
    await gateway.exited;

    expect(lines).toBe(NUMBERS + 1); // the header row and one row a number
    expect(bytes).toBeGreaterThan(NUMBERS * 50);
    expect(after - before).toBeLessThan(60);
  });
});
