import type { Category } from '../consent/categories';
import { parseCategories } from '../consent/categories';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { phoneHash, suppressedHashes } from '../consent/suppression';
import { phonesWithPendingReview } from '../review/queries';
import { evaluateSendTime, placeRules } from '../send-time/rules';
import { capMonth, decideSend } from './policy';
import { countCapSlots, recentCappedSendsByPhone } from './queries';
import { requireSendablePhone } from './service';

export const MAX_CHECK_PHONES = 10_000;
const CHUNK = 500;

export interface CheckResult {
  input: string;
  phone: string | null;
  allowed: boolean;
  code: string | null;
  /** When refused by quiet hours or a daily limit: the next instant a send would be allowed. */
  retryAfter?: string;
}

/**
 * Would a send to each number be allowed now? For scrubbing a campaign list: read-only, reserves
 * no slot, and answers in the order given.
 */
export async function checkSendable(ctx: AppContext, category: Category, inputs: readonly string[]): Promise<CheckResult[]> {
  const now = ctx.clock();
  const month = capMonth(now, ctx.config.program.timeZone);
  const recentSends = new Map<string, Date[]>();
  const parsed = inputs.map((input) => {
    try {
      return { input, phone: requireSendablePhone(ctx, input).e164, code: null };
    } catch (err) {
      return { input, phone: null, code: err instanceof AppError ? err.code : 'invalid_phone' };
    }
  });
  const phones = [...new Set(parsed.flatMap((p) => (p.phone ? [p.phone] : [])))];
  const states = new Map<string, { status: 'opted_in' | 'opted_out'; categories: string }>();
  const slots = new Map<string, number>();
  const suppressed = new Set<string>();
  const pending = new Set<string>();
  const hashOf = (phone: string) => phoneHash(ctx.config.erasureHashKey, phone);
  // As for a send, only what the decision needs is read.
  const capped = ctx.config.program.capCategories.includes(category);
  const timeExempt = category === 'transactional' && ctx.config.sending.transactionalExempt;
  // Read-only and under no lock: committed data, without queueing behind write batches.
  const db = ctx.committedReads;
  for (let i = 0; i < phones.length; i += CHUNK) {
    const chunk = phones.slice(i, i + CHUNK);
    const rows = await db.selectFrom('consent_state').select(['phone', 'status', 'categories']).where('phone', 'in', chunk).execute();
    for (const row of rows) states.set(row.phone, row);
    if (capped) for (const [phone, used] of await countCapSlots(db, chunk, month)) slots.set(phone, used);
    // Only a number without a state row can be suppressed (an erasure deletes it): hash just those.
    const stateless = chunk.filter((p) => !states.has(p));
    const hashes = await suppressedHashes(db, stateless.map(hashOf));
    const limited = timeExempt ? [] : chunk.filter((p) => placeRules(p).jurisdictions.some((j) => j.dailyCap !== undefined));
    const since = new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString();
    for (const [phone, sends] of await recentCappedSendsByPhone(db, limited, since)) recentSends.set(phone, sends);
    if (ctx.config.program.reviewPolicy === 'suppress') {
      for (const phone of await phonesWithPendingReview(db, chunk)) pending.add(phone);
    }
    for (const phone of stateless) if (hashes.has(hashOf(phone))) suppressed.add(phone);
  }
  return parsed.map(({ input, phone, code }) => {
    if (!phone) return { input, phone: null, allowed: false, code };
    const state = states.get(phone);
    const decision = decideSend({
      suppressed: suppressed.has(phone),
      pendingReview: pending.has(phone),
      status: state?.status ?? 'unknown',
      categories: state ? parseCategories(state.categories) : [],
      category,
      capUsed: slots.get(phone) ?? 0,
      cap: ctx.config.program.frequencyCapPerMonth,
      capCategories: ctx.config.program.capCategories,
    });
    if (!decision.allowed) return { input, phone, allowed: false, code: decision.code };
    const time = evaluateSendTime({
      phone,
      category,
      now,
      recentSends: recentSends.get(phone) ?? [],
      options: { quietHours: ctx.config.sending.quietHours, transactionalExempt: ctx.config.sending.transactionalExempt },
    });
    return { input, phone, allowed: time.allowed, code: time.code, ...(time.retryAfter ? { retryAfter: time.retryAfter.toISOString() } : {}) };
  });
}
