import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseCategories } from '../consent/categories';
import { appendOptOutsInBulk, type BulkOptOut } from '../consent/ledger';
import { phoneHash, suppressedHashes } from '../consent/suppression';
import type { AppContext } from '../context';
import { lockPhones } from '../db';
import { toE164 } from '../phone';
import {
  IMPORT_CLOCK_SKEW_MS,
  ImportSetupError,
  readImportFile,
  type GoodRow,
  type ImportColumns,
  type ImportReadOptions,
  type ImportRejection,
  type ReadBatch,
} from './import-reader';

export { ImportSetupError, MAX_IMPORT_ROWS, type ImportRejection } from './import-reader';

export interface ImportSummary {
  rows: number;
  imported: number;
  skipped: number;
  rejected: number;
  skippedReasons: Record<string, number>;
  rejections: ImportRejection[];
  /** The columns read, as decided from the header row (null: the file has no record). */
  columns: ImportColumns | null;
  elapsedMs: number;
}

export interface ImportOptions {
  actor: string;
  /** Header names; without them a column is guessed only when exactly one header fits. */
  phoneColumn?: string;
  dateColumn?: string;
  noteColumn?: string;
  /** Numbers the business sends from, beside TWILIO_FROM_NUMBER and SENDER_NUMBERS: never opted out. */
  excludeNumbers?: string[];
  onProgress?: (done: number) => void;
  maxRejectionsListed?: number;
}

/** Batches the reader may run ahead of the writer. */
const READ_AHEAD = 4;

type ReaderMessage = { type: 'batch'; batch: ReadBatch } | { type: 'end' } | { type: 'error'; message: string; setup: boolean };

/**
 * The file read on a worker thread, so that parsing and checking rows (a fifth of an import's
 * time) overlaps the ledger writes on this one. Without the compiled worker (running from the
 * TypeScript sources) the same reader runs on this thread.
 */
function readBatches(file: string, options: ImportReadOptions): AsyncIterable<ReadBatch> {
  const script = join(__dirname, 'import-reader-worker.js');
  return existsSync(script) ? readInWorker(file, options, script) : readImportFile(file, options);
}

