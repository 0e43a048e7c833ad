import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import request from 'supertest';
import winston from 'winston';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { maskSensitive } from '../../src/logger';
import { TransportError, type OutboundSms, type SmsTransport } from '../../src/transport/transport';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';
import { bearer, EVIDENCE, inboundParams, KEYS, TEST_API_KEYS } from '../helpers/harness';

/**
 * After DELETE /v1/consent/:phone nothing may hold the number or its texts. On SQLite the raw
 * bytes of the database file, its WAL and its shared-memory index are scanned; on PostgreSQL every
 * column of every table is (PostgreSQL's own files, its WAL included, are out of this test's
 * reach). The run's whole log output is scanned on both.
 */
describe.each(DIALECTS)('erasure leaves no trace (%s)', (dialect) => {
  const phone = '+14155550187';
  // Every form of the number a table, a note or a log line could hold it in.
  const numberForms = [phone, '14155550187', '4155550187', '415-555-0187', '(415) 555-0187', '415.555.0187', '%2B14155550187', '555-0187'];
  const texts = ['Hello there, spring offer', 'Your invalid appointment link', 'Who is this?', 'Can I cancel?', 'Are you still there?'];

  let database: TestDatabase;
  let gateway: App;
  let http: ReturnType<typeof request>;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...database.env });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    // The production format (masking included), at debug level, into memory.
    const logger = winston.createLogger({
      level: 'debug',
      format: winston.format.combine(maskSensitive(), winston.format.timestamp(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: sink })],
    });
    let sent = 0;
    // Twilio's own error text for a rejected send quotes the number, as this one does. The
    // opt-out confirmation (a text that is none of the test's) fails the same way: its error, the
    // number in its message and stack, is logged by the gateway.
    const transport: SmsTransport = {
      name: 'twilio',
      async send(sms: OutboundSms) {
        if (sms.body.includes('invalid') || !texts.some((text) => sms.body.startsWith(text))) {
          throw new TransportError('rejected', `The 'To' number ${sms.to} is not a valid phone number.`, '21211', 400);
        }
        sent += 1;
        return { sid: `SM${String(sent).padStart(32, '0')}`, status: 'sent' };
      },
    };
    gateway = await createApp(config, { clock: () => new Date('2026-11-25T20:00:00.000Z'), logger, transport });
    http = request(gateway.app);
  });
  afterAll(async () => {
    await gateway.close();
    await database.drop();
  });

  const send = (body: string, category = 'marketing', idempotencyKey?: string) => {
    const req = http.post('/v1/messages').set(bearer(KEYS.sender));
    if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
    return req.send({ to: phone, body, category });
  };
  const inbound = (body: string) => http.post('/webhooks/twilio/sms').type('form').send(inboundParams(phone, body));

  async function databaseBytes(): Promise<{ where: string; text: string }[]> {
    if (dialect === 'sqlite') {
      const path = database.sqlitePath!;
      return [path, `${path}-wal`, `${path}-shm`]
        .filter((file) => existsSync(file))
        .map((file) => ({ where: file, text: readFileSync(file).toString('latin1') }));
    }
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = ${database.env.DATABASE_SCHEMA} and table_type = 'BASE TABLE'`.execute(gateway.ctx.db);
    expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(['messages', 'review_items', 'consent_events', 'inbound_messages', 'suppressions']));
    const dumps = [];
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.id(table_name)} t`.execute(gateway.ctx.db);
      dumps.push({ where: table_name, text: rows.rows.map((r) => r.row).join('\n') });
    }
    return dumps;
  }

  function traces(haystacks: { where: string; text: string }[]): string[] {
    return haystacks.flatMap(({ where, text }) =>
      [...numberForms, ...texts].filter((needle) => text.includes(needle)).map((needle) => `${where}: ${needle}`),
    );
  }

  it('after DELETE /v1/consent/:phone, no table, database file, WAL or log line holds the number or its texts', async () => {
    const optIn = await http
      .post(`/v1/consent/${phone}/opt-in`)
      .set(bearer(KEYS.writer))
      .send({ source: 'web_form', evidence: { ...EVIDENCE, capturedAt: '2026-11-20T10:00:00Z' } });
    expect(optIn.status).toBe(201);
    expect((await send(texts[0]!)).status).toBe(202);
    expect((await send(texts[1]!, 'transactional')).status).toBe(422);
    await inbound(texts[2]!);
    await inbound(texts[3]!);
    const [item] = (await http.get('/v1/review').set(bearer(KEYS.reader))).body.items;
    const resolved = await http
      .post(`/v1/review/${item.id}`)
      .set(bearer(KEYS.writer))
      .send({ resolution: 'not_revocation', note: `she asked "${texts[3]}" from 415-555-0187` });
    expect(resolved.status).toBe(200);
    await inbound(texts[3]!); // a second one, still pending at the erasure
    const staff = await http
      .post(`/v1/consent/${phone}/opt-out`)
      .set(bearer(KEYS.writer))
      .send({ channel: 'email', note: `called from (415) 555-0187 about "${texts[2]}"`, sendConfirmation: true });
    expect(staff.status).toBe(201);
    // Its confirmation failed: the opt-out stands, the failure is recorded and logged (with the
    // error's stack, which quotes the number: the log scan below checks it was masked).
    expect(staff.body.confirmation).toMatchObject({ status: 'failed' });
    expect(logLines.join('')).toMatch(/opt-out confirmation not sent/);
    expect(logLines.join('')).toMatch(/TransportError: The 'To' number/);

    // Before: the traces are there (the scan finds what it looks for).
    const before = traces(await databaseBytes());
    expect(before.some((t) => t.endsWith(phone))).toBe(true);
    expect(before.some((t) => t.endsWith('415-555-0187'))).toBe(true);
    expect(before.some((t) => t.endsWith(texts[2]!))).toBe(true);

    const erased = await http.delete(`/v1/consent/${phone}`).set(bearer(KEYS.writer)).send({ note: 'ticket 4411, caller 415.555.0187' });
    expect(erased.status).toBe(200);

    // Afterwards: a marketer still sending to it is refused, and the refusal is recorded without the number or the text.
    const refused = await send(texts[4]!, 'marketing', 'campaign-7-recipient-1');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('opted_out');
    const refusedRow = await gateway.ctx.db.selectFrom('messages').selectAll().where('id', '=', refused.body.error.details.messageId).executeTakeFirstOrThrow();
    expect(refusedRow).toMatchObject({ phone: `erased:${erased.body.phoneHash.slice(0, 16)}`, body: '[erased]', status: 'refused', refusal_code: 'opted_out' });
    // Neither a far-future capturedAt nor an old consent lifts the suppression.
    const future = await http
      .post(`/v1/consent/${phone}/opt-in`)
      .set(bearer(KEYS.writer))
      .send({ source: 'crm', evidence: { ...EVIDENCE, capturedAt: '2099-01-01T00:00:00Z' } });
    expect(future.status).toBe(400);
    expect(future.body.error.code).toBe('captured_at_in_future');
    const stale = await http
      .post(`/v1/consent/${phone}/opt-in`)
      .set(bearer(KEYS.writer))
      .send({ source: 'crm', evidence: { ...EVIDENCE, capturedAt: '2026-11-20T10:00:00Z' } });
    expect(stale.body.error.code).toBe('erased_number');
    expect((await http.get(`/v1/consent/${phone}`).set(bearer(KEYS.reader))).body).toMatchObject({ suppressed: true, status: 'unknown' });

    const suppression = await gateway.ctx.db.selectFrom('suppressions').selectAll().executeTakeFirstOrThrow();
    expect(suppression.note).toBe('ticket 4411, caller [number erased]');
    expect(traces(await databaseBytes())).toEqual([]);
    // The WAL was truncated after the erasure (what is in it now came after).
    if (dialect === 'sqlite') expect(readFileSync(`${database.sqlitePath}-wal`).length).toBeLessThan(64 * 1024);
    expect(logLines.length).toBeGreaterThan(0);
    expect(traces([{ where: 'log', text: logLines.join('') }])).toEqual([]);
  });
});

