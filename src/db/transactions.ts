import type { Transaction } from 'kysely';
import type { Database, Db, DbOrTransaction, Dialect } from './database';

/**
 * What a unit of work gets besides its transaction: a way to register work that must happen only
 * once its writes are durable (sending a text, a log line). Every run of a unit gets its own
 * UnitOfWork; when the group-commit runner rolls a batch back and runs the unit again, the
 * callbacks the rolled-back run registered are dropped with it, so each callback runs once, and
 * only for the run that committed.
 */
export interface UnitOfWork {
  readonly trx: Transaction<Database>;
  /**
   * Runs `callback` after this unit's transaction has committed, before `run()` resolves (in the
   * order registered). Never inside the transaction, never for a run that was rolled back. A
   * callback that throws makes `run()` reject with its error, though the commit stands: a callback
   * handles its own failures (a send that failed is recorded as failed, not thrown).
   */
  onCommit<T>(callback: () => T | Promise<T>): AfterCommit<T>;
}

/** The result of an after-commit callback, readable once `run()` has resolved. */
export interface AfterCommit<T> {
  readonly value: T;
}

/**
 * A unit of work. Its effects must all be in the database (sends, logs and counters go through
 * `work.onCommit`): after a rollback the runner may run it again, and only its last run's result
 * is returned.
 */
export type WriteUnit<T> = (trx: Transaction<Database>, work: UnitOfWork) => Promise<T>;

/**
 * Runs a unit of work in a transaction and resolves only once that transaction is durably
 * committed (and the unit's onCommit callbacks have run). Every write in the gateway goes through
 * this, so the caller answers only after commit.
 */
export interface TransactionRunner {
  run<T>(unit: WriteUnit<T>): Promise<T>;
  /**
   * A unit of exactly one statement. A single statement is atomic and durable on its own, so on
   * PostgreSQL it runs without BEGIN and COMMIT (two round trips fewer); on SQLite it joins the
   * group commit like any unit.
   */
  runStatement<T>(statement: (db: DbOrTransaction) => Promise<T>): Promise<T>;
  /**
   * Work on the writer connection with no transaction open (SQLite maintenance such as a WAL
   * checkpoint, which cannot run inside a transaction). On SQLite it waits its turn between write
   * batches; on PostgreSQL it runs on the pool at once.
   */
  runOutsideTransaction<T>(task: (db: Db) => Promise<T>): Promise<T>;
  /** Counters for the benchmarks and /metrics: commits and units committed. */
  stats(): { commits: number; units: number };
}

/** One run of a unit: its transaction and the callbacks it registered. */
class UnitRun implements UnitOfWork {
  private readonly callbacks: (() => Promise<void>)[] = [];
  constructor(readonly trx: Transaction<Database>) {}

  onCommit<T>(callback: () => T | Promise<T>): AfterCommit<T> {
    let settled = false;
    let value: T;
    this.callbacks.push(async () => {
      value = await callback();
      settled = true;
    });
    return {
      get value(): T {
        if (!settled) throw new Error('an after-commit result was read before its unit committed');
        return value;
      },
    };
  }

  /** Runs the callbacks in order; the first failure stops them and is returned to the caller. */
  async afterCommit(): Promise<void> {
    for (const callback of this.callbacks) await callback();
  }
}

interface Pending {
  unit: WriteUnit<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Set for runOutsideTransaction: runs alone, with no transaction open. */
  outside?: (db: Db) => Promise<unknown>;
}

/** Resolves a committed unit's caller once its after-commit callbacks have run. */
function settleCommitted(pending: Pending, run: UnitRun, value: unknown): void {
  // Not awaited by the runner: a callback that sends a text must not hold up the next batch.
  run.afterCommit().then(
    () => pending.resolve(value),
    (err: unknown) => pending.reject(err),
  );
}

/** Enough to amortise the fsync; small enough that one batch never holds the loop for long. */
const MAX_BATCH = 256;


/**
 * SQLite group commit. With synchronous=FULL every COMMIT fsyncs, and one fsync per request caps
 * throughput far below what the rest of a request costs. Units that arrive while a commit is
 * being written wait, then run together in one transaction and are answered after the single
 * COMMIT that holds them all (a unit that fails is handled below). Nothing is answered before its
 * commit, so durability is exactly that of one transaction each.
 */
class GroupCommitRunner implements TransactionRunner {
  private queue: Pending[] = [];
  private draining = false;
  private commits = 0;
  private units = 0;

  constructor(private readonly db: Db) {}

  run<T>(unit: WriteUnit<T>): Promise<T> {
    return this.enqueue({ unit: unit as WriteUnit<unknown> }) as Promise<T>;
  }

  runStatement<T>(statement: (db: DbOrTransaction) => Promise<T>): Promise<T> {
    return this.run(statement);
  }

  runOutsideTransaction<T>(task: (db: Db) => Promise<T>): Promise<T> {
    return this.enqueue({ unit: () => Promise.reject(new Error('not a unit')), outside: task }) as Promise<T>;
  }

  stats() {
    return { commits: this.commits, units: this.units };
  }

