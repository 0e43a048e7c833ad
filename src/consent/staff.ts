import { newMessageId } from '../sending/message-id';
import type { AppContext } from '../context';
import { sql } from 'kysely';
import { lockPhone, truncateWal } from '../db';
import type { AfterCommit, UnitOfWork } from '../db/transactions';
import type { ConsentChannel } from '../db/tables/consent-event';
import type { Language } from '../keywords/languages';
import { replyText } from '../program/messages';
import type { ConsentStateRow } from '../db/tables/consent-state';
import { capMonth } from '../sending/policy';
import { insertMessage, providerErrorText, updateMessage } from '../sending/queries';
import type { Category } from './categories';
import { parseCategories } from './categories';
import { appendOptOut, getCurrentConsent } from './ledger';
import { getConsentDetail, getConsentView, type ConsentView } from './service';
import { erasedPlaceholder, phoneHash, REDACTED, scrubNumber } from './suppression';
import { TransportError } from '../transport/transport';
import { AppError } from '../errors';

export type StaffOptOutChannel = Extract<ConsentChannel, 'email' | 'phone_call' | 'web' | 'staff'>;

export interface StaffOptOutRequest {
  channel: StaffOptOutChannel;
  note?: string;
  sendConfirmation?: boolean;
  /** The confirmation's language (the person's, when known). */
  language?: Language;
  /**
   * When the opt-out was received (a letter opened, an e-mail read), if before now: the event's
   * occurredAt. Never in the future; without it, now.
   */
  receivedAt?: string;
}

export interface StaffOptOutResult {
  state: ConsentView;
  confirmation: { messageId: string; status: string } | null;
}

/** A confirmation recorded as pending by the write part, sent by the after-commit part. */
export interface PendingConfirmation {
  messageId: string;
  phone: string;
  text: string;
}

/**
 * The write part of an opt-out received outside SMS (e-mail, phone call, web form, staff): runs
 * inside the caller's transaction (a review resolution composes it into its own). Records the
 * opt-out and, unless asked not to and only on the change to opted out, the one permitted
 * confirmation as a pending message; its sending is registered to run after the commit.
 */
export async function writeStaffOptOut(
  ctx: AppContext,
  work: UnitOfWork,
  phone: string,
  request: StaffOptOutRequest,
  actor: string,
): Promise<AfterCommit<StaffOptOutResult['confirmation']>> {
  const { trx } = work;
  await lockPhone(trx, ctx.dialect, phone);
  // Read the clock under the lock, so recorded times follow the order decisions were made in.
  const now = ctx.clock();
  const nowIso = now.toISOString();
  const before = await getCurrentConsent(trx, phone);
  const confirm = request.sendConfirmation !== false && before.status !== 'opted_out';
  const receivedAt = request.receivedAt ? new Date(request.receivedAt) : null;
  if (receivedAt && receivedAt.getTime() > now.getTime()) {
    throw new AppError('received_at_in_future', 400, `receivedAt (${receivedAt.toISOString()}) is after now (${nowIso})`);
  }
  await appendOptOut(trx, ctx.dialect, {
    phone,
    channel: request.channel,
    actor,
    evidence: {
      reason: 'opt_out_outside_sms',
      note: request.note ?? null,
      confirmationRequested: confirm,
      ...(receivedAt ? { receivedAt: receivedAt.toISOString() } : {}),
    },
    occurredAt: receivedAt ? receivedAt.toISOString() : nowIso,
    recordedAt: nowIso,
  });
  if (!confirm) return work.onCommit(() => null);
  const pending: PendingConfirmation = {
    messageId: newMessageId(now),
    phone,
    text: replyText(ctx.messages, 'optOutConfirmation', request.language ?? 'en'),
  };
  await insertMessage(trx, {
    id: pending.messageId,
    kind: 'opt_out_confirmation',
    api_key_id: 'system',
    actor,
    idempotency_key: null,
    request_hash: '',
    phone,
    category: 'transactional',
    body: pending.text,
    status: 'pending',
    refusal_code: null,
    counts_toward_cap: 0,
    cap_month: capMonth(now, ctx.config.program.timeZone),
    cap_released: 0,
    transport: ctx.transport.name,
    twilio_sid: null,
    error_code: null,
    error_message: null,
    created_at: nowIso,
    updated_at: nowIso,
    decided_at: nowIso,
  });
  return work.onCommit(() => sendOptOutConfirmation(ctx, pending));
}

