import type { Category } from '../consent/categories';
import { parseCategories } from '../consent/categories';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { phoneHash, suppressedHashes } from '../consent/suppression';
import { phonesWithPendingReview } from '../review/queries';
import { capMonth, decideSend } from './policy';
import { countCapSlots } from './queries';
import { requireSendablePhone } from './service';

export const MAX_CHECK_PHONES = 10_000;
const CHUNK = 500;

export interface CheckResult {
  input: string;
  phone: string | null;
  allowed: boolean;
  code: string | null;
}

/**
 * Would a send to each number be allowed now? For scrubbing a campaign list: read-only, reserves
 * no slot, and answers in the order given.
 */
export async function checkSendable(ctx: AppContext, category: Category, inputs: readonly string[]): Promise<CheckResult[]> {
  const month = capMonth(ctx.clock(), ctx.config.program.timeZone);
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
  for (let i = 0; i < phones.length; i += CHUNK) {
    const chunk = phones.slice(i, i + CHUNK);
    const rows = await ctx.db.selectFrom('consent_state').select(['phone', 'status', 'categories']).where('phone', 'in', chunk).execute();
    for (const row of rows) states.set(row.phone, row);
    for (const [phone, used] of await countCapSlots(ctx.db, chunk, month)) slots.set(phone, used);
    const hashes = await suppressedHashes(ctx.db, chunk.map(hashOf));
    if (ctx.config.program.reviewPolicy === 'suppress') {
      for (const phone of await phonesWithPendingReview(ctx.db, chunk)) pending.add(phone);
    }
    for (const phone of chunk) if (hashes.has(hashOf(phone))) suppressed.add(phone);
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
    return { input, phone, allowed: decision.allowed, code: decision.allowed ? null : decision.code };
  });
}