  private enqueue(entry: Pick<Pending, 'unit' | 'outside'>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...entry, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // Start on the next turn of the event loop, so every request whose body arrived in this
        // turn joins the batch instead of the first one committing alone.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const outsideAt = this.queue.findIndex((p) => p.outside !== undefined);
        if (outsideAt === 0) {
          const task = this.queue.shift()!;
          await task.outside!(this.db).then(task.resolve, task.reject);
          continue;
        }
        // A batch never reaches past work that must run outside a transaction: it runs in turn.
        const batch = this.queue.splice(0, Math.min(MAX_BATCH, outsideAt === -1 ? MAX_BATCH : outsideAt));
        try {
          await this.runBatch(batch);
        } catch (err) {
          // Never leave a caller waiting: whatever failed (BEGIN, a rollback), the batch is answered.
          for (const pending of batch) pending.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * Optimistic: the whole batch runs in one transaction with no savepoints (a SAVEPOINT and its
   * RELEASE per unit would cost as much as the unit's own statements). If any unit throws, the
   * batch is rolled back and each unit runs again alone, in its own transaction: failures are
   * rare (a raced idempotency key, a bug), and a unit's effects all live in the database, so
   * running it again after a rollback is safe. If COMMIT itself fails (disk full, an I/O error),
   * nothing of the batch was written and every unit is rejected with that error: the fault is the
   * storage's, not a unit's, and running each again would only repeat it.
   */
  private async runBatch(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      const outcome = await this.runTogether(batch);
      if (outcome.kind === 'committed') {
        this.commits += 1;
        this.units += batch.length;
        batch.forEach((pending, i) => settleCommitted(pending, outcome.runs[i]!, outcome.values[i]));
        return;
      }
      if (outcome.kind === 'commit_failed') {
        for (const pending of batch) pending.reject(outcome.error);
        return;
      }
    }
    for (const pending of batch) {
      try {
        const { run, value } = await this.runAlone(pending);
        this.commits += 1;
        this.units += 1;
        settleCommitted(pending, run, value);
      } catch (err) {
        pending.reject(err);
      }
    }
  }

  /** Every unit in one transaction; nothing committed unless the outcome says so. */
  private async runTogether(
    batch: Pending[],
  ): Promise<{ kind: 'committed'; values: unknown[]; runs: UnitRun[] } | { kind: 'unit_failed' } | { kind: 'commit_failed'; error: unknown }> {
    const trx = await this.db.startTransaction().execute();
    const values: unknown[] = [];
    const runs: UnitRun[] = [];
    try {
      for (const pending of batch) {
        const run = new UnitRun(trx);
        runs.push(run);
        values.push(await pending.unit(trx, run));
      }
    } catch {
      await trx.rollback().execute().catch(() => undefined);
      return { kind: 'unit_failed' };
    }
    try {
      await trx.commit().execute();
    } catch (error) {
      await rollbackAfterFailedCommit(trx);
      return { kind: 'commit_failed', error };
    }
    return { kind: 'committed', values, runs };
  }

  /**
   * One unit in its own transaction. Not Kysely's transaction().execute(): when COMMIT fails and
   * SQLite has already rolled back (SQLITE_FULL), its ROLLBACK error ("no transaction is active")
   * would replace the real cause.
   */
  private async runAlone(pending: Pending): Promise<{ run: UnitRun; value: unknown }> {
    const trx = await this.db.startTransaction().execute();
    const run = new UnitRun(trx);
    let value: unknown;
    try {
      value = await pending.unit(trx, run);
    } catch (err) {
      await trx.rollback().execute().catch(() => undefined);
      throw err;
    }
    try {
      await trx.commit().execute();
    } catch (err) {
      await rollbackAfterFailedCommit(trx);
      throw err;
    }
    return { run, value };
  }
}

/**
 * After a failed COMMIT the transaction may still be open (a deferred constraint) or already rolled
 * back by SQLite (disk full, I/O error): roll back either way, which also gives the connection back,
 * and ignore the "no transaction is active" answer of the second case.
 */
async function rollbackAfterFailedCommit(trx: { rollback(): { execute(): Promise<void> } }): Promise<void> {
  await trx.rollback().execute().catch(() => undefined);
}

/** PostgreSQL: one transaction per unit, on a pooled connection; the server groups commits itself. */
class PerUnitRunner implements TransactionRunner {
  private commits = 0;
  constructor(private readonly db: Db) {}
  async run<T>(unit: WriteUnit<T>): Promise<T> {
    let run: UnitRun | undefined;
    const value = await this.db.transaction().execute((trx) => {
      run = new UnitRun(trx);
      return unit(trx, run);
    });
    this.commits += 1;
    await run!.afterCommit();
    return value;
  }
  async runStatement<T>(statement: (db: DbOrTransaction) => Promise<T>): Promise<T> {
    const value = await statement(this.db);
    this.commits += 1;
    return value;
  }
  runOutsideTransaction<T>(task: (db: Db) => Promise<T>): Promise<T> {
    return task(this.db);
  }
  stats() {
    return { commits: this.commits, units: this.commits };
  }
}

export function createTransactionRunner(db: Db, dialect: Dialect): TransactionRunner {
  return dialect === 'sqlite' ? new GroupCommitRunner(db) : new PerUnitRunner(db);
}
