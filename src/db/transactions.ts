import { CompiledQuery, type Transaction } from 'kysely';
import type { Database, Db, Dialect } from './database';

export type WriteUnit<T> = (trx: Transaction<Database>) => Promise<T>;

/**
 * Runs a unit of work in a transaction and resolves only once that transaction is durably
 * committed. Every write in the gateway goes through this, so the caller answers only after commit.
 */
export interface TransactionRunner {
  run<T>(unit: WriteUnit<T>): Promise<T>;
  /** Counters for the benchmarks and /metrics: commits and units committed. */
  stats(): { commits: number; units: number };
}

interface Pending {
  unit: WriteUnit<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** Enough to amortise the fsync; small enough that one batch never holds the loop for long. */
const MAX_BATCH = 256;

/** Compiled once: these run twice per unit in a batch, and building them is not free. */
const SAVEPOINT = Array.from({ length: MAX_BATCH }, (_, i) => ({
  create: CompiledQuery.raw(`savepoint unit_${i}`),
  release: CompiledQuery.raw(`release savepoint unit_${i}`),
  rollback: CompiledQuery.raw(`rollback to savepoint unit_${i}`),
}));

/**
 * SQLite group commit. With synchronous=FULL every COMMIT fsyncs, and one fsync per request caps
 * throughput far below what the rest of a request costs. Units that arrive while a commit is
 * being written wait, then run together in one transaction, each inside its own SAVEPOINT (a unit
 * that fails is rolled back alone), and are answered after the single COMMIT that holds them all.
 * Nothing is answered before its commit, so durability is exactly that of one transaction each.
 */
class GroupCommitRunner implements TransactionRunner {
  private queue: Pending[] = [];
  private draining = false;
  private commits = 0;
  private units = 0;

  constructor(private readonly db: Db) {}

  run<T>(unit: WriteUnit<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ unit: unit as WriteUnit<unknown>, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Start on the next turn of the event loop, so every request whose body arrived in this
        // turn joins the batch instead of the first one committing alone.
        setImmediate(() => void this.drain());
      }
    });
  }

  stats() {
    return { commits: this.commits, units: this.units };
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.runBatch(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const outcomes: Outcome[] = [];
    let trx: Awaited<ReturnType<ReturnType<Db['startTransaction']>['execute']>> | undefined;
    try {
      trx = await this.db.startTransaction().execute();
      const alone = batch.length === 1;
      for (const [i, pending] of batch.entries()) {
        const savepoint = SAVEPOINT[i]!;
        if (!alone) await trx.executeQuery(savepoint.create);
        try {
          const value = await pending.unit(trx);
          if (!alone) await trx.executeQuery(savepoint.release);
          outcomes.push({ ok: true, value });
        } catch (err) {
          if (alone) throw err;
          await trx.executeQuery(savepoint.rollback);
          await trx.executeQuery(savepoint.release);
          outcomes.push({ ok: false, err });
        }
      }
      await trx.commit().execute();
    } catch (err) {
      // BEGIN or COMMIT failed, or the only unit threw: nothing of this batch is committed.
      if (trx) await trx.rollback().execute().catch(() => undefined);
      for (const pending of batch) pending.reject(err);
      return;
    }
    this.commits += 1;
    this.units += outcomes.filter((o) => o.ok).length;
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.err);
    });
  }
}

/** PostgreSQL: one transaction per unit, on a pooled connection; the server groups commits itself. */
class PerUnitRunner implements TransactionRunner {
  private commits = 0;
  constructor(private readonly db: Db) {}
  async run<T>(unit: WriteUnit<T>): Promise<T> {
    const value = await this.db.transaction().execute(unit);
    this.commits += 1;
    return value;
  }
  stats() {
    return { commits: this.commits, units: this.commits };
  }
}

export function createTransactionRunner(db: Db, dialect: Dialect): TransactionRunner {
  return dialect === 'sqlite' ? new GroupCommitRunner(db) : new PerUnitRunner(db);
}
