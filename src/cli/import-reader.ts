import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { toE164 } from '../phone';

/**
 * Header names (lower-cased, spaces and hyphens as `_`) a column is guessed from when no flag
 * names it. A guess is taken only when exactly one header of the file is among them: a wrong
 * column would opt out the wrong people (a Twilio log's `To` is the business's own number).
 */
const PHONE_COLUMNS = ['phone', 'phone_number', 'phonenumber', 'mobile', 'mobile_number', 'mobile_phone', 'cell', 'cell_phone', 'number', 'msisdn', 'e164', 'to', 'from'];
const DATE_COLUMNS = ['occurred_at', 'opted_out_at', 'opt_out_date', 'date', 'timestamp', 'created_at', 'date_created', 'date_sent', 'sentdate', 'sent_date', 'datesent'];
/** Notes are only kept as evidence: the first of these in this order is taken. */
const NOTE_COLUMNS = ['note', 'notes', 'reason', 'source', 'comment', 'comments'];

/** A date this much after the import's start is still accepted (the exporting system's clock may run ahead). */
export const IMPORT_CLOCK_SKEW_MS = 5 * 60_000;

export const MAX_IMPORT_ROWS = 5_000_000;
/** Records per batch: one transaction's worth, and the unit the reader hands over. */
export const IMPORT_BATCH = 1_000;

/** What an import is told, beside the file: everything the reader needs, none of it from the database. */
export interface ImportReadOptions {
  /** Header of the person's phone number (any case; spaces and hyphens count as `_`). */
  phoneColumn?: string;
  dateColumn?: string;
  noteColumn?: string;
  /** The business's own sender numbers, E.164: a row with one of them is rejected, never opted out. */
  excludedNumbers: string[];
  /** ISO instant: a row dated later is rejected (a future date is a mistake, not an opt-out to honour). */
  notAfter: string;
}

/** The columns an import reads, as the header names them (normalised). */
export interface ImportColumns {
  phone: string;
  date: string | null;
  note: string | null;
  /** Twilio's `Direction`: read only to check that the phone column is the person's side of each message. */
  direction: string | null;
}

/** The file cannot be imported as asked (no phone column, an ambiguous one, a flag naming no column). Nothing is written. */
export class ImportSetupError extends Error {
  readonly code = 'import_setup';
  constructor(message: string) {
    super(message);
    this.name = 'ImportSetupError';
  }
}

export interface ImportRejection {
  line: number;
  reason: string;
}

/** A row that passed every check, ready for the ledger. */
export interface GoodRow {
  line: number;
  phone: string;
  occurredAt: string | null;
  note: string | null;
}

/** What the reader made of up to IMPORT_BATCH records of the file. */
export interface ReadBatch {
  /** The columns read, decided from the header row. */
  columns: ImportColumns;
  /** Records read, good or not. */
  read: number;
  rows: GoodRow[];
  rejections: ImportRejection[];
  skips: Record<string, number>;
}

