import { createHash, randomUUID } from 'node:crypto';
import type { ApiKey } from '../auth/api-keys';
import type { Category } from '../consent/categories';
import { appendOptOut, getCurrentConsent } from '../consent/ledger';
import { activeSuppression, phoneHash } from '../consent/suppression';
import type { AppContext } from '../context';
import { lockPhone } from '../db';
import { isUniqueViolation } from '../db/errors';
import type { MessageRow } from '../db/tables/message';
import { AppError, NotFoundError, ValidationError } from '../errors';
import { requirePhone, type ParsedPhone } from '../phone';
import { hasPendingReview } from '../review/queries';
import { TransportError } from '../transport/transport';
import { capMonth, decideSend, withOptOutLanguage, type RefusalCode } from './policy';
import {
  findMessage,
  findMessageByIdempotencyKey,
  capSlotsUsed,
  insertMessage,
  markMessageSent,
  updateMessage,
} from './queries';

export const MAX_BODY_LENGTH = 1_600;

export interface SendRequest {
  to: string;
  body: string;
  category: Category;
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
}

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
  };
}

export class SendRefusedError extends AppError {
  constructor(code: RefusalCode, message: string, messageId: string) {
    super(code, 403, message, { messageId });
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
  return createHash('sha256').update(JSON.stringify([phone, request.category, request.body])).digest('hex');
}

type Decided = { kind: 'send' | 'refused' | 'replay'; row: MessageRow };

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
    decided = await decide(ctx, apiKey, { phone, body, category: request.category }, hash, idempotencyKey);
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
    if (row.status === 'refused') throw new SendRefusedError(row.refusal_code as RefusalCode, 'refused (replayed)', row.id);
    return { message: toMessageView(row), replayed: true };
  }
  if (decided.kind === 'refused') {
    throw new SendRefusedError(row.refusal_code as RefusalCode, refusalMessage(row.refusal_code), row.id);
  }
  return { message: await deliver(ctx, row), replayed: false };
}

function refusalMessage(code: string | null): string {
  switch (code) {
    case 'opted_out':
      return 'the number has opted out of all texts';
    case 'no_consent':
      return 'the number has not consented to this category of text';
    case 'pending_review':
      return 'the number sent a text that may revoke consent; staff must review it first';
    default:
      return 'the number has reached its monthly message cap';
  }
}

async function decide(
  ctx: AppContext,
  apiKey: ApiKey,
  message: { phone: string; body: string; category: Category },
  hash: string,
  idempotencyKey: string | null,
): Promise<Decided> {
  return ctx.transactions.run(async (trx) => {
    await lockPhone(trx, ctx.dialect, message.phone);
    // Read the clock under the lock, so recorded times follow the order decisions were made in.
    const now = ctx.clock();
    const nowIso = now.toISOString();
    const month = capMonth(now, ctx.config.program.timeZone);
    if (idempotencyKey) {
      const existing = await findMessageByIdempotencyKey(trx, apiKey.id, idempotencyKey);
      if (existing) return { kind: 'replay', row: existing };
    }
    const current = await getCurrentConsent(trx, message.phone);
    // An erasure deletes the number's state row and every opt-in lifts the suppression, so only a
    // number without a state row can be suppressed: the lookup is skipped on the hot path.
    const suppressed =
      current.status === 'unknown' &&
      (await activeSuppression(trx, phoneHash(ctx.config.erasureHashKey, message.phone))) !== undefined;
    const pendingReview = ctx.config.program.reviewPolicy === 'suppress' && (await hasPendingReview(trx, message.phone));
    const capUsed = await capSlotsUsed(trx, message.phone, month);
    const decision = decideSend({
      suppressed,
      pendingReview,
      status: current.status,
      categories: current.categories,
      category: message.category,
      capUsed,
      cap: ctx.config.program.frequencyCapPerMonth,
      capCategories: ctx.config.program.capCategories,
    });
    const row: MessageRow = {
      id: `msg_${randomUUID().replace(/-/g, '')}`,
      kind: 'send',
      api_key_id: apiKey.id,
      actor: apiKey.label,
      idempotency_key: idempotencyKey,
      request_hash: hash,
      phone: message.phone,
      category: message.category,
      body: message.body,
      status: decision.allowed ? 'pending' : 'refused',
      refusal_code: decision.allowed ? null : decision.code,
      counts_toward_cap: decision.allowed && decision.countsTowardCap ? 1 : 0,
      cap_month: month,
      cap_released: 0,
      transport: decision.allowed ? ctx.transport.name : 'none',
      twilio_sid: null,
      error_code: null,
      error_message: null,
      created_at: nowIso,
      updated_at: nowIso,
    };
    await insertMessage(trx, row);
    return { kind: decision.allowed ? 'send' : 'refused', row };
  });
}

/** Hands a decided message to the transport and records what came of it. */
async function deliver(ctx: AppContext, row: MessageRow): Promise<MessageView> {
  // A STOP may have committed between our decision and this moment: honour it. (Read through the
  // transaction runner so that, on SQLite, it joins a batch instead of queueing for the connection.)
  const latest = await ctx.transactions.run((trx) => getCurrentConsent(trx, row.phone));
  if (latest.status === 'opted_out') {
    await ctx.transactions.run((trx) => updateMessage(trx, row.id, {
      status: 'canceled',
      cap_released: 1,
      error_message: 'opted out before the send left',
      updated_at: ctx.clock().toISOString(),
    }));
    throw new SendRefusedError('opted_out', 'the number opted out before the text left', row.id);
  }

  try {
    const result = await ctx.transport.send({ messageId: row.id, to: row.phone, body: row.body });
    const updatedAt = ctx.clock().toISOString();
    await ctx.transactions.run((trx) => markMessageSent(trx, row.id, result.status, result.sid, updatedAt));
    return toMessageView({ ...row, status: result.status, twilio_sid: result.sid, updated_at: updatedAt });
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    await recordTransportFailure(ctx, row, err);
    throw toHttpError(err, row.id);
  }
}

/** The text did not leave: mark it failed and give its cap slot back; a 21610 is an opt-out. */
async function recordTransportFailure(ctx: AppContext, row: MessageRow, err: TransportError): Promise<void> {
  const nowIso = ctx.clock().toISOString();
  await ctx.transactions.run(async (trx) => {
    await lockPhone(trx, ctx.dialect, row.phone);
    await updateMessage(trx, row.id, {
      status: 'failed',
      cap_released: 1,
      error_code: err.providerCode,
      error_message: err.message.slice(0, 500),
      updated_at: nowIso,
    });
    if (err.failure === 'recipient_opted_out') {
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
      return new AppError('transport_unavailable', 502, 'Twilio could not take the message; nothing was sent', {
        messageId,
      });
  }
}

export async function getMessage(ctx: AppContext, id: string): Promise<MessageView> {
  const row = await findMessage(ctx.db, id);
  if (!row) throw new NotFoundError(`no message ${id}`);
  return toMessageView(row);
}
