import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';
import { bearer, KEYS, startHarness, type Harness } from '../helpers/harness';
import { runLedgerCli } from '../helpers/ledger-cli';

const CSV = [
  'Phone Number,Date,Note',
  '+14155550101,2026-03-01T10:00:00Z,from the old CRM',
  '(415) 555-0102,2026-03-02,',
  '4155550103,,no date given',
  '+14155550101,2026-03-05,duplicate of the first row',
  'not-a-number,2026-03-01,bad phone',
  '+14155550104,last tuesday,bad date',
  ',2026-03-01,no phone at all',
  '"+14155550105,2026-03-01,unclosed quote',
].join('\n');

describe.each(DIALECTS)('ledger CLI (%s)', (dialect) => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runLedgerCli(args, database.env);

  it('import: good rows recorded, duplicates skipped, malformed rows rejected with reasons', async () => {
    const file = join(dir, 'optouts.csv');
    writeFileSync(file, CSV);
    const first = await cli('import', file, '--json');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ imported: 3, skipped: 1, skippedReasons: { 'duplicate in file': 1 } });
    expect(summary.rejected).toBeGreaterThanOrEqual(3);
    const reasons = summary.rejections.map((r: { line: number; reason: string }) => r.reason).join(' | ');
    expect(reasons).toMatch(/not a valid phone number/);
    expect(reasons).toMatch(/unreadable date/);
    expect(reasons).toMatch(/no phone number in column "phone_number"/);

    const again = JSON.parse((await cli('import', file, '--json')).stdout);
    expect(again.imported).toBe(0);
    expect(again.skippedReasons['already opted out']).toBe(3);

    const text = await cli('import', file);
    expect(text.stdout).toMatch(/^rows: \d+, imported: 0, skipped: 4, rejected: \d+/);
  });

  it('imported numbers are opted out with channel import and the given date', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...database.env });
    const gateway = await createApp(config);
    try {
      const rows = await gateway.ctx.db.selectFrom('consent_events').selectAll().orderBy('id').execute();
      expect(rows.map((r) => [r.phone, r.channel, r.status])).toEqual([
        ['+14155550101', 'import', 'opted_out'],
        ['+14155550102', 'import', 'opted_out'],
        ['+14155550103', 'import', 'opted_out'],
      ]);
      expect(rows[0]!.occurred_at).toBe('2026-03-01T10:00:00.000Z');
      expect(rows[0]!.actor).toBe('import:import');
    } finally {
      await gateway.close();
    }
  });

  it('an imported opt-out older than a later opt-in does not override it', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...database.env });
    const gateway = await createApp(config, { clock: () => new Date('2026-06-01T00:00:00Z') });
    try {
      const { recordApiOptIn } = await import('../../src/consent/service');
      await recordApiOptIn(gateway.ctx, '+14155550109', { source: 'web', evidence: { consentText: 'yes' } }, 'test');
    } finally {
      await gateway.close();
    }
    const file = join(dir, 'old.csv');
    writeFileSync(file, 'phone,date\n+14155550109,2026-01-01\n');
    const summary = JSON.parse((await cli('import', file, '--json')).stdout);
    expect(summary).toMatchObject({ imported: 0, skippedReasons: { 'opted in after this opt-out': 1 } });
  });

  it('export and stats', async () => {
    const csv = await cli('export', '--kind', 'numbers', '--status', 'opted_out');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^phone,status,/);
    expect(lines).toHaveLength(4);
    const out = join(dir, 'events.ndjson');
    expect((await cli('export', '--kind', 'events', '--format', 'ndjson', '--out', out)).code).toBe(0);
    const stats = JSON.parse((await cli('stats')).stdout);
    expect(stats).toMatchObject({ numbers: { opted_out: 3, opted_in: 1 }, consentEvents: 4, eventsByChannel: { import: 3, api: 1 } });
  });

  it('verify: exit 0 on an intact ledger, exit 1 naming the first event changed behind its back', async () => {
    const ok = await cli('verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ledger verified: 4 events/);

    const config = loadConfig({ NODE_ENV: 'test', ...database.env });
    const gateway = await createApp(config);
    try {
      await sql`update consent_events set occurred_at = '2020-01-01T00:00:00.000Z' where phone = '+14155550102'`.execute(gateway.ctx.db);
      const id = (await gateway.ctx.db.selectFrom('consent_events').select('id').where('phone', '=', '+14155550102').executeTakeFirstOrThrow()).id;
      const broken = await cli('verify');
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(`LEDGER BROKEN at event ${id}`);
    } finally {
      await gateway.close();
    }
  });

  it('never marks a live gateway\'s pending sends unknown (no start-up reconciliation in the CLI)', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...database.env });
    const gateway = await createApp(config);
    const id = 'msg_00000000000c00000000000000000001';
    try {
      // Long past the in-flight bound: a gateway's start-up would make it unknown.
      await gateway.ctx.db
        .insertInto('messages')
        .values({
          id, kind: 'send', api_key_id: 'k', actor: 'campaigns', idempotency_key: null, request_hash: 'h', phone: '+14155550177',
          category: 'marketing', body: 'In flight', status: 'pending', refusal_code: null, counts_toward_cap: 1, cap_month: '2020-01',
          cap_released: 0, transport: 'twilio', twilio_sid: null, error_code: null, error_message: null, created_at: '2020-01-01T00:00:00.000Z',
          updated_at: '2020-01-01T00:00:00.000Z', decided_at: '2020-01-01T00:00:00.000Z', send_after: null, claimed_at: null,
        })
        .execute();
      expect((await cli('stats')).code).toBe(0);
      const row = await gateway.ctx.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.status).toBe('pending');
    } finally {
      await gateway.ctx.db.deleteFrom('messages').where('id', '=', id).execute();
      await gateway.close();
    }
  });

  it('a bad command or bad configuration exits non-zero with a message', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('import', 'x.csv', '--phone-colum', 'From')).code).toBe(2);
    const bad = await runLedgerCli(['stats'], { ...database.env, DATABASE_URL: 'mysql://nope' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DATABASE_URL');
  });
});