export function normaliseHeader(header: string): string {
  return header.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function listHeaders(headers: string[]): string {
  return headers.length === 0 ? '(none)' : headers.map((h) => `"${h}"`).join(', ');
}

/**
 * Decides which columns to read from the header row. A column named by a flag must exist; an
 * unnamed one is guessed only when exactly one header is a known name for it. A Twilio message
 * log (`From` and `To`) is never guessed: the person is `From` on an inbound message and `To` on
 * an outbound one, and the other side is the business.
 */
export function resolveColumns(rawHeaders: string[], options: Pick<ImportReadOptions, 'phoneColumn' | 'dateColumn' | 'noteColumn'>): ImportColumns {
  const headers = rawHeaders.map(normaliseHeader);
  const found = `headers found: ${listHeaders(rawHeaders.map((h) => h.trim()))}`;
  const named = (flag: string, name: string): string => {
    const column = normaliseHeader(name);
    if (!headers.includes(column)) throw new ImportSetupError(`${flag} "${name}": the file has no such column (${found})`);
    return column;
  };
  const candidates = (names: string[]) => headers.filter((h) => names.includes(h));

  let phone: string;
  if (options.phoneColumn !== undefined) phone = named('--phone-column', options.phoneColumn);
  else {
    const phoneCandidates = [...new Set(candidates(PHONE_COLUMNS))];
    if (phoneCandidates.includes('from') && phoneCandidates.includes('to')) {
      throw new ImportSetupError(
        `this looks like a message log (From and To): the person is From on inbound messages and To on outbound ones, the other side is the business's number. ` +
          `Name the column with --phone-column (e.g. --phone-column From for the inbound STOP messages); ${found}`,
      );
    }
    if (phoneCandidates.length !== 1) {
      throw new ImportSetupError(
        phoneCandidates.length === 0
          ? `no phone number column recognised (known names: ${PHONE_COLUMNS.join(', ')}); name it with --phone-column; ${found}`
          : `several columns could hold the phone number (${phoneCandidates.join(', ')}); name one with --phone-column; ${found}`,
      );
    }
    phone = phoneCandidates[0]!;
  }

  let date: string | null = null;
  if (options.dateColumn !== undefined) date = named('--date-column', options.dateColumn);
  else {
    const dates = [...new Set(candidates(DATE_COLUMNS))];
    if (dates.length > 1) {
      throw new ImportSetupError(`several columns could hold the opt-out's date (${dates.join(', ')}); name one with --date-column; ${found}`);
    }
    date = dates[0] ?? null;
  }

  let note: string | null = null;
  if (options.noteColumn !== undefined) note = named('--note-column', options.noteColumn);
  else note = NOTE_COLUMNS.find((n) => headers.includes(n)) ?? null;

  if (date === phone || note === phone) throw new ImportSetupError(`the phone column "${phone}" cannot also be the date or the note column`);
  for (const column of [phone, date]) {
    // csv-parse keeps the last of two same-named columns: which one the file meant is a guess.
    if (column && headers.filter((h) => h === column).length > 1) throw new ImportSetupError(`the column "${column}" appears more than once; ${found}`);
  }
  return { phone, date, note, direction: headers.includes('direction') ? 'direction' : null };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** ISO 8601 (`T` or a space, seconds and fraction optional) and Twilio's "2024-05-01 14:03:22 UTC". */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)? ?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?$/i;
/** RFC 2822, as Twilio's API gives dates: "Wed, 01 May 2024 14:03:22 +0000". */
const RFC_2822_DATE = /^(?:(?:mon|tue|wed|thu|fri|sat|sun),? ?)?(\d{1,2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? (Z|UT|UTC|GMT|[+-]\d{4})$/i;

function utcInstant(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, zone: string | undefined): number | null {
  // Before 1970 is a typo, not an opt-out (and Date.UTC would read years below 100 as 19xx).
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(t).getUTCDate() !== day) return null; // 30 February
  let offsetMinutes = 0;
  if (zone && /^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 14 || minutes > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return t - offsetMinutes * 60_000;
}

/**
 * Reads a date of an opt-out: ISO 8601 or RFC 2822, nothing else (no guessing between 05/01 and
 * 01/05, no "last tuesday"). A date or time without a zone is UTC, as Twilio exports it.
 */
export function parseImportDate(raw: string): string | null {
  let t: number | null = null;
  const iso = ISO_DATE.exec(raw);
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, zone] = iso;
    t = utcInstant(+y!, +mo!, +d!, +(h ?? 0), +(mi ?? 0), +(s ?? 0), frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0, zone);
  } else {
    const rfc = RFC_2822_DATE.exec(raw);
    const month = rfc ? MONTHS.indexOf(rfc[2]!.toLowerCase()) + 1 : 0;
    if (rfc && month > 0) t = utcInstant(+rfc[3]!, month, +rfc[1]!, +rfc[4]!, +rfc[5]!, +(rfc[6] ?? 0), 0, rfc[7]);
  }
  return t === null || !Number.isFinite(t) ? null : new Date(t).toISOString();
}

/**
 * Reads an opt-out CSV and checks every row (phone number, sender numbers, date, duplicates
 * within the file): everything an import decides without the database. Pure reading, so it can
 * run on a worker thread beside the one writing to the ledger. Throws ImportSetupError, before
 * any batch, when the header row does not say which column holds the phone number.
 */
export async function* readImportFile(file: string, options: ImportReadOptions): AsyncGenerator<ReadBatch> {
  const seenInFile = new Set<string>();
  const check = rowChecker(options);
  let columns: ImportColumns | null = null;
  let setupError: ImportSetupError | null = null;
  let batch: ReadBatch | null = null;
  let total = 0;
  const parser = createReadStream(file).pipe(
    parse({
      columns: (header: string[]) => {
        try {
          columns = resolveColumns(header, options);
        } catch (err) {
          // Thrown from here, csv-parse would report it as a broken record; the loop below rethrows it.
          setupError = err as ImportSetupError;
        }
        return header.map(normaliseHeader);
      },
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      // PostgreSQL text cannot hold NUL (U+0000): a file exported elsewhere is read without it.
      cast: (value: string) => value.replaceAll('\0', ''),
      max_record_size: 10_000,
      info: true,
      // A malformed line (an unclosed quote, a runaway record) is rejected, not fatal to the import.
      skip_records_with_error: true,
    }),
  );
  const pendingRejections: ImportRejection[] = [];
  parser.on('skip', (err: Error & { lines?: number }) => {
    (batch?.rejections ?? pendingRejections).push({ line: err.lines ?? 0, reason: `malformed CSV: ${err.message.slice(0, 120)}` });
  });
  const fresh = (c: ImportColumns): ReadBatch => ({ columns: c, read: 0, rows: [], rejections: pendingRejections.splice(0), skips: {} });
  const skip = (reason: string) => {
    batch!.skips[reason] = (batch!.skips[reason] ?? 0) + 1;
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (setupError) throw setupError;
      batch ??= fresh(columns!);
      total += 1;
      batch.read += 1;
      const line = info.lines;
      if (total > MAX_IMPORT_ROWS) {
        batch.rejections.push({ line, reason: `more than ${MAX_IMPORT_ROWS} rows: the rest of the file was not read` });
        break;
      }
      const good = check(record, columns!, line, batch.rejections);
      if (good) {
        if (seenInFile.has(good.phone)) skip('duplicate in file');
        else {
          seenInFile.add(good.phone);
          batch.rows.push(good);
        }
      }
      if (batch.read >= IMPORT_BATCH) {
        yield batch;
        batch = fresh(columns!);
      }
    }
  } finally {
    parser.destroy();
  }
  if (setupError) throw setupError;
  if (batch && (batch.read > 0 || batch.rejections.length > 0)) yield batch;
  else if (columns && pendingRejections.length > 0) yield fresh(columns);
}

function rowChecker(options: ImportReadOptions) {
  const excluded = new Set(options.excludedNumbers);
  const notAfter = Date.parse(options.notAfter);
  // Exports repeat the same few dates (a day's STOPs): parse each distinct text once.
  let lastRawDate = '';
  let lastDate: string | null = null;
  return (record: Record<string, string>, columns: ImportColumns, line: number, rejections: ImportRejection[]): GoodRow | null => {
    const rawPhone = record[columns.phone];
    if (!rawPhone) {
      rejections.push({ line, reason: `no phone number in column "${columns.phone}"` });
      return null;
    }
    const phone = toE164(rawPhone);
    if (!phone) {
      rejections.push({ line, reason: 'not a valid phone number' });
      return null;
    }
    if (excluded.has(phone)) {
      rejections.push({ line, reason: "the business's own sender number (TWILIO_FROM_NUMBER, SENDER_NUMBERS or --exclude-number): never opted out" });
      return null;
    }
    if (columns.direction && (columns.phone === 'from' || columns.phone === 'to')) {
      const direction = (record[columns.direction] ?? '').toLowerCase();
      if (direction) {
        const inbound = /^(inbound|incoming)/.test(direction);
        if (!inbound && !/^(outbound|outgoing)/.test(direction)) {
          rejections.push({ line, reason: `unknown message direction "${direction.slice(0, 40)}": cannot tell the person's side` });
          return null;
        }
        if ((columns.phone === 'from') !== inbound) {
          rejections.push({ line, reason: `${direction.slice(0, 40)} message: its "${columns.phone}" is the business's number, not the person's` });
          return null;
        }
      }
    }
    let occurredAt: string | null = null;
    const rawDate = columns.date ? record[columns.date] : undefined;
    if (rawDate) {
      if (rawDate !== lastRawDate) {
        lastRawDate = rawDate;
        lastDate = parseImportDate(rawDate);
      }
      if (!lastDate) {
        rejections.push({ line, reason: `unreadable date "${rawDate.slice(0, 40)}" (ISO 8601 or RFC 2822 expected)` });
        return null;
      }
      if (Date.parse(lastDate) > notAfter) {
        rejections.push({ line, reason: `date in the future "${rawDate.slice(0, 40)}"` });
        return null;
      }
      occurredAt = lastDate;
    }
    const note = columns.note ? record[columns.note] : undefined;
    return { line, phone, occurredAt, note: note ? note.slice(0, 500) : null };
  };
}
