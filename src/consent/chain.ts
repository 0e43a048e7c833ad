import { hash } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTransaction, Dialect } from '../db';
import { prepared } from '../db/prepared';
import type { ConsentEventRow } from '../db/tables/consent-event';

/**
 * Tamper evidence for the consent ledger. Every event carries
 *   content_digest = SHA-256(canonical encoding of its content)
 *   chain_hash     = SHA-256(previous event's chain_hash + content_digest)
 * in id order, from GENESIS. Editing an event changes its digest; deleting or inserting one breaks
 * every later link. An erasure redacts content but keeps both digests, so the chain stays verifiable.
 */
export const GENESIS = '0'.repeat(64);
const ENCODING_VERSION = 1;

export type EventContent = Pick<
  ConsentEventRow,
  | 'phone'
  | 'event_type'
  | 'previous_status'
  | 'status'
  | 'categories'
  | 'channel'
  | 'keyword'
  | 'raw_text'
  | 'message_sid'
  | 'evidence'
  | 'actor'
  | 'occurred_at'
  | 'recorded_at'
>;

/** A JSON array in a fixed field order over the stored strings: the same bytes on every dialect. */
export function canonicalEncoding(e: EventContent): string {
  return JSON.stringify([
    ENCODING_VERSION,
    e.phone,
    e.event_type,
    e.previous_status,
    e.status,
    e.categories,
    e.channel,
    e.keyword,
    e.raw_text,
    e.message_sid,
    e.evidence,
    e.actor,
    e.occurred_at,
    e.recorded_at,
  ]);
}

// crypto.hash (one shot, Node >= 20.12) is over twice as fast as createHash().update().digest()
// on these short inputs, and an import hashes twice per row.
const sha256 = (text: string) => hash('sha256', text, 'hex');

export function contentDigest(e: EventContent): string {
  return sha256(canonicalEncoding(e));
}

export function chainHash(previous: string, digest: string): string {
  return sha256(previous + digest);
}

/** PostgreSQL: one appender at a time across every instance. SQLite: transactions are serial already. */
const CHAIN_LOCK_KEY = 0x6c6564676572; // "ledger"

export async function lockChain(trx: DbOrTransaction, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`.execute(trx);
}

const selectHead = prepared((db) =>
  db.selectFrom('consent_events').select('chain_hash').where('chain_hash', 'is not', null).orderBy('id', 'desc').limit(1),
);

export async function chainHead(db: DbOrTransaction): Promise<string> {
  return (await selectHead(db)).rows[0]?.chain_hash ?? GENESIS;
}

/**
 * The link a transaction appended last, by transaction. Once a transaction has written it holds
 * the database's write lock (SQLite) or the chain lock (PostgreSQL) until it ends, so nobody else
 * can append in between and its own last link is the head: a group-commit batch of STOPs reads
 * the head from the table once, not once per STOP.
 */
const appendedHeads = new WeakMap<DbOrTransaction, string>();

export async function chainHeadFor(trx: DbOrTransaction): Promise<string> {
  return (trx.isTransaction ? appendedHeads.get(trx) : undefined) ?? chainHead(trx);
}

/** Only a transaction is remembered: outside one, the next append may follow another writer's. */
export function recordAppendedHead(trx: DbOrTransaction, head: string): void {
  if (trx.isTransaction) appendedHeads.set(trx, head);
}

/** Chains events written before the chain existed (run at start-up; a no-op once sealed). */
export async function sealUnchainedEvents(db: DbOrTransaction, dialect: Dialect): Promise<number> {
  // Events are always chained in id order, so a sealed last event means a sealed ledger: this
  // check costs one index lookup however large the ledger is.
  const last = await db.selectFrom('consent_events').select('chain_hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!last || last.chain_hash !== null) return 0;
  let sealed = 0;
  await db.transaction().execute(async (trx) => {
    await lockChain(trx, dialect);
    let previous = GENESIS;
    const rows = await trx.selectFrom('consent_events').selectAll().orderBy('id', 'asc').execute();
    for (const row of rows) {
      if (row.chain_hash) {
        previous = row.chain_hash;
        continue;
      }
      const digest = contentDigest(row);
      const hash = chainHash(previous, digest);
      await trx.updateTable('consent_events').set({ content_digest: digest, chain_hash: hash }).where('id', '=', row.id).execute();
      previous = hash;
      sealed += 1;
    }
  });
  return sealed;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first event that does not verify, and why. */
  firstBroken?: { id: number; reason: string };
  head: string;
}

const VERIFY_PAGE = 5_000;

/** Called for each event whose link verified: the chain head and the number of events up to it. */
export type OnVerifiedLink = (eventId: number, head: string, eventCount: number) => void;

/** Walks the whole chain in id order, in pages (constant memory). */
export async function verifyChain(db: DbOrTransaction, onVerifiedLink?: OnVerifiedLink): Promise<VerifyResult> {
  let previous = GENESIS;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('consent_events')
      .selectAll()
      .where('id', '>', lastId)
      .orderBy('id', 'asc')
      .limit(VERIFY_PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const broken = (reason: string): VerifyResult => ({ ok: false, checked, firstBroken: { id: row.id, reason }, head: previous });
      if (!row.content_digest || !row.chain_hash) return broken('event is not sealed (no digest or chain hash)');
      if (!row.erased_at && contentDigest(row) !== row.content_digest) {
        return broken('content does not match its digest: the event was changed');
      }
      if (chainHash(previous, row.content_digest) !== row.chain_hash) {
        return broken('chain link broken: an event before it was changed, removed or inserted');
      }
      previous = row.chain_hash;
      lastId = row.id;
      checked += 1;
      onVerifiedLink?.(row.id, row.chain_hash, checked);
    }
  }
  return { ok: true, checked, head: previous };
}
