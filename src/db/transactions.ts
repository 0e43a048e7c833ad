import type { Transaction } from 'kysely';
import type { Database, Db, DbOrTransaction, Dialect } from './database';

/**
 * A unit of work. Its effects must all be in the database (no sends, logs or counters outside):
 * after a rollback the runner may run it again, and only its last run's result is returned.
 */
export type WriteUnit<T> = (trx: Transaction<Database>) => Promise<T>;

/**
 * Runs a unit of work in a transaction and resolves only once that transaction is durably
 * committed. Every write in the gateway goes through this, so the caller answers only after commit.
 */
export interface TransactionRunner {
  run<T>(unit: WriteUnit<T>): Promise<T>;
  /**
   * A unit of exactly one statement. A single statement is atomic and durable on its own, so on
   * PostgreSQL it runs without BEGIN and COMMIT (two round trips fewer); on SQLite it joins the
   * group commit like any unit.
   */
  runStatement<T>(statement: (db: DbOrTransaction) => Promise<T>): Promise<T>;
  /** Counters for the benchmarks and /metrics: commits and units committed. */
  stats(): { commits: number; units: number };
}

interface Pending {
  unit: WriteUnit<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
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

  runStatement<T>(statement: (db: DbOrTransaction) => Promise<T>): Promise<T> {
    return this.run(statement);
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

  /**
   * Optimistic: the whole batch runs in one transaction with no savepoints (a SAVEPOINT and its
   * RELEASE per unit would cost as much as the unit's own statements). If any unit throws, the
   * batch is rolled back and each unit runs again alone, in its own transaction: failures are
   * rare (a raced idempotency key, a bug), and a unit's effects all live in the database, so
   * running it again after a rollback is safe.
   */
  private async runBatch(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      const outcomes = await this.runTogether(batch);
      if (outcomes) {
        this.commits += 1;
        this.units += batch.length;
        batch.forEach((pending, i) => pending.resolve(outcomes[i]));
        return;
      }
    }
    for (const pending of batch) {
      try {
        const value = await this.db.transaction().execute(pending.unit);
        this.commits += 1;
        this.units += 1;
        pending.resolve(value);
      } catch (err) {
        pending.reject(err);
      }
    }
  }

  /** Every unit in one transaction; undefined (and nothing committed) if any of them threw. */
  private async runTogether(batch: Pending[]): Promise<unknown[] | undefined> {
    const trx = await this.db.startTransaction().execute();
    const values: unknown[] = [];
    try {
      for (const pending of batch) values.push(await pending.unit(trx));
    } catch {
      await trx.rollback().execute().catch(() => undefined);
      return undefined;
    }
    await trx.commit().execute();
    return values;
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
  async runStatement<T>(statement: (db: DbOrTransaction) => Promise<T>): Promise<T> {
    const value = await statement(this.db);
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
