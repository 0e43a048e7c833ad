import type { DbOrTransaction, Dialect } from '../db';
import { chainHash, chainHead, contentDigest, lockChain, type EventContent } from './chain';
import type { ConsentChannel, ConsentEventRow, ConsentStatus } from '../db/tables/consent-event';
import type { ConsentStateRow } from '../db/tables/consent-state';
import { parseCategories, serialiseCategories, type Category } from './categories';

/** Query functions for the consent ledger. They take `db` first and never open transactions. */

export interface CurrentConsent {
  status: ConsentStatus;
  categories: Category[];
  updatedAt: string | null;
  lastChannel: ConsentChannel | null;
}

export async function getConsentState(db: DbOrTransaction, phone: string): Promise<ConsentStateRow | undefined> {
  return db.selectFrom('consent_state').selectAll().where('phone', '=', phone).executeTakeFirst();
}

export async function getCurrentConsent(db: DbOrTransaction, phone: string): Promise<CurrentConsent> {
  const row = await getConsentState(db, phone);
  if (!row) return { status: 'unknown', categories: [], updatedAt: null, lastChannel: null };
  return {
    status: row.status,
    categories: parseCategories(row.categories),
    updatedAt: row.updated_at,
    lastChannel: row.last_channel,
  };
}

export interface ConsentEventInput {
  phone: string;
  eventType: 'opt_in' | 'opt_out';
  previousStatus: ConsentStatus;
  status: 'opted_in' | 'opted_out';
  categories: readonly Category[];
  channel: ConsentChannel;
  keyword?: string | null;
  rawText?: string | null;
  messageSid?: string | null;
  evidence: Record<string, unknown>;
  actor: string;
  occurredAt: string;
  recordedAt: string;
}

/**
 * Appends one event and moves the number's current state with it. Must run inside the
 * caller's transaction so that the two never disagree.
 */
export async function appendConsentEvent(
  trx: DbOrTransaction,
  dialect: Dialect,
  input: ConsentEventInput,
): Promise<number> {
  const categories = serialiseCategories(input.categories);
  const content: EventContent = {
    phone: input.phone,
    event_type: input.eventType,
    previous_status: input.previousStatus,
    status: input.status,
    categories,
    channel: input.channel,
    keyword: input.keyword ?? null,
    raw_text: input.rawText ?? null,
    message_sid: input.messageSid ?? null,
    evidence: JSON.stringify(input.evidence),
    actor: input.actor,
    occurred_at: input.occurredAt,
    recorded_at: input.recordedAt,
  };
  const digest = contentDigest(content);
  await lockChain(trx, dialect);
  const { id } = await trx
    .insertInto('consent_events')
    .values({ ...content, content_digest: digest, chain_hash: chainHash(await chainHead(trx), digest), erased_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const state = {
    status: input.status,
    categories,
    last_event_id: id,
    last_channel: input.channel,
    updated_at: input.recordedAt,
  };
  await trx
    .insertInto('consent_state')
    .values({ phone: input.phone, ...state })
    .onConflict((oc) => oc.column('phone').doUpdateSet(state))
    .execute();
  return id;
}

export async function listConsentEvents(db: DbOrTransaction, phone: string): Promise<ConsentEventRow[]> {
  return db.selectFrom('consent_events').selectAll().where('phone', '=', phone).orderBy('id', 'asc').execute();
}

export interface OptOutInput {
  phone: string;
  channel: ConsentChannel;
  actor: string;
  evidence: Record<string, unknown>;
  messageSid?: string | null;
  rawText?: string | null;
  keyword?: string | null;
  occurredAt: string;
  recordedAt: string;
}

/**
 * Records an opt-out from any channel (carrier feedback, staff, e-mail…): the number is opted
 * out of every category, keeping the categories it held so that a later opt-in can restore them.
 */
export async function appendOptOut(trx: DbOrTransaction, dialect: Dialect, input: OptOutInput): Promise<number> {
  const current = await getCurrentConsent(trx, input.phone);
  return appendConsentEvent(trx, dialect, {
    ...input,
    eventType: 'opt_out',
    previousStatus: current.status,
    status: 'opted_out',
    categories: current.categories,
    evidence: { ...input.evidence, repeat: current.status === 'opted_out' },
  });
}
