import { z } from 'zod';
import { ValidationError } from '../errors';
import { toE164 } from '../phone';
import type { AdvancedOptOutType, } from '../inbound/decide';
import type { InboundSms } from '../inbound/service';

const MAX_BODY = 10_000;

const paramsSchema = z.object({
  MessageSid: z.string().regex(/^[A-Za-z0-9]{2,64}$/, 'must be a Twilio SID'),
  From: z.string().min(1).max(64),
  To: z.string().max(64).optional(),
  Body: z.string().max(MAX_BODY).optional(),
  AccountSid: z.string().max(64).optional(),
  OptOutType: z.string().max(32).optional(),
});

const ADVANCED_TYPES: readonly AdvancedOptOutType[] = ['STOP', 'START', 'HELP'];

/** Turns Twilio's form parameters into an InboundSms, or throws a 400 naming what is wrong. */
export function parseInboundParams(body: unknown): InboundSms {
  const parsed = paramsSchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new ValidationError('the webhook is missing From or MessageSid, or has malformed fields', parsed.error.issues);
  }
  const p = parsed.data;
  const from = toE164(p.From);
  if (!from) throw new ValidationError('From is not a phone number');
  const optOutType = p.OptOutType?.trim().toUpperCase() ?? null;
  return {
    messageSid: p.MessageSid,
    from,
    to: p.To ? (toE164(p.To) ?? p.To) : null,
    accountSid: p.AccountSid ?? null,
    body: p.Body ?? '',
    advancedOptOutType: ADVANCED_TYPES.find((t) => t === optOutType) ?? null,
    rawOptOutType: p.OptOutType ?? null,
  };
}
