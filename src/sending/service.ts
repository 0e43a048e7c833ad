import { hash as oneShotHash } from 'node:crypto';
import type { ApiKey } from '../auth/api-keys';
import type { Category } from '../consent/categories';
import { appendOptOut } from '../consent/ledger';
import { activeSuppression, erasedPlaceholder, isErasedPlaceholder, phoneHash, REDACTED } from '../consent/suppression';
import type { AppContext } from '../context';
import { lockPhone, type DbOrTransaction } from '../db';
import { isUniqueViolation } from '../db/errors';
import type { MessageRow } from '../db/tables/message';
import { AppError, NotFoundError, ValidationError } from '../errors';
import { requirePhone, type ParsedPhone } from '../phone';
import { TransportError } from '../transport/transport';
import { evaluateSendTime, placeRules, type SendTimeDecision } from '../send-time/rules';
import { capMonth, decideSend, withOptOutLanguage, type RefusalCode, type SendDecision } from './policy';
import { newMessageId } from './message-id';
import {
  findMessage,
  findMessageByIdempotencyKey,
  capSlotsUsed,
  insertMessage,
  markMessageSent,
  providerErrorText,
  readSendState,
  recentCappedSends,
  updateMessage,
} from './queries';

export const MAX_BODY_LENGTH = 1_600;

export interface SendRequest {
  to: string;
  body: string;
  category: Category;
  /** Refused only by quiet hours or a daily limit: schedule it for the next allowed instant. */
  deferUntilAllowed?: boolean;
}

export interface MessageView {
  id: string;
  to: string;
  category: Category;
  status: string;
  body: string;
  twilioSid: string | null;
  refusalCode: string | null;
  errorCode: string | null;
  createdAt: string;
  updatedAt: string;
  /** For a scheduled send: when it becomes allowed. */
  scheduledFor: string | null;
  /** Why the status is what it is, when the gateway set it itself (today: `unknown`). */
  statusReason: string | null;
}

/** What `status: unknown` means, for the API client. */
export const UNKNOWN_STATUS_REASON =
  'the transport gave no answer (timeout, connection reset or 5xx) or the gateway stopped before it did: the text may have been sent. ' +
  'It keeps its cap slot. Do not send it again: its status is settled by Twilio\'s status callback or the gateway\'s reconciliation.';

export function toMessageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    to: row.phone,
    category: row.category,
    status: row.status,
    body: row.body,
    twilioSid: row.twilio_sid,
    refusalCode: row.refusal_code,
    errorCode: row.error_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    scheduledFor: row.send_after,
    statusReason: row.status === 'unknown' ? UNKNOWN_STATUS_REASON : null,
  };
}

export class SendRefusedError extends AppError {
  constructor(code: string, message: string, messageId: string, retryAfter: Date | null = null) {
    super(code, 403, message, retryAfter ? { messageId, retryAfter: retryAfter.toISOString() } : { messageId });
  }
}

export function requireSendablePhone(ctx: AppContext, input: string): ParsedPhone {
  const phone = requirePhone(input);
  if (!phone.country || !ctx.config.sending.allowedCountries.includes(phone.country)) {
    throw new AppError(
      'unsupported_region',
      400,
      `numbers in ${phone.country ?? 'that region'} are not served (allowed: ${ctx.config.sending.allowedCountries.join(', ')})`,
    );
  }
  return phone;
}

function requestHash(phone: string, request: SendRequest): string {
  return oneShotHash('sha256', JSON.stringify([phone, request.category, request.body]), 'hex');
}

type Decided = { kind: 'send' | 'refused' | 'replay' | 'scheduled'; row: MessageRow; retryAfter?: Date | null };

/**
 * The guarded send. The decision (opt-out, consent, cap) and the slot it reserves commit in one
 * transaction that holds the number's lock; the transport is called only after that commit.
 * Refusals are stored too. An Idempotency-Key (per API key) returns the first result again.
 */