/**
 * The after-commit part: hands the confirmation to the transport and records what came of it.
 * Never throws: the opt-out stands whatever happens to its confirmation.
 */
export async function sendOptOutConfirmation(
  ctx: AppContext,
  pending: PendingConfirmation,
): Promise<{ messageId: string; status: string }> {
  const { messageId } = pending;
  let sent;
  try {
    sent = await ctx.transport.send({ messageId, to: pending.phone, body: pending.text });
  } catch (err) {
    ctx.logger.warn('opt-out confirmation not sent', { messageId, err });
    // A timeout or 5xx may have sent it: `unknown`, settled like any send (src/sending/reconcile.ts).
    const status = err instanceof TransportError && err.failure === 'outcome_unknown' ? 'unknown' : 'failed';
    try {
      // The text may quote the number; if an erasure committed meanwhile, the row keeps `[erased]`.
      await ctx.transactions.run((trx) =>
        trx
          .updateTable('messages')
          .set({ status, error_message: providerErrorText((err as Error).message), updated_at: ctx.clock().toISOString() })
          .where('id', '=', messageId)
          .execute(),
      );
    } catch (recordErr) {
      ctx.logger.error('opt-out confirmation outcome not recorded', { messageId, err: recordErr });
    }
    return { messageId, status };
  }
  // It has left: a failed write must not mark it `failed`. The row stays `pending`, and the
  // running reconciliation settles it at the transport (src/sending/reconcile.ts).
  try {
    const delivered = sent;
    await ctx.transactions.run((trx) => updateMessage(trx, messageId, { status: delivered.status, twilio_sid: delivered.sid, updated_at: ctx.clock().toISOString() }));
  } catch (recordErr) {
    ctx.logger.error('opt-out confirmation sent but its outcome not recorded; the reconciliation will settle it', {
      messageId,
      err: recordErr,
      code: 'send_outcome_not_recorded',
    });
  }
  return { messageId, status: sent.status };
}

/**
 * An opt-out received outside SMS, on its own: the write part in one transaction, then the one
 * permitted confirmation text after the commit. The confirmation is never subject to consent or the cap.
 */
export async function recordStaffOptOut(
  ctx: AppContext,
  phone: string,
  request: StaffOptOutRequest,
  actor: string,
): Promise<StaffOptOutResult> {
  const confirmation = await ctx.transactions.run((_trx, work) => writeStaffOptOut(ctx, work, phone, request, actor));
  return { state: await getConsentView(ctx, phone), confirmation: confirmation.value };
}

export interface ErasureResult {
  phoneHash: string;
  redacted: Record<string, number>;
  erasedAt: string;
}


/**
 * An erasure request (policy section 11). Message texts, evidence and the number itself are removed
 * from every table; what stays is a suppression entry keyed by a keyed hash of the number, which
 * blocks every future send, and the consent events' digests, so the ledger chain still verifies.
 */
