import type { Config } from './config';
import type { Db, Dialect } from './db';
import type { TransactionRunner } from './db/transactions';
import type { Logger } from './logger';
import type { LocalisedMessages } from './program/messages';
import type { SmsTransport } from './transport/transport';

/** Returns the current instant. Injected so tests can pin any time. */
export type Clock = () => Date;

/** Everything a router or service needs, built once by createApp. No module-level singletons. */
export interface AppContext {
  config: Config;
  logger: Logger;
  db: Db;
  /** Committed data, read without waiting for the write batch in progress (see DatabaseHandle). */
  committedReads: Db;
  dialect: Dialect;
  /** Throws StorageUnavailableError when the ledger storage cannot take a write (see DatabaseHandle). */
  checkStorage(): void;
  /** Every write goes through here: resolves once durably committed (group commit on SQLite). */
  transactions: TransactionRunner;
  clock: Clock;
  messages: LocalisedMessages;
  /** Where sends go: Twilio, or the local outbox without credentials. */
  transport: SmsTransport;
}