const ERASURE_HASH_KEY = 'ledger-cli-erasure-key-0123456789';

describe.each(DIALECTS)('ledger CLI import against the consent recorded through the API (%s)', (dialect) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness(dialect, { env: { ERASURE_HASH_KEY }, now: '2026-11-26T09:00:00.000Z' });
    dir = mkdtempSync(join(tmpdir(), 'ledger-consent-'));
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const importFile = async (name: string, csv: string) => {
    const file = join(dir, name);
    writeFileSync(file, csv);
    const run = await runLedgerCli(['import', file, '--json'], { ...h.database.env, ERASURE_HASH_KEY });
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  };
  const optInCapturedAt = async (phone: string, capturedAt: string) => {
    const res = await h.http
      .post(`/v1/consent/${encodeURIComponent(phone)}/opt-in`)
      .set(bearer(KEYS.writer))
      .send({ source: 'web', evidence: { consentText: 'I agree', capturedAt } });
    expect(res.status).toBe(201);
  };
  const consentOf = async (phone: string) => {
    const res = await h.http.get(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.reader));
    expect(res.status).toBe(200);
    return res.body as { status: string; suppressed: boolean; events: { type: string; channel: string; occurredAt: string }[] };
  };
  const ledgerRowsOf = async (phone: string) =>
    h.ctx.db.selectFrom('consent_events').select(['id', 'phone']).where('phone', '=', phone).execute();

  it("an opt-out dated after the consent's capture is recorded, whenever the opt-in was recorded; one dated before it is skipped (instants, not strings)", async () => {
    const phones = {
      afterCapture: '+14155550202',
      afterCaptureOtherOffset: '+14155550203',
      beforeCapture: '+14155550204',
      sameInstant: '+14155550205',
      beforeLatestOptIn: '+14155550206',
    };
    // All recorded on 26 Nov, the consent captured earlier (a CRM syncing late).
    await optInCapturedAt(phones.afterCapture, '2026-11-20T10:00:00-05:00');
    // 05:00Z: a string comparison would take "10:00+05:00" as after "08:00Z".
    await optInCapturedAt(phones.afterCaptureOtherOffset, '2026-11-20T10:00:00+05:00');
    await optInCapturedAt(phones.beforeCapture, '2026-11-20T10:00:00-05:00');
    await optInCapturedAt(phones.sameInstant, '2026-11-20T10:00:00-05:00');
    // Opted in on 1 Nov, out on 5 Nov, in again on 8 Nov: the latest opt-in is the one that counts.
    h.setNow('2026-11-02T00:00:00.000Z');
    await optInCapturedAt(phones.beforeLatestOptIn, '2026-11-01T12:00:00Z');
    h.setNow('2026-11-05T00:00:00.000Z');
    const out = await h.http.post(`/v1/consent/${encodeURIComponent(phones.beforeLatestOptIn)}/opt-out`).set(bearer(KEYS.writer)).send({ channel: 'staff' });
    expect(out.status).toBe(201);
    h.setNow('2026-11-26T09:00:00.000Z');
    await optInCapturedAt(phones.beforeLatestOptIn, '2026-11-08T12:00:00Z');

    const summary = await importFile(
      'after-capture.csv',
      [
        'phone,date',
        `${phones.afterCapture},2026-11-25T12:00:00Z`,
        `${phones.afterCaptureOtherOffset},2026-11-20T08:00:00Z`,
        `${phones.beforeCapture},2026-11-20T14:30:00Z`,
        `${phones.sameInstant},2026-11-20T15:00:00Z`,
        `${phones.beforeLatestOptIn},2026-11-06T12:00:00Z`,
      ].join('\n'),
    );
    expect(summary).toMatchObject({ imported: 3, skipped: 2, rejected: 0, skippedReasons: { 'opted in after this opt-out': 2 } });

    const recorded = { afterCapture: '2026-11-25T12:00:00.000Z', afterCaptureOtherOffset: '2026-11-20T08:00:00.000Z', sameInstant: '2026-11-20T15:00:00.000Z' };
    for (const [key, occurredAt] of Object.entries(recorded)) {
      const view = await consentOf(phones[key as keyof typeof phones]);
      expect({ key, status: view.status, last: view.events.at(-1) }).toMatchObject({ key, status: 'opted_out', last: { type: 'opt_out', channel: 'import', occurredAt } });
    }
    for (const key of ['beforeCapture', 'beforeLatestOptIn'] as const) {
      const view = await consentOf(phones[key]);
      expect({ key, status: view.status, last: view.events.at(-1)?.type }).toEqual({ key, status: 'opted_in', last: 'opt_in' });
    }
  });

  it('an erased number is skipped, never written back into the ledger; one whose erasure was lifted by new consent is not', async () => {
    const erased = '+14155550211';
    const neverKnown = '+14155550212';
    const consentedAgain = '+14155550213';
    const other = '+14155550214';
    await optInCapturedAt(erased, '2026-11-20T10:00:00Z');
    for (const phone of [erased, neverKnown, consentedAgain]) {
      const res = await h.http.delete(`/v1/consent/${encodeURIComponent(phone)}`).set(bearer(KEYS.writer)).send({});
      expect(res.status).toBe(200);
    }
    expect(await ledgerRowsOf(erased)).toEqual([]);
    // New consent captured after the erasure lifts its suppression.
    h.setNow('2026-11-26T10:00:00.000Z');
    await optInCapturedAt(consentedAgain, '2026-11-26T09:30:00Z');

    const csv = ['phone,date', `${erased},2026-11-25T12:00:00Z`, `${neverKnown},`, `${consentedAgain},2026-11-26T09:45:00Z`, `${other},2026-11-25T12:00:00Z`].join('\n');
    const summary = await importFile('erased.csv', csv);
    expect(summary).toMatchObject({ imported: 2, skipped: 2, rejected: 0, skippedReasons: { 'erased on request: already suppressed': 2 } });
    expect(await ledgerRowsOf(erased)).toEqual([]);
    expect(await ledgerRowsOf(neverKnown)).toEqual([]);
    // Still blocked from every send by the suppression, with nothing of the number in the ledger.
    for (const phone of [erased, neverKnown]) {
      expect(await consentOf(phone)).toMatchObject({ status: 'unknown', suppressed: true, events: [] });
    }
    expect(await consentOf(consentedAgain)).toMatchObject({ status: 'opted_out', suppressed: false });
    expect((await consentOf(other)).status).toBe('opted_out');

    // The same file again: still nothing of the erased numbers.
    const again = await importFile('erased.csv', csv);
    expect(again).toMatchObject({ imported: 0, skippedReasons: { 'erased on request: already suppressed': 2, 'already opted out': 2 } });
    expect(await ledgerRowsOf(erased)).toEqual([]);
  });
});

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'import');
/** The business's numbers in the fixtures (fixtures/README.md). */
const BUSINESS = { twilioFrom: '+14155550100', pool: '+14155550198', old: '+14155550199' };