export async function eraseNumber(ctx: AppContext, phone: string, actor: string, note: string | null): Promise<ErasureResult> {
  const nowIso = ctx.clock().toISOString();
  const hash = phoneHash(ctx.config.erasureHashKey, phone);
  const placeholder = erasedPlaceholder(hash);
  // Free text may quote the number or its texts: kept only as "there was a note".
  const redactNote = sql<string | null>`case when note is null then null else ${REDACTED} end`;
  const keptNote = note === null ? null : scrubNumber(note, phone);
  return ctx.transactions.run(async (trx, work) => {
    await lockPhone(trx, ctx.dialect, phone);
    const events = await trx
      .updateTable('consent_events')
      .set({ phone: placeholder, raw_text: null, evidence: JSON.stringify({ erased: true }), erased_at: nowIso })
      .where('phone', '=', phone)
      .executeTakeFirst();
    const inbound = await trx
      .updateTable('inbound_messages')
      .set({ phone: placeholder, body: REDACTED, to_number: null, account_sid: null })
      .where('phone', '=', phone)
      .executeTakeFirst();
    // Sends still waiting for their hour will never go.
    await trx
      .updateTable('messages')
      .set({ status: 'canceled', updated_at: nowIso })
      .where('phone', '=', phone)
      .where('status', 'in', ['scheduled', 'claimed'])
      .execute();
    // A provider's error text quotes the number ("The 'To' number +1... is not valid"); the request
    // hash is a plain hash of the number and the text, so a guess could be confirmed against it.
    const messages = await trx
      .updateTable('messages')
      .set({
        phone: placeholder,
        body: REDACTED,
        idempotency_key: null,
        request_hash: '',
        error_message: sql<string | null>`case when status = 'canceled' and updated_at = ${nowIso} then ${'number erased on request'} when error_message is null then null else ${REDACTED} end`,
      })
      .where('phone', '=', phone)
      .executeTakeFirst();
    const reviews = await trx
      .updateTable('review_items')
      .set({ phone: placeholder, body: REDACTED, matched: null, note: redactNote })
      .where('phone', '=', phone)
      .executeTakeFirst();
    // A pending review of this number is settled: the suppression blocks every send from now on.
    await trx
      .updateTable('review_items')
      .set({ status: 'revocation', resolved_by: actor, resolved_at: nowIso, note: 'number erased on request' })
      .where('phone', '=', placeholder)
      .where('status', '=', 'pending')
      .execute();
    const state = await trx.deleteFrom('consent_state').where('phone', '=', phone).executeTakeFirst();
    // The console's audit says who looked at the number; after the erasure it says so of the placeholder.
    await trx.updateTable('staff_audit').set({ phone: placeholder }).where('phone', '=', phone).execute();
    const redacted = {
      consentEvents: Number(events.numUpdatedRows),
      inboundMessages: Number(inbound.numUpdatedRows),
      messages: Number(messages.numUpdatedRows),
      reviewItems: Number(reviews.numUpdatedRows),
      consentState: Number(state.numDeletedRows),
    };
    await trx
      .insertInto('suppressions')
      .values({
        phone_hash: hash,
        reason: 'erasure',
        actor,
        note: keptNote,
        redacted: JSON.stringify(redacted),
        created_at: nowIso,
        lifted_at: null,
        lifted_reason: null,
      })
      .onConflict((oc) =>
        oc.column('phone_hash').doUpdateSet({ actor, note: keptNote, redacted: JSON.stringify(redacted), created_at: nowIso, lifted_at: null, lifted_reason: null }),
      )
      .execute();
    work.onCommit(async () => {
      ctx.logger.info('number erased', { phoneHash: hash.slice(0, 16), actor, ...redacted });
      await purgeWalAfterErasure(ctx, hash);
    });
    return { phoneHash: hash, redacted, erasedAt: nowIso };
  });
}

const WAL_PURGE_ATTEMPTS = 5;
const WAL_PURGE_RETRY_MS = 200;

/**
 * SQLite keeps the pages an erasure overwrote in the WAL until a checkpoint copies the new ones
 * over them; secure_delete has zeroed the old content in the new pages. Checkpointing with
 * TRUNCATE after the commit leaves neither the WAL nor the file holding the erased number. A
 * reader of another process (a CLI) holding an old snapshot makes it wait: tried again a few
 * times, then logged as an error for the operator (the WAL is rewritten by later checkpoints).
 */
async function purgeWalAfterErasure(ctx: AppContext, hash: string): Promise<void> {
  if (ctx.dialect !== 'sqlite') return;
  for (let attempt = 1; attempt <= WAL_PURGE_ATTEMPTS; attempt++) {
    try {
      const checkpoint = await ctx.transactions.runOutsideTransaction((db) => truncateWal(db));
      if (checkpoint.complete) return;
    } catch (err) {
      ctx.logger.error('WAL checkpoint after erasure failed', { phoneHash: hash.slice(0, 16), err });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, WAL_PURGE_RETRY_MS * attempt));
  }
  ctx.logger.error('WAL not truncated after erasure: another connection holds an old snapshot; run "pragma wal_checkpoint(TRUNCATE)" once it is gone', {
    phoneHash: hash.slice(0, 16),
  });
}

