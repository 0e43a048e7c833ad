import type { Category } from '../consent/categories';
import type { ConsentStatus } from '../db/tables/consent-event';

export type RefusalCode = 'opted_out' | 'pending_review' | 'no_consent' | 'frequency_cap';

export interface SendPolicyInput {
  status: ConsentStatus;
  /** The number was erased on request: it stays blocked from every send. */
  suppressed: boolean;
  /** The number sent a text that may be a revocation and staff have not decided yet (REVIEW_POLICY=suppress). */
  pendingReview: boolean;
  /** Categories the number consented to (meaningful while opted in). */
  categories: readonly Category[];
  category: Category;
  /** Slots this number already used this month. */
  capUsed: number;
  cap: number;
  capCategories: readonly Category[];
}

export type SendDecision =
  | { allowed: true; countsTowardCap: boolean; capRemainingAfter: number | null }
  | { allowed: false; code: RefusalCode; message: string };

/**
 * Whether a text may be sent now. Pure. The order is fixed: an opt-out by any channel blocks
 * every category; then consent must cover the category; then the monthly cap (only for the
 * categories it applies to).
 */
export function decideSend(input: SendPolicyInput): SendDecision {
  if (input.suppressed) {
    return { allowed: false, code: 'opted_out', message: 'the number was erased on request and stays suppressed' };
  }
  if (input.status === 'opted_out') {
    return { allowed: false, code: 'opted_out', message: 'the number has opted out of all texts' };
  }
  if (input.pendingReview) {
    return { allowed: false, code: 'pending_review', message: 'the number sent a text that may revoke consent; staff must review it first' };
  }
  if (input.status !== 'opted_in' || !input.categories.includes(input.category)) {
    return { allowed: false, code: 'no_consent', message: `the number has not consented to ${input.category} texts` };
  }
  const countsTowardCap = input.capCategories.includes(input.category);
  if (!countsTowardCap) return { allowed: true, countsTowardCap, capRemainingAfter: null };
  if (input.capUsed >= input.cap) {
    return {
      allowed: false,
      code: 'frequency_cap',
      message: `the number already had ${input.capUsed} of ${input.cap} texts this month`,
    };
  }
  return { allowed: true, countsTowardCap, capRemainingAfter: input.cap - input.capUsed - 1 };
}

const STOP_INSTRUCTION = /\b(reply|text|txt|send|respond)\s+(with\s+)?["'“‘]?(stop|end|quit|cancel|unsubscribe)\b|\b(stop|end|quit|unsubscribe)\s+to\s+(opt[\s-]?out|unsubscribe|end|cancel|stop)/i;

export function hasStopInstruction(body: string): boolean {
  return STOP_INSTRUCTION.test(body);
}

/** Marketing texts must say how to opt out: append the configured language when they do not. */
export function withOptOutLanguage(body: string, category: Category, optOutLanguage: string): string {
  if (category !== 'marketing' || hasStopInstruction(body)) return body;
  return body.trimEnd() + optOutLanguage;
}

const monthFormats = new Map<string, Intl.DateTimeFormat>();
const MINUTE_MS = 60_000;
/** The last answer per zone, by UTC minute: every zone's offset is whole minutes, so a month never changes inside one. */
const lastMonths = new Map<string, { minute: number; month: string }>();

/** YYYY-MM of an instant in the program's time zone: the cap counts calendar months there. */
export function capMonth(instant: Date, timeZone: string): string {
  const minute = Math.floor(instant.getTime() / MINUTE_MS);
  const last = lastMonths.get(timeZone);
  if (last?.minute === minute) return last.month;
  // Building an Intl formatter costs far more than using one: keep one per zone.
  let format = monthFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
    monthFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const year = parts.find((p) => p.type === 'year')?.value;
  const month = `${year}-${parts.find((p) => p.type === 'month')?.value}`;
  lastMonths.set(timeZone, { minute, month });
  return month;
}

/**
 * The furthest east zone is UTC+14, so no instant of a month, in any zone, is earlier than 14 h
 * before its first midnight in UTC. A day more covers rows written before migration 007, whose
 * decided_at is the scheduler's claim, a moment before the release that set their cap_month.
 */
const EARLIEST_OFFSET_MS = (14 + 24) * 60 * MINUTE_MS;

/**
 * A lower bound on when any text counted in `month` (YYYY-MM, whatever the program's zone) was
 * decided. Cap lookups add it to `cap_month = ?` so the (phone, decided_at) index narrows them to
 * recent rows; the cap_month test alone decides what counts.
 */
export function capMonthEarliestDecision(month: string): string {
  return new Date(Date.parse(`${month}-01T00:00:00.000Z`) - EARLIEST_OFFSET_MS).toISOString();
}