describe('erasure on SQLite while another process pins the WAL', () => {
  it('the erasure still answers; the WAL is truncated once the reader lets go (at the next erasure)', async () => {
    const database = await createTestDatabase('sqlite');
    const logLines: string[] = [];
    const logger = winston.createLogger({
      level: 'info',
      format: winston.format.combine(maskSensitive(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(chunk.toString()), done()) }) })],
    });
    const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...database.env });
    const gateway = await createApp(config, { clock: () => new Date('2026-11-25T20:00:00.000Z'), logger });
    const http = request(gateway.app);
    const path = database.sqlitePath!;
    const other = new SqliteDatabase(path, { readonly: true });
    try {
      const first = '+14155550191';
      const second = '+14155550192';
      for (const phone of [first, second]) {
        await http.post(`/v1/consent/${phone}/opt-in`).set(bearer(KEYS.writer)).send({ source: 'web_form', evidence: EVIDENCE });
        await http.post('/webhooks/twilio/sms').type('form').send(inboundParams(phone, 'Who is this?'));
      }
      // Another process's reader in the middle of a read transaction: its snapshot pins the WAL.
      other.prepare('begin').run();
      other.prepare('select count(*) from consent_events').get();
      expect((await http.delete(`/v1/consent/${first}`).set(bearer(KEYS.writer))).status).toBe(200);
      expect(logLines.join('')).toMatch(/WAL not truncated after erasure/);
      expect(readFileSync(`${path}-wal`).toString('latin1')).toContain(first);

      other.prepare('commit').run();
      expect((await http.delete(`/v1/consent/${second}`).set(bearer(KEYS.writer))).status).toBe(200);
      const bytes = [path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('');
      expect(bytes).not.toContain(first);
      expect(bytes).not.toContain(second);
      expect(bytes).not.toContain('Who is this?');
    } finally {
      other.close();
      await gateway.close();
      await database.drop();
    }
  });
});