/** A data-portability answer: everything held about one number, in one JSON document. */
export async function exportNumberData(ctx: AppContext, phone: string) {
  const detail = await getConsentDetail(ctx, phone);
  return {
    format: 'sms-gateway.subject-export/v1',
    generatedAt: ctx.clock().toISOString(),
    program: ctx.config.program.name,
    phone,
    consent: { status: detail.status, categories: detail.categories, perCategory: detail.perCategory, updatedAt: detail.updatedAt },
    consentEvents: detail.events,
    inboundTexts: detail.history.filter((h) => h.kind === 'inbound'),
    messages: detail.history.filter((h) => h.kind === 'message'),
  };
}

// ---- listing and export -------------------------------------------------------------------

export interface ConsentFilters {
  status?: 'opted_in' | 'opted_out';
  category?: Category;
  channel?: ConsentChannel;
  since?: string;
  until?: string;
}

export interface NumberCursor {
  updatedAt: string;
  phone: string;
}

export function encodeCursor(cursor: NumberCursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt, cursor.phone])).toString('base64url');
}

export function decodeCursor(text: string): NumberCursor | undefined {
  try {
    const [updatedAt, phone] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof updatedAt === 'string' && typeof phone === 'string') return { updatedAt, phone };
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * One page of numbers in (updated_at, phone) order, after `cursor`. Keyset pagination: a number
 * inserted or changed while a client pages moves to the end instead of shifting every page.
 */
export async function listNumbers(
  ctx: AppContext,
  filters: ConsentFilters,
  limit: number,
  cursor?: NumberCursor,
): Promise<ConsentStateRow[]> {
  let query = ctx.committedReads.selectFrom('consent_state').selectAll();
  if (filters.status) query = query.where('status', '=', filters.status);
  if (filters.category) query = query.where('categories', 'like', `%"${filters.category}"%`);
  if (filters.channel) query = query.where('last_channel', '=', filters.channel);
  if (filters.since) query = query.where('updated_at', '>=', filters.since);
  if (filters.until) query = query.where('updated_at', '<', filters.until);
  if (cursor) {
    // A row-value comparison: both dialects walk the (updated_at, phone) index straight from it.
    query = query.where((eb) => eb(eb.refTuple('updated_at', 'phone'), '>', eb.tuple(cursor.updatedAt, cursor.phone)));
  }
  return query.orderBy('updated_at', 'asc').orderBy('phone', 'asc').limit(limit).execute();
}

export function toNumberItem(row: ConsentStateRow) {
  return {
    phone: row.phone,
    status: row.status,
    categories: row.status === 'opted_in' ? parseCategories(row.categories) : [],
    updatedAt: row.updated_at,
    lastChannel: row.last_channel,
    lastEventId: row.last_event_id,
  };
}

const EXPORT_PAGE = 2_000;

/** Every matching number, page by page: memory stays flat however large the ledger. */
export async function* iterateNumbers(ctx: AppContext, filters: ConsentFilters): AsyncGenerator<ConsentStateRow[]> {
  let cursor: NumberCursor | undefined;
  for (;;) {
    const page = await listNumbers(ctx, filters, EXPORT_PAGE, cursor);
    if (page.length === 0) return;
    yield page;
    const last = page[page.length - 1]!;
    cursor = { updatedAt: last.updated_at, phone: last.phone };
    if (page.length < EXPORT_PAGE) return;
  }
}

/** Every matching consent event in id order, page by page. */
export async function* iterateEvents(ctx: AppContext, filters: ConsentFilters) {
  let lastId = 0;
  for (;;) {
    let query = ctx.committedReads.selectFrom('consent_events').selectAll().where('id', '>', lastId);
    if (filters.status) query = query.where('status', '=', filters.status);
    if (filters.channel) query = query.where('channel', '=', filters.channel);
    if (filters.since) query = query.where('recorded_at', '>=', filters.since);
    if (filters.until) query = query.where('recorded_at', '<', filters.until);
    const page = await query.orderBy('id', 'asc').limit(EXPORT_PAGE).execute();
    if (page.length === 0) return;
    yield page;
    lastId = page[page.length - 1]!.id;
    if (page.length < EXPORT_PAGE) return;
  }
}