describe.each(DIALECTS)('ledger CLI import: which column is the person, which numbers are ours (%s)', (dialect) => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'ledger-columns-'));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...database.env, TWILIO_FROM_NUMBER: BUSINESS.twilioFrom });
  const cli = (...args: string[]) => runLedgerCli(args, env());
  /** Every consent event of these numbers, as the ledger holds it. */
  const eventsOf = async (phones: string[]) => {
    const gateway = await createApp(loadConfig({ NODE_ENV: 'test', ...database.env }));
    try {
      return await gateway.ctx.db
        .selectFrom('consent_events')
        .select(['phone', 'status', 'occurred_at'])
        .where('phone', 'in', phones)
        .orderBy('id')
        .execute();
    } finally {
      await gateway.close();
    }
  };
  const twilioLog = join(FIXTURES, 'twilio-message-log.csv');
  const everyNumberOfTheLog = ['+14155550121', '+14155550122', '+14155550123', '+14155550124', '+14155550125', '+14155550126', BUSINESS.twilioFrom, BUSINESS.old];

  it('a Twilio message log is not guessed: exit 2 asking for --phone-column, nothing written', async () => {
    const refused = await cli('import', twilioLog, '--json');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/From and To/);
    expect(refused.stderr).toMatch(/--phone-column/);
    expect(refused.stderr).toContain('headers found: "From", "To", "Body", "Status", "SentDate"');
    expect(await eventsOf(everyNumberOfTheLog)).toEqual([]);
  });

  it('--phone-column From: the senders of inbound texts opted out at their SentDate; our numbers, outbound rows and future or unreadable dates rejected', async () => {
    const run = await cli('import', twilioLog, '--phone-column', 'From', '--json');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ rows: 7, imported: 2, skipped: 0, rejected: 5, columns: { phone: 'from', date: 'sentdate', direction: 'direction' } });
    expect(summary.rejections).toEqual([
      { line: 3, reason: expect.stringMatching(/business's own sender number/) },
      { line: 5, reason: expect.stringMatching(/business's own sender number/) },
      { line: 6, reason: 'outbound-api message: its "from" is the business\'s number, not the person\'s' },
      { line: 7, reason: 'date in the future "2999-01-01 00:00:00 UTC"' },
      { line: 8, reason: expect.stringMatching(/^unreadable date "sometime in May"/) },
    ]);
    expect(run.stderr).toMatch(/5 of 7 rows rejected/);
    expect(await eventsOf(everyNumberOfTheLog)).toEqual([
      { phone: '+14155550121', status: 'opted_out', occurred_at: '2024-05-01T14:03:22.000Z' },
      { phone: '+14155550122', status: 'opted_out', occurred_at: '2024-05-02T09:15:00.000Z' },
    ]);
  });

  it('--phone-column To reads the recipients of outbound texts only (inbound rows rejected), at their SentDate', async () => {
    const run = await cli('import', twilioLog, '--phone-column', 'to', '--exclude-number', BUSINESS.old, '--json');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ imported: 2, skipped: 1, skippedReasons: { 'already opted out': 1 } });
    expect(summary.rejections.map((r: { line: number }) => r.line)).toEqual([2, 4, 7, 8]);
    const recipients = await eventsOf(['+14155550123', '+14155550124']);
    expect(recipients).toEqual([
      { phone: '+14155550123', status: 'opted_out', occurred_at: '2024-05-03T16:00:00.000Z' },
      { phone: '+14155550124', status: 'opted_out', occurred_at: '2024-05-03T16:00:01.000Z' },
    ]);
    expect(await eventsOf([BUSINESS.twilioFrom, BUSINESS.old])).toEqual([]);
  });

  it('no phone column: exit 2 naming the headers found and the flag; --phone-column on a column of no numbers: exit 1, nothing imported', async () => {
    const file = join(FIXTURES, 'no-phone-column.csv');
    const refused = await cli('import', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no phone number column recognised/);
    expect(refused.stderr).toContain('headers found: "Name", "Email", "Opted Out At"');
    expect(refused.stderr).toMatch(/--phone-column/);

    const unknown = await cli('import', file, '--phone-column', 'Telephone');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--phone-column "Telephone": the file has no such column/);

    const nothing = await cli('import', file, '--phone-column', 'Email', '--json');
    expect(nothing.code).toBe(1);
    expect(JSON.parse(nothing.stdout)).toMatchObject({ rows: 2, imported: 0, skipped: 0, rejected: 2 });
    expect(nothing.stderr).toMatch(/nothing could be imported: 2 rows, 2 rejected \(line 2: not a valid phone number/);

    const headerOnly = join(dir, 'header-only.csv');
    writeFileSync(headerOnly, 'phone,date\n');
    const empty = await cli('import', headerOnly);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/nothing could be imported: 0 rows/);
  });

  it('ambiguous headers: exit 2 naming the candidates; --phone-column picks one, --date-column settles two date columns', async () => {
    const file = join(FIXTURES, 'ambiguous-phone-columns.csv');
    const refused = await cli('import', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/several columns could hold the phone number \(phone, mobile\); name one with --phone-column/);
    expect(await eventsOf(['+14155550131', '+14155550132', '+14155550133', '+14155550134'])).toEqual([]);

    const run = await cli('import', file, '--phone-column', 'Mobile', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ imported: 2, rejected: 0, columns: { phone: 'mobile', date: 'date' } });
    expect((await eventsOf(['+14155550131', '+14155550132', '+14155550133', '+14155550134'])).map((e) => e.phone)).toEqual(['+14155550132', '+14155550134']);

    const twoDates = join(dir, 'two-dates.csv');
    writeFileSync(twoDates, 'phone,date_created,date_sent\n+14155550135,2024-05-01T08:00:00Z,2024-05-01T08:00:05Z\n');
    const ambiguousDate = await cli('import', twoDates);
    expect(ambiguousDate.code).toBe(2);
    expect(ambiguousDate.stderr).toMatch(/several columns could hold the opt-out's date \(date_created, date_sent\); name one with --date-column/);
    expect((await cli('import', twoDates, '--date-column', 'date_sent')).code).toBe(0);

    const twice = join(dir, 'phone-twice.csv');
    writeFileSync(twice, 'Phone,Name,Phone\n+14155550136,Ann,+14155550137\n');
    const sameName = await cli('import', twice);
    expect(sameName.code).toBe(2);
    expect(sameName.stderr).toMatch(/the column "phone" appears more than once/);
    expect(await eventsOf(['+14155550135', '+14155550136', '+14155550137'])).toEqual([
      { phone: '+14155550135', status: 'opted_out', occurred_at: '2024-05-01T08:00:05.000Z' },
    ]);
  });

  it("the business's own numbers (TWILIO_FROM_NUMBER, SENDER_NUMBERS, --exclude-number) are rejected, never opted out; a file of only them exits 1", async () => {
    const file = join(FIXTURES, 'business-number.csv');
    const run = await runLedgerCli(['import', file, '--exclude-number', '(415) 555-0199', '--json'], { ...env(), SENDER_NUMBERS: BUSINESS.pool });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ rows: 4, imported: 1, rejected: 3 });
    expect(summary.rejections).toEqual([2, 3, 4].map((line) => ({ line, reason: expect.stringMatching(/business's own sender number.*never opted out/) })));
    expect(await eventsOf([BUSINESS.twilioFrom, BUSINESS.pool, BUSINESS.old, '+14155550141'])).toEqual([
      { phone: '+14155550141', status: 'opted_out', occurred_at: '2024-05-01T10:00:00.000Z' },
    ]);

    const onlyOurs = join(dir, 'only-ours.csv');
    writeFileSync(onlyOurs, 'phone\n+1 415 555 0100\n');
    const nothing = await cli('import', onlyOurs);
    expect(nothing.code).toBe(1);
    expect(nothing.stdout).toMatch(/^rows: 1, imported: 0, skipped: 0, rejected: 1/);
    expect(nothing.stderr).toMatch(/nothing could be imported: 1 rows, 1 rejected \(line 2: the business's own sender number/);
    expect(await eventsOf([BUSINESS.twilioFrom])).toEqual([]);

    const badFlag = await cli('import', onlyOurs, '--exclude-number', 'our main line');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--exclude-number "our main line" is not a valid phone number/);
  });
});

// Reading the file is the same whatever the database: SQLite files only.
describe('ledger CLI import: the file read on a worker thread', () => {
  let dir: string;
  const databases: TestDatabase[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-import-'));
  });
  afterAll(async () => {
    for (const d of databases) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const fresh = async () => {
    const d = await createTestDatabase('sqlite');
    databases.push(d);
    return d;
  };

  it('gives the same summary, line for line, as reading on the main thread, over many batches', async () => {
    // 3,500 records: four batches, with bad numbers, bad dates and duplicates spread over all.
    const lines = ['phone,date,note'];
    let repeats = 0;
    for (let k = 0; k < 3_500; k++) {
      const phone = k % 97 === 5 ? 'no-number' : k % 89 === 3 ? '+14155550100' : `+1212${String(2_000_000 + k)}`;
      const date = k % 101 === 7 ? 'someday' : '2026-02-01';
      if (phone === '+14155550100' && date !== 'someday') repeats += 1;
      lines.push(`${phone},${date},row ${k}`);
    }
    const file = join(dir, 'many.csv');
    writeFileSync(file, lines.join('\n'));

    const viaCli = await runLedgerCli(['import', file, '--json'], (await fresh()).env);
    expect(viaCli.code).toBe(0);
    const workerSummary = JSON.parse(viaCli.stdout);

    // In-process from the TypeScript sources there is no compiled worker: the main thread reads.
    const { importOptOuts } = await import('../../src/cli/import-opt-outs');
    const gateway = await createApp(loadConfig({ NODE_ENV: 'test', ...(await fresh()).env }));
    try {
      const mainSummary = await importOptOuts(gateway.ctx, file, { actor: 'import:import' });
      expect({ ...workerSummary, elapsedMs: 0 }).toEqual({ ...mainSummary, elapsedMs: 0 });
    } finally {
      await gateway.close();
    }
    expect(workerSummary).toMatchObject({ rows: 3_500, skippedReasons: { 'duplicate in file': repeats - 1 } });
    // Line numbers count the header: record k is on line k + 2.
    expect(workerSummary.rejections[0]).toEqual({ line: 7, reason: 'not a valid phone number' });
    expect(workerSummary.rejections).toContainEqual({ line: 3_443, reason: 'unreadable date "someday" (ISO 8601 or RFC 2822 expected)' });
    expect(workerSummary.imported + workerSummary.skipped + workerSummary.rejected).toBe(3_500);
  });

  it('a file that cannot be read fails the import with its reason, non-zero', async () => {
    const missing = await runLedgerCli(['import', join(dir, 'no-such-file.csv'), '--json'], (await fresh()).env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no such file/);
  });
});
