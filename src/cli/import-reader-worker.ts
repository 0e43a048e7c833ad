import { parentPort, workerData } from 'node:worker_threads';
import { ImportSetupError, readImportFile, type ImportReadOptions } from './import-reader';

/**
 * Worker thread: reads and checks the import file (CSV parsing, phone numbers, dates) while the
 * main thread writes the previous batches to the ledger. It runs at most `window` batches ahead
 * of what the main thread has asked for, so a file larger than memory stays bounded.
 */
const port = parentPort!;
const { file, window, options } = workerData as { file: string; window: number; options: ImportReadOptions };
let credit = window;
let wake: (() => void) | null = null;
port.on('message', () => {
  credit += 1;
  wake?.();
  wake = null;
});

void (async () => {
  try {
    for await (const batch of readImportFile(file, options)) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit -= 1;
      port.postMessage({ type: 'batch', batch });
    }
    port.postMessage({ type: 'end' });
  } catch (err) {
    port.postMessage({ type: 'error', message: (err as Error).message, setup: err instanceof ImportSetupError });
  }
})();