async function* readInWorker(file: string, options: ImportReadOptions, script: string): AsyncGenerator<ReadBatch> {
  const worker = new Worker(script, { workerData: { file, window: READ_AHEAD, options } });
  const inbox: ReaderMessage[] = [];
  let failure: Error | null = null;
  let notify: (() => void) | null = null;
  const wake = () => {
    notify?.();
    notify = null;
  };
  worker.on('message', (message: ReaderMessage) => {
    inbox.push(message);
    wake();
  });
  worker.on('error', (err) => {
    failure = err;
    wake();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the import reader stopped (exit code ${code})`);
    wake();
  });
  try {
    for (;;) {
      while (inbox.length === 0 && !failure) await new Promise<void>((resolve) => (notify = resolve));
      const message = inbox.shift();
      if (!message) throw failure!;
      if (message.type === 'end') return;
      if (message.type === 'error') throw message.setup ? new ImportSetupError(message.message) : new Error(message.message);
      yield message.batch;
      worker.postMessage('next');
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * The business's own numbers: an opt-out of one of them would be a misread file (a message log's
 * other side), never a person's wish. Throws ImportSetupError for a number that cannot be read.
 */
function senderNumbers(ctx: AppContext, extra: string[]): string[] {
  const configured = [ctx.config.twilio.fromNumber, ...ctx.config.twilio.senderNumbers].filter((n): n is string => Boolean(n));
  const numbers = new Set(configured.map((n) => toE164(n) ?? n));
  for (const number of extra) {
    const e164 = toE164(number);
    if (!e164) throw new ImportSetupError(`--exclude-number "${number.slice(0, 40)}" is not a valid phone number`);
    numbers.add(e164);
  }
  return [...numbers];
}

/** The skip reason of a number erased on request (an active suppression): never written back. */
export const ERASED_REASON = 'erased on request: already suppressed';

/**
 * Whether the number's latest event is an opt-in captured (its occurred_at, the consent's
 * capturedAt, not when it was recorded) strictly after the opt-out's date, compared as instants:
 * stored times may carry any offset. A tie, a latest event that is not an opt-in or a time that
 * cannot be read records the opt-out: only consent shown to be newer may override it.
 */
function optedInAfter(state: { last_event_type: string | null; last_event_occurred_at: string | null }, optOutAt: string): boolean {
  if (state.last_event_type !== 'opt_in' || state.last_event_occurred_at === null) return false;
  const capturedAt = Date.parse(state.last_event_occurred_at);
  const optedOutAt = Date.parse(optOutAt);
  return Number.isFinite(capturedAt) && Number.isFinite(optedOutAt) && capturedAt > optedOutAt;
}

/**
 * Imports existing opt-outs (from Twilio or an earlier system) as `import` events. Idempotent: a
 * number already opted out is skipped, so running the same file twice records nothing new. An
 * opt-out dated before the capture of the number's latest opt-in is skipped too (the person opted
 * in again since), and so is a number erased on request (it stays out of the ledger);
 * a row without a date is applied now, the safe reading; an unreadable or future date is rejected.
 * Throws ImportSetupError, before writing anything, when the columns cannot be decided.
 */
export async function importOptOuts(ctx: AppContext, file: string, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const summary: ImportSummary = { rows: 0, imported: 0, skipped: 0, rejected: 0, skippedReasons: {}, rejections: [], columns: null, elapsedMs: 0 };
  const readOptions: ImportReadOptions = {
    phoneColumn: options.phoneColumn,
    dateColumn: options.dateColumn,
    noteColumn: options.noteColumn,
    excludedNumbers: senderNumbers(ctx, options.excludeNumbers ?? []),
    notAfter: new Date(ctx.clock().getTime() + IMPORT_CLOCK_SKEW_MS).toISOString(),
  };
  const maxListed = options.maxRejectionsListed ?? 1_000;
  const reject = (line: number, reason: string) => {
    summary.rejected += 1;
    if (summary.rejections.length < maxListed) summary.rejections.push({ line, reason });
  };
  const skip = (reason: string, count = 1) => {
    summary.skipped += count;
    summary.skippedReasons[reason] = (summary.skippedReasons[reason] ?? 0) + count;
  };
  const write = async (rows: GoodRow[]) => {
    if (rows.length === 0) return;
    const nowIso = ctx.clock().toISOString();
    // The unit only reads and writes the database and returns what it did: a transaction runner
    // may run a unit again after a rollback, so it must not count into `summary` itself.
    const outcome = await ctx.transactions.run(async (trx) => {
      await lockPhones(trx, ctx.dialect, rows.map((r) => r.phone));
      // With each state, the event it points at (the number's latest): for an opted-in number, the
      // opt-in whose capture an opt-out's date is weighed against.
      const states = await trx
        .selectFrom('consent_state')
        .leftJoin('consent_events', 'consent_events.id', 'consent_state.last_event_id')
        .select([
          'consent_state.phone',
          'consent_state.status',
          'consent_state.categories',
          'consent_events.event_type as last_event_type',
          'consent_events.occurred_at as last_event_occurred_at',
        ])
        .where('consent_state.phone', 'in', rows.map((r) => r.phone))
        .execute();
      const current = new Map(states.map((s) => [s.phone, s]));
      const hashOf = new Map(rows.map((r) => [r.phone, phoneHash(ctx.config.erasureHashKey, r.phone)]));
      const erased = await suppressedHashes(trx, [...new Set(hashOf.values())]);
      const skipped: string[] = [];
      const optOuts: BulkOptOut[] = [];
      for (const row of rows) {
        // An erased number stays out of the ledger: it is blocked from every send already, and
        // recording it again would undo the erasure the person asked for.
        if (erased.has(hashOf.get(row.phone)!)) {
          skipped.push(ERASED_REASON);
          continue;
        }
        const state = current.get(row.phone);
        if (state?.status === 'opted_out') {
          skipped.push('already opted out');
          continue;
        }
        if (state?.status === 'opted_in' && row.occurredAt && optedInAfter(state, row.occurredAt)) {
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
  };

  for await (const batch of readBatches(file, readOptions)) {
    summary.columns = batch.columns;
    summary.rows += batch.read;
    for (const rejection of batch.rejections) reject(rejection.line, rejection.reason);
    for (const [reason, count] of Object.entries(batch.skips)) skip(reason, count);
    await write(batch.rows);
    options.onProgress?.(summary.rows);
  }
  summary.elapsedMs = Math.round(performance.now() - started);
  return summary;
}
