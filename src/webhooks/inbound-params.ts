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

/**
 * A carrier's text may carry NUL characters (U+0000) that PostgreSQL text cannot store; the
 * database layer refuses them with a 400, which for a carrier would lose the text, a STOP
 * included. Carrier parameters are stripped of NUL instead (`STOP\u0000` is the STOP it reads as).
 */
export function stripNulFromParams(body: unknown): unknown {
  if (!body || typeof body !== 'object') return body;
  const strip = (value: unknown): unknown =>
    typeof value === 'string' ? value.replaceAll('\0', '') : Array.isArray(value) ? value.map(strip) : value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) out[key.replaceAll('\0', '')] = strip(value);
  return out;
}
