import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { parseCategories } from '../consent/categories';
import { appendOptOutsInBulk, type BulkOptOut } from '../consent/ledger';
import type { AppContext } from '../context';
import { lockPhones } from '../db';
import { toE164 } from '../phone';

/** Header names accepted for each column (Twilio's and other systems' exports differ). */
const PHONE_COLUMNS = ['phone', 'phone_number', 'number', 'mobile', 'to', 'from', 'e164'];
const DATE_COLUMNS = ['occurred_at', 'opted_out_at', 'date', 'timestamp', 'created_at', 'date_created'];
const NOTE_COLUMNS = ['note', 'reason', 'source', 'comment'];

export const MAX_IMPORT_ROWS = 5_000_000;
const BATCH = 1_000;

export interface ImportRejection {
  line: number;
  reason: string;
}

export interface ImportSummary {
  rows: number;
  imported: number;
  skipped: number;
  rejected: number;
  skippedReasons: Record<string, number>;
  rejections: ImportRejection[];
  elapsedMs: number;
}

interface GoodRow {
  line: number;
  phone: string;
  occurredAt: string | null;
  note: string | null;
}

function pick(record: Record<string, string>, names: string[]): string | undefined {
  for (const name of names) {
    const value = record[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * Imports existing opt-outs (from Twilio or an earlier system) as `import` events. Idempotent: a
 * number already opted out is skipped, so running the same file twice records nothing new. An
 * opt-out older than the number's latest opt-in is skipped too (the person opted in again since);
 * without a date the opt-out is applied, the safe reading.
 */
export async function importOptOuts(
  ctx: AppContext,
  file: string,
  options: { actor: string; onProgress?: (done: number) => void; maxRejectionsListed?: number },
): Promise<ImportSummary> {
  const started = performance.now();
  const summary: ImportSummary = { rows: 0, imported: 0, skipped: 0, rejected: 0, skippedReasons: {}, rejections: [], elapsedMs: 0 };
  const maxListed = options.maxRejectionsListed ?? 1_000;
  const reject = (line: number, reason: string) => {
    summary.rejected += 1;
    if (summary.rejections.length < maxListed) summary.rejections.push({ line, reason });
  };
  const skip = (reason: string) => {
    summary.skipped += 1;
    summary.skippedReasons[reason] = (summary.skippedReasons[reason] ?? 0) + 1;
  };
  const seenInFile = new Set<string>();

  const parser = createReadStream(file).pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_')),
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      max_record_size: 10_000,
      info: true,
      // A malformed line (an unclosed quote, a runaway record) is rejected, not fatal to the import.
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => reject(err.lines ?? 0, `malformed CSV: ${err.message.slice(0, 120)}`));

  let batch: GoodRow[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const nowIso = ctx.clock().toISOString();
    // The unit only reads and writes the database and returns what it did: a transaction runner
    // may run a unit again after a rollback, so it must not count into `summary` itself.
    const outcome = await ctx.transactions.run(async (trx) => {
      await lockPhones(trx, ctx.dialect, rows.map((r) => r.phone));
      const current = new Map(
        (await trx.selectFrom('consent_state').selectAll().where('phone', 'in', rows.map((r) => r.phone)).execute()).map((s) => [s.phone, s]),
      );
      const skipped: string[] = [];
      const optOuts: BulkOptOut[] = [];
      for (const row of rows) {
        const state = current.get(row.phone);
        if (state?.status === 'opted_out') {
          skipped.push('already opted out');
          continue;
        }
        if (state?.status === 'opted_in' && row.occurredAt && state.updated_at > row.occurredAt) {
          skipped.push('opted in after this opt-out');
          continue;
        }
        optOuts.push({
          phone: row.phone,
          channel: 'import',
          actor: options.actor,
          evidence: { reason: 'imported_opt_out', file: file.split('/').pop(), line: row.line, note: row.note },
          occurredAt: row.occurredAt ?? nowIso,
          recordedAt: nowIso,
          previousStatus: state?.status ?? 'unknown',
          categories: state ? parseCategories(state.categories) : [],
        });
      }
      await appendOptOutsInBulk(trx, ctx.dialect, optOuts);
      return { imported: optOuts.length, skipped };
    });
    summary.imported += outcome.imported;
    for (const reason of outcome.skipped) skip(reason);
    options.onProgress?.(summary.rows);
  };

  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    summary.rows += 1;
    const line = info.lines;
    if (summary.rows > MAX_IMPORT_ROWS) {
      reject(line, `more than ${MAX_IMPORT_ROWS} rows: the rest of the file was not read`);
      break;
    }
    const rawPhone = pick(record, PHONE_COLUMNS);
    if (!rawPhone) {
      reject(line, 'no phone number column (phone, phone_number, number…)');
      continue;
    }
    const phone = toE164(rawPhone);
    if (!phone) {
      reject(line, 'not a valid phone number');
      continue;
    }
    const rawDate = pick(record, DATE_COLUMNS);
    let occurredAt: string | null = null;
    if (rawDate) {
      const parsed = new Date(rawDate);
      if (Number.isNaN(parsed.getTime())) {
        reject(line, `unreadable date "${rawDate.slice(0, 40)}"`);
        continue;
      }
      occurredAt = parsed.toISOString();
    }
    if (seenInFile.has(phone)) {
      skip('duplicate in file');
      continue;
    }
    seenInFile.add(phone);
    batch.push({ line, phone, occurredAt, note: pick(record, NOTE_COLUMNS)?.slice(0, 500) ?? null });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  summary.elapsedMs = Math.round(performance.now() - started);
  return summary;
}
