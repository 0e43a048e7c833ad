/** A background job of the gateway process (scheduler, reconciliation, checkpoints). */
export interface PeriodicJob {
  /** Stops the timer and waits for the pass in progress (and the final pass, if the job has one). */
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  intervalMs: number;
  /** One pass. Its errors go to onError: a failed pass never stops the job. */
  pass: () => Promise<void>;
  onError: (err: unknown) => void;
  /** Run a pass as soon as the job starts, not only after the first interval. */
  runAtStart?: boolean;
  /** Run one last pass when stopped (after the one in progress). */
  runAtStop?: boolean;
}

/** Passes every intervalMs, never two at once; the timer never keeps the process alive. */
export function startPeriodicJob(options: PeriodicJobOptions): PeriodicJob {
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = (): Promise<void> => {
    running ??= options
      .pass()
      .catch(options.onError)
      .finally(() => {
        running = null;
      });
    return running;
  };
  if (options.runAtStart) void pass();
  const timer = setInterval(() => {
    if (!stopped) void pass();
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running;
      if (options.runAtStop) await pass();
    },
  };
}