export async function sendMessage(
  ctx: AppContext,
  apiKey: ApiKey,
  request: SendRequest,
  idempotencyKey: string | null,
): Promise<{ message: MessageView; replayed: boolean }> {
  const phone = requireSendablePhone(ctx, request.to).e164;
  const body = withOptOutLanguage(request.body, request.category, ctx.config.program.optOutLanguage);
  if (body.length > MAX_BODY_LENGTH) {
    throw new ValidationError(`with the opt-out language appended the body is over ${MAX_BODY_LENGTH} characters`);
  }
  const hash = requestHash(phone, request);

  let decided: Decided;
  try {
    decided = await decide(
      ctx,
      apiKey,
      { phone, body, category: request.category, deferUntilAllowed: request.deferUntilAllowed === true },
      hash,
      idempotencyKey,
    );
  } catch (err) {
    // The same Idempotency-Key raced on two numbers: the loser answers with the winner's result.
    if (!idempotencyKey || !isUniqueViolation(err)) throw err;
    const row = await findMessageByIdempotencyKey(ctx.db, apiKey.id, idempotencyKey);
    if (!row) throw err;
    decided = { kind: 'replay', row };
  }

  const { row } = decided;
  if (decided.kind === 'replay') {
    if (row.request_hash !== hash) {
      throw new AppError('idempotency_key_reused', 409, 'this Idempotency-Key was used for a different request');
    }
    if (row.status === 'refused') throw new SendRefusedError(row.refusal_code!, row.error_message ?? 'refused (replayed)', row.id);
    return { message: toMessageView(row), replayed: true };
  }
  if (decided.kind === 'refused') {
    throw new SendRefusedError(row.refusal_code!, row.error_message ?? 'refused', row.id, decided.retryAfter ?? null);
  }
  if (decided.kind === 'scheduled') return { message: toMessageView(row), replayed: false };
  return { message: await deliver(ctx, row), replayed: false };
}

export interface FullDecision {
  consent: SendDecision;
  time: SendTimeDecision | null;
  month: string;
  /** The first refusal, whichever rule gave it. */
  refusal: { code: RefusalCode | 'quiet_hours' | 'daily_cap'; message: string; retryAfter: Date | null } | null;
}

/**
 * Every rule a send meets, in order: consent (opt-out, review hold, consent, monthly cap), then
 * the send-time rules (quiet hours, state daily limits). Reads only; the caller holds the lock.
 */
export async function evaluateSend(
  ctx: AppContext,
  db: DbOrTransaction,
  phone: string,
  category: Category,
  now: Date,
): Promise<FullDecision> {
  const month = capMonth(now, ctx.config.program.timeZone);
  const current = await readSendState(db, phone);
  // An erasure deletes the number's state row and every opt-in lifts the suppression, so only a
  // number without a state row can be suppressed: the lookup is skipped on the hot path.
  const suppressed =
    current.status === 'unknown' && (await activeSuppression(db, phoneHash(ctx.config.erasureHashKey, phone))) !== undefined;
  const pendingReview = ctx.config.program.reviewPolicy === 'suppress' && current.pendingReview;
  // Only what the decision needs is read: transactional texts count toward no cap by default.
  const capUsed = ctx.config.program.capCategories.includes(category) ? await capSlotsUsed(db, phone, month) : 0;
  const consent = decideSend({
    suppressed,
    pendingReview,
    status: current.status,
    categories: current.categories,
    category,
    capUsed,
    cap: ctx.config.program.frequencyCapPerMonth,
    capCategories: ctx.config.program.capCategories,
  });
  if (!consent.allowed) return { consent, time: null, month, refusal: { code: consent.code, message: consent.message, retryAfter: null } };
  const { jurisdictions } = placeRules(phone);
  const exempt = category === 'transactional' && ctx.config.sending.transactionalExempt;
  const needsRecent = !exempt && jurisdictions.some((j) => j.dailyCap !== undefined);
  const time = evaluateSendTime({
    phone,
    category,
    now,
    recentSends: needsRecent ? await recentCappedSends(db, phone, new Date(now.getTime() - DAY_MS).toISOString()) : [],
    options: { quietHours: ctx.config.sending.quietHours, transactionalExempt: ctx.config.sending.transactionalExempt },
  });
  if (time.allowed) return { consent, time, month, refusal: null };
  const message =
    time.code === 'quiet_hours'
      ? `outside the hours texts may be sent to this number (${time.localTimes.map((t) => t.time).join(', ')} local)`
      : 'the number has had as many texts in 24 hours as its state allows';
  return { consent, time, month, refusal: { code: time.code!, message, retryAfter: time.retryAfter } };
}

const DAY_MS = 24 * 60 * 60 * 1000;

