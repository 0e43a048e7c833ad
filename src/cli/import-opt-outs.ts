import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseCategories } from '../consent/categories';
import { appendOptOutsInBulk, type BulkOptOut } from '../consent/ledger';
import type { AppContext } from '../context';
import { lockPhones } from '../db';
import { readImportFile, type GoodRow, type ImportRejection, type ReadBatch } from './import-reader';

export { MAX_IMPORT_ROWS, type ImportRejection } from './import-reader';

export interface ImportSummary {
  rows: number;
  imported: number;
  skipped: number;
  rejected: number;
  skippedReasons: Record<string, number>;
  rejections: ImportRejection[];
  elapsedMs: number;
}

/** Batches the reader may run ahead of the writer. */
const READ_AHEAD = 4;

type ReaderMessage = { type: 'batch'; batch: ReadBatch } | { type: 'end' } | { type: 'error'; message: string };

/**
 * The file read on a worker thread, so that parsing and checking rows (a fifth of an import's
 * time) overlaps the ledger writes on this one. Without the compiled worker (running from the
 * TypeScript sources) the same reader runs on this thread.
 */
function readBatches(file: string): AsyncIterable<ReadBatch> {
  const script = join(__dirname, 'import-reader-worker.js');
  return existsSync(script) ? readInWorker(file, script) : readImportFile(file);
}

async function* readInWorker(file: string, script: string): AsyncGenerator<ReadBatch> {
  const worker = new Worker(script, { workerData: { file, window: READ_AHEAD } });
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
      if (message.type === 'error') throw new Error(message.message);
      yield message.batch;
      worker.postMessage('next');
    }
  } finally {
    await worker.terminate();
  }
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
  };

  for await (const batch of readBatches(file)) {
    summary.rows += batch.read;
    for (const rejection of batch.rejections) reject(rejection.line, rejection.reason);
    for (const [reason, count] of Object.entries(batch.skips)) skip(reason, count);
    await write(batch.rows);
    options.onProgress?.(summary.rows);
  }
  summary.elapsedMs = Math.round(performance.now() - started);
  return summary;
}
