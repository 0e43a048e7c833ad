import { z } from 'zod';
import { appendOptOut } from '../consent/ledger';
import { activeSuppression, isErasedPlaceholder, phoneHash } from '../consent/suppression';
import type { AppContext } from '../context';
import { lockPhone } from '../db';
import type { DbOrTransaction } from '../db';
import type { MessageRow, MessageStatus } from '../db/tables/message';
import { ValidationError } from '../errors';
import { toE164 } from '../phone';
import { findMessage, findMessageByTwilioSid, updateMessage } from '../sending/queries';
import { TWILIO_UNSUBSCRIBED_RECIPIENT } from '../transport/twilio';

const statusSchema = z.object({
  MessageSid: z.string().regex(/^[A-Za-z0-9]{2,64}$/),
  MessageStatus: z.string().max(32).optional(),
  ErrorCode: z.string().max(16).optional(),
  To: z.string().max(64).optional(),
});

/** Our message id, which the status callback URL carries (see statusCallbackFor). */
const callbackQuerySchema = z.object({ messageId: z.string().regex(/^msg_[0-9a-f]{32}$/).optional() });

/** Statuses only move forward: callbacks can arrive out of order. */
const RANK: Partial<Record<MessageStatus, number>> = {
  pending: 0,
  unknown: 0,
  accepted: 1,
  scheduled: 1,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  read: 5,
};

export interface StatusCallback {
  messageSid: string;
  status: MessageStatus | null;
  errorCode: string | null;
  to: string | null;
  /** From the signed callback URL: finds a message whose send got no answer, so no SID either. */
  messageId: string | null;
}

export function parseStatusParams(body: unknown, query: unknown = {}): StatusCallback {
  const parsed = statusSchema.safeParse(body ?? {});
  if (!parsed.success) throw new ValidationError('the status callback has no valid MessageSid', parsed.error.issues);
  const status = parsed.data.MessageStatus?.toLowerCase() as MessageStatus | undefined;
  return {
    messageSid: parsed.data.MessageSid,
    status: status && RANK[status] !== undefined ? status : null,
    errorCode: parsed.data.ErrorCode?.trim() || null,
    to: parsed.data.To ? (toE164(parsed.data.To) ?? null) : null,
    // A malformed messageId is ignored rather than refused: the SID alone still applies.
    messageId: callbackQuerySchema.safeParse(query ?? {}).data?.messageId ?? null,
  };
}

/**
 * The message a callback is about: by Twilio's SID, or else by our id from the callback URL when
 * that message has no SID yet (Twilio took it but its answer never reached us).
 */
async function findCallbackMessage(db: DbOrTransaction, callback: StatusCallback): Promise<MessageRow | undefined> {
  const bySid = await findMessageByTwilioSid(db, callback.messageSid);
  if (bySid || !callback.messageId) return bySid;
  const byId = await findMessage(db, callback.messageId);
  return byId && byId.twilio_sid === null && AWAITING_SID.has(byId.status) ? byId : undefined;
}

/** A message handed to the transport without a SID coming back: Twilio may still report on it. */
const AWAITING_SID = new Set<MessageStatus>(['pending', 'unknown', 'failed']);

/**
 * Applies a delivery status. Error 21610 means the person opted out at the carrier: recorded as an
 * opt-out of that number. An unknown MessageSid is not an error (Twilio may know messages we don't).
 */
export async function applyStatusCallback(ctx: AppContext, callback: StatusCallback): Promise<void> {
  const message = await findCallbackMessage(ctx.db, callback);
  const phone = message?.phone ?? callback.to;
  const reportsCarrierOptOut = callback.errorCode === String(TWILIO_UNSUBSCRIBED_RECIPIENT) && phone !== null;
  if (!message && !reportsCarrierOptOut) return;
  const nowIso = ctx.clock().toISOString();
  await ctx.transactions.run(async (trx) => {
    if (phone) await lockPhone(trx, ctx.dialect, phone);
    const current = message ? await findCallbackMessage(trx, callback) : undefined;
    if (current && current.twilio_sid === null) {
      // Twilio has it after all: from now on it is known by its SID, and it holds its cap slot.
      await updateMessage(trx, current.id, {
        twilio_sid: callback.messageSid,
        status: callback.status ?? 'accepted',
        cap_released: 0,
        error_code: callback.errorCode ?? current.error_code,
        updated_at: nowIso,
      });
    } else if (current && callback.status) {
      if ((RANK[callback.status] ?? 0) > (RANK[current.status] ?? 0)) {
        await updateMessage(trx, current.id, {
          status: callback.status,
          error_code: callback.errorCode ?? current.error_code,
          updated_at: nowIso,
        });
      }
    }
    // A late callback about an erased number (its message row now holds a placeholder, or `To` is
    // suppressed by the erasure): status and error code are kept, which say nothing about the
    // person, but no carrier opt-out is recorded: the suppression already blocks every send, and
    // an event under the number (or its placeholder) would write it back into the ledger. Checked
    // under the number's lock, so an erasure cannot commit in between. A callback never stores
    // provider text either (Twilio's error texts can quote the number).
    const erased = async (number: string) =>
      isErasedPlaceholder(current?.phone ?? number) || (await activeSuppression(trx, phoneHash(ctx.config.erasureHashKey, number))) !== undefined;
    if (reportsCarrierOptOut && !(await erased(phone))) {
      await appendOptOut(trx, ctx.dialect, {
        phone,
        channel: 'carrier',
        actor: 'twilio',
        messageSid: callback.messageSid,
        evidence: { reason: 'twilio_error_21610_status_callback', errorCode: callback.errorCode, messageId: message?.id ?? null },
        occurredAt: nowIso,
        recordedAt: nowIso,
      });
    }
  });
}
