import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { toE164 } from '../phone';

/** Header names accepted for each column (Twilio's and other systems' exports differ). */
const PHONE_COLUMNS = ['phone', 'phone_number', 'number', 'mobile', 'to', 'from', 'e164'];
const DATE_COLUMNS = ['occurred_at', 'opted_out_at', 'date', 'timestamp', 'created_at', 'date_created'];
const NOTE_COLUMNS = ['note', 'reason', 'source', 'comment'];

export const MAX_IMPORT_ROWS = 5_000_000;
/** Records per batch: one transaction's worth, and the unit the reader hands over. */
export const IMPORT_BATCH = 1_000;

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
  /** Records read, good or not. */
  read: number;
  rows: GoodRow[];
  rejections: ImportRejection[];
  skips: Record<string, number>;
}

function pick(record: Record<string, string>, names: string[]): string | undefined {
  for (const name of names) {
    const value = record[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * Reads an opt-out CSV and checks every row (phone number, date, duplicates within the file):
 * everything an import decides without the database. Pure reading, so it can run on a worker
 * thread beside the one writing to the ledger.
 */
export async function* readImportFile(file: string): AsyncGenerator<ReadBatch> {
  const seenInFile = new Set<string>();
  let batch: ReadBatch = { read: 0, rows: [], rejections: [], skips: {} };
  let total = 0;
  const parser = createReadStream(file).pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_')),
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
  parser.on('skip', (err: Error & { lines?: number }) => {
    batch.rejections.push({ line: err.lines ?? 0, reason: `malformed CSV: ${err.message.slice(0, 120)}` });
  });
  const skip = (reason: string) => {
    batch.skips[reason] = (batch.skips[reason] ?? 0) + 1;
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      total += 1;
      batch.read += 1;
      const line = info.lines;
      if (total > MAX_IMPORT_ROWS) {
        batch.rejections.push({ line, reason: `more than ${MAX_IMPORT_ROWS} rows: the rest of the file was not read` });
        break;
      }
      const good = checkRow(record, line, batch.rejections);
      if (good) {
        if (seenInFile.has(good.phone)) skip('duplicate in file');
        else {
          seenInFile.add(good.phone);
          batch.rows.push(good);
        }
      }
      if (batch.read >= IMPORT_BATCH) {
        yield batch;
        batch = { read: 0, rows: [], rejections: [], skips: {} };
      }
    }
  } finally {
    parser.destroy();
  }
  if (batch.read > 0 || batch.rejections.length > 0) yield batch;
}

function checkRow(record: Record<string, string>, line: number, rejections: ImportRejection[]): GoodRow | null {
  const rawPhone = pick(record, PHONE_COLUMNS);
  if (!rawPhone) {
    rejections.push({ line, reason: 'no phone number column (phone, phone_number, number…)' });
    return null;
  }
  const phone = toE164(rawPhone);
  if (!phone) {
    rejections.push({ line, reason: 'not a valid phone number' });
    return null;
  }
  const rawDate = pick(record, DATE_COLUMNS);
  let occurredAt: string | null = null;
  if (rawDate) {
    const parsed = new Date(rawDate);
    if (Number.isNaN(parsed.getTime())) {
      rejections.push({ line, reason: `unreadable date "${rawDate.slice(0, 40)}"` });
      return null;
    }
    occurredAt = parsed.toISOString();
  }
  return { line, phone, occurredAt, note: pick(record, NOTE_COLUMNS)?.slice(0, 500) ?? null };
}