async function decide(
  ctx: AppContext,
  apiKey: ApiKey,
  message: { phone: string; body: string; category: Category; deferUntilAllowed: boolean },
  hash: string,
  idempotencyKey: string | null,
): Promise<Decided> {
  return ctx.transactions.run(async (trx) => {
    await lockPhone(trx, ctx.dialect, message.phone);
    // Read the clock under the lock, so recorded times follow the order decisions were made in.
    const now = ctx.clock();
    const nowIso = now.toISOString();
    if (idempotencyKey) {
      const existing = await findMessageByIdempotencyKey(trx, apiKey.id, idempotencyKey);
      if (existing) return { kind: 'replay', row: existing };
    }
    const decision = await evaluateSend(ctx, trx, message.phone, message.category, now);
    const refusal = decision.refusal;
    // Only the send-time rules can be waited out: consent refusals are final.
    const schedule = refusal !== null && refusal.retryAfter !== null && message.deferUntilAllowed;
    const allowed = refusal === null;
    // A send refused because the number was erased is recorded without the number or the text:
    // an erasure must not be undone by whoever keeps sending to it (nor is such a refusal replayable).
    const erased = refusal?.code === 'opted_out' && (await activeSuppression(trx, phoneHash(ctx.config.erasureHashKey, message.phone))) !== undefined;
    const row: MessageRow = {
      id: newMessageId(now),
      kind: 'send',
      api_key_id: apiKey.id,
      actor: apiKey.label,
      idempotency_key: erased ? null : idempotencyKey,
      request_hash: erased ? '' : hash,
      phone: erased ? erasedPlaceholder(phoneHash(ctx.config.erasureHashKey, message.phone)) : message.phone,
      category: message.category,
      body: erased ? REDACTED : message.body,
      status: allowed ? 'pending' : schedule ? 'scheduled' : 'refused',
      refusal_code: allowed || schedule ? null : refusal!.code,
      counts_toward_cap: allowed && decision.consent.allowed && decision.consent.countsTowardCap ? 1 : 0,
      cap_month: decision.month,
      cap_released: 0,
      transport: allowed || schedule ? ctx.transport.name : 'none',
      twilio_sid: null,
      error_code: null,
      error_message: allowed || schedule ? null : refusal!.message.slice(0, 500),
      created_at: nowIso,
      updated_at: nowIso,
      decided_at: nowIso,
      send_after: schedule ? refusal!.retryAfter!.toISOString() : null,
      claimed_at: null,
    };
    await insertMessage(trx, row);
    return { kind: allowed ? 'send' : schedule ? 'scheduled' : 'refused', row, retryAfter: refusal?.retryAfter ?? null };
  });
}

/** Hands a decided message to the transport and records what came of it. */
export async function deliver(ctx: AppContext, row: MessageRow): Promise<MessageView> {
  // A STOP (or a text held for review) may have committed between our decision and this moment:
  // honour it. Read from committed data directly, so the check never waits for a write batch.
  const latest = await readSendState(ctx.committedReads, row.phone);
  const heldNow =
    latest.status === 'opted_out'
      ? ('opted_out' as const)
      : ctx.config.program.reviewPolicy === 'suppress' && latest.pendingReview
        ? ('pending_review' as const)
        : null;
  if (heldNow) {
    await ctx.transactions.run((trx) => updateMessage(trx, row.id, {
      status: 'canceled',
      cap_released: 1,
      refusal_code: heldNow,
      error_message: `${heldNow} before the send left`,
      updated_at: ctx.clock().toISOString(),
    }));
    throw new SendRefusedError(heldNow, heldNow === 'opted_out' ? 'the number opted out before the text left' : 'the number sent a text held for review before this one left', row.id);
  }

  let result;
  try {
    result = await ctx.transport.send({ messageId: row.id, to: row.phone, body: row.body });
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    if (err.failure === 'outcome_unknown') {
      // The text may have left: it keeps its slot, and the client is told so (202, not an error a
      // client would retry: a second text is the TCPA risk).
      const updatedAt = ctx.clock().toISOString();
      const update = { status: 'unknown' as const, error_code: err.providerCode, error_message: err.message.slice(0, 500), updated_at: updatedAt };
      // Unless a status callback already brought its SID (and the real status) in the meantime.
      const recorded = await recordAfterSend(ctx, row.id, () =>
        ctx.transactions.runStatement((db) =>
          db
            .updateTable('messages')
            .set({ ...update, error_message: providerErrorText(err.message) })
            .where('id', '=', row.id)
            .where('twilio_sid', 'is', null)
            .execute(),
        ),
      );
      const view = toMessageView({ ...row, ...update });
      return recorded ? view : { ...view, statusReason: `${view.statusReason} ${NOT_YET_RECORDED}` };
    }
    await recordTransportFailure(ctx, row, err);
    throw toHttpError(err, row.id);
  }
  // The text has left: from here on no error may reach the client as a 5xx it would retry.
  const sent = result;
  const updatedAt = ctx.clock().toISOString();
  const recorded = await recordAfterSend(ctx, row.id, () =>
    ctx.transactions.runStatement((db) => markMessageSent(db, row.id, sent.status, sent.sid, updatedAt)),
  );
  const view = toMessageView({ ...row, status: sent.status, twilio_sid: sent.sid, updated_at: updatedAt });
  return recorded ? view : { ...view, statusReason: NOT_RECORDED_REASON };
}

const NOT_YET_RECORDED =
  'The gateway could not record this outcome yet (database unavailable): the message reads `pending` until the reconciliation settles it at the transport, within minutes.';

