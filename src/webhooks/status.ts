import { z } from 'zod';
import { appendOptOut } from '../consent/ledger';
import type { AppContext } from '../context';
import { lockPhone } from '../db';
import type { MessageStatus } from '../db/tables/message';
import { ValidationError } from '../errors';
import { toE164 } from '../phone';
import { findMessageByTwilioSid, updateMessage } from '../sending/queries';
import { TWILIO_UNSUBSCRIBED_RECIPIENT } from '../transport/twilio';

const statusSchema = z.object({
  MessageSid: z.string().regex(/^[A-Za-z0-9]{2,64}$/),
  MessageStatus: z.string().max(32).optional(),
  ErrorCode: z.string().max(16).optional(),
  To: z.string().max(64).optional(),
});

/** Statuses only move forward: callbacks can arrive out of order. */
const RANK: Partial<Record<MessageStatus, number>> = {
  pending: 0,
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
}

export function parseStatusParams(body: unknown): StatusCallback {
  const parsed = statusSchema.safeParse(body ?? {});
  if (!parsed.success) throw new ValidationError('the status callback has no valid MessageSid', parsed.error.issues);
  const status = parsed.data.MessageStatus?.toLowerCase() as MessageStatus | undefined;
  return {
    messageSid: parsed.data.MessageSid,
    status: status && RANK[status] !== undefined ? status : null,
    errorCode: parsed.data.ErrorCode?.trim() || null,
    to: parsed.data.To ? (toE164(parsed.data.To) ?? null) : null,
  };
}

/**
 * Applies a delivery status. Error 21610 means the person opted out at the carrier: recorded as an
 * opt-out of that number. An unknown MessageSid is not an error (Twilio may know messages we don't).
 */
export async function applyStatusCallback(ctx: AppContext, callback: StatusCallback): Promise<void> {
  const message = await findMessageByTwilioSid(ctx.db, callback.messageSid);
  const phone = message?.phone ?? callback.to;
  const carrierOptOut = callback.errorCode === String(TWILIO_UNSUBSCRIBED_RECIPIENT) && phone;
  if (!message && !carrierOptOut) return;
  const nowIso = ctx.clock().toISOString();
  await ctx.transactions.run(async (trx) => {
    if (phone) await lockPhone(trx, ctx.dialect, phone);
    if (message && callback.status) {
      const current = await findMessageByTwilioSid(trx, callback.messageSid);
      if (current && (RANK[callback.status] ?? 0) > (RANK[current.status] ?? 0)) {
        await updateMessage(trx, current.id, {
          status: callback.status,
          error_code: callback.errorCode ?? current.error_code,
          updated_at: nowIso,
        });
      }
    }
    if (carrierOptOut) {
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