/** `statusReason` of a send the transport took but whose outcome the database refused. */
export const NOT_RECORDED_REASON = `the transport took the text (status and SID as it answered). Do not send it again. ${NOT_YET_RECORDED}`;

/**
 * Records what came of a send that has left (or may have). The transport already acted, so a
 * database fault here must not become an error the client retries (a second text): it is logged,
 * the row stays `pending`, and the running reconciliation settles it (src/sending/reconcile.ts).
 */
async function recordAfterSend(ctx: AppContext, messageId: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    ctx.logger.error('send outcome not recorded; the reconciliation will settle it', { messageId, err, code: 'send_outcome_not_recorded' });
    return false;
  }
}

/** The text certainly did not leave: mark it failed and give its cap slot back; a 21610 is an opt-out. */
async function recordTransportFailure(ctx: AppContext, row: MessageRow, err: TransportError): Promise<void> {
  const nowIso = ctx.clock().toISOString();
  await ctx.transactions.run(async (trx) => {
    await lockPhone(trx, ctx.dialect, row.phone);
    await trx
      .updateTable('messages')
      .set({ status: 'failed', cap_released: 1, error_code: err.providerCode, error_message: providerErrorText(err.message), updated_at: nowIso })
      .where('id', '=', row.id)
      .execute();
    // Erased while the send was in flight: the erasure's suppression already blocks every send, and
    // an opt-out recorded under the number would put it back into the ledger.
    const erasedMeanwhile = isErasedPlaceholder((await findMessage(trx, row.id))?.phone ?? row.phone);
    if (err.failure === 'recipient_opted_out' && !erasedMeanwhile) {
      await appendOptOut(trx, ctx.dialect, {
        phone: row.phone,
        channel: 'carrier',
        actor: 'twilio',
        evidence: { reason: 'twilio_error_21610_on_send', errorCode: err.providerCode, messageId: row.id },
        occurredAt: nowIso,
        recordedAt: nowIso,
      });
    }
  });
}

function toHttpError(err: TransportError, messageId: string): AppError {
  switch (err.failure) {
    case 'recipient_opted_out':
      return new SendRefusedError('opted_out', 'the number has opted out at the carrier (Twilio 21610)', messageId);
    case 'rejected':
      return new AppError('twilio_rejected', 422, `Twilio refused the message: ${err.message}`, {
        messageId,
        twilioCode: err.providerCode,
      });
    default:
      // Only failures where Twilio certainly did not take the message come here (see TransportFailure).
      return new AppError('transport_unavailable', 502, `Twilio did not take the message; nothing was sent (${err.message})`, {
        messageId,
        sent: false,
      });
  }
}

export async function getMessage(ctx: AppContext, id: string): Promise<MessageView> {
  const row = await findMessage(ctx.committedReads, id);
  if (!row) throw new NotFoundError(`no message ${id}`);
  return toMessageView(row);
}

/**
 * The whole decision for a send, without making it: every rule evaluated, which passed, which
 * refused, the local time and jurisdictions, and when it would next be allowed. No side effects.
 */
export async function explainSend(ctx: AppContext, request: SendRequest) {
  const phone = requireSendablePhone(ctx, request.to).e164;
  const now = ctx.clock();
  const decision = await evaluateSend(ctx, ctx.committedReads, phone, request.category, now);
  const consentRules = [
    { rule: 'opt-out', passed: !(decision.consent.allowed === false && decision.consent.code === 'opted_out') },
    { rule: 'review hold', passed: !(decision.consent.allowed === false && decision.consent.code === 'pending_review') },
    { rule: 'consent for the category', passed: !(decision.consent.allowed === false && decision.consent.code === 'no_consent') },
    { rule: 'monthly cap', passed: !(decision.consent.allowed === false && decision.consent.code === 'frequency_cap') },
  ];
  // Once a consent rule refuses, the later ones were not reached.
  const firstFailed = consentRules.findIndex((r) => !r.passed);
  return {
    to: phone,
    category: request.category,
    evaluatedAt: now.toISOString(),
    allowed: decision.refusal === null,
    code: decision.refusal?.code ?? null,
    message: decision.refusal?.message ?? null,
    retryAfter: decision.refusal?.retryAfter?.toISOString() ?? null,
    state: decision.time?.state ?? placeRules(phone).state,
    zones: decision.time?.zones ?? placeRules(phone).zones,
    localTimes: decision.time?.localTimes ?? null,
    jurisdictions: decision.time?.jurisdictions ?? placeRules(phone).jurisdictions.map((j) => j.id),
    rules: [
      ...consentRules.map((r, i) => ({ ...r, evaluated: firstFailed === -1 || i <= firstFailed })),
      ...(decision.time?.rules ?? []).map((r) => ({ ...r, evaluated: true })),
    ],
    capMonth: decision.month,
  };
}
