import type { AppContext } from '../context';
import type { DbOrTransaction } from '../db';
import { lockPhone } from '../db';
import type { ConsentEventRow } from '../db/tables/consent-event';
import { AppError } from '../errors';
import { capMonth } from '../sending/policy';
import { countCapSlots } from '../sending/queries';
import { toMessageView, type MessageView } from '../sending/service';
import { CATEGORIES, parseCategories, type Category } from './categories';
import { appendConsentEvent, getCurrentConsent, latestOptOutAt, listConsentEvents } from './ledger';
import type { OptInRequest } from './schemas';
import { activeSuppression, liftSuppression, phoneHash } from './suppression';

export interface ConsentEventView {
  id: number;
  type: 'opt_in' | 'opt_out';
  previousStatus: string;
  status: string;
  categories: string[];
  channel: string;
  keyword: string | null;
  rawText: string | null;
  messageSid: string | null;
  evidence: unknown;
  actor: string;
  occurredAt: string;
  recordedAt: string;
  chainHash: string | null;
}

export interface InboundView {
  messageSid: string;
  body: string;
  intent: string;
  keyword: string | null;
  rule: string | null;
  reply: string | null;
  note: string | null;
  receivedAt: string;
}

export type HistoryEntry =
  | ({ kind: 'consent_event'; at: string } & ConsentEventView)
  | ({ kind: 'inbound'; at: string } & InboundView)
  | ({ kind: 'message'; at: string } & MessageView);

export interface ConsentView {
  phone: string;
  status: 'opted_in' | 'opted_out' | 'unknown';
  categories: string[];
  /** Each category on its own: what a send of that category would meet, consent-wise. */
  perCategory: Record<Category, 'opted_in' | 'opted_out' | 'not_consented'>;
  updatedAt: string | null;
  /** The number was erased on request and stays blocked from every send. */
  suppressed: boolean;
  cap: { month: string; used: number; limit: number; remaining: number; categories: Category[] };
  events: ConsentEventView[];
}

export interface ConsentDetail extends ConsentView {
  /** Consent events, inbound texts, sends and refusals, oldest first. */
  history: HistoryEntry[];
}

export function toEventView(row: ConsentEventRow): ConsentEventView {
  return {
    id: row.id,
    type: row.event_type,
    previousStatus: row.previous_status,
    status: row.status,
    categories: parseCategories(row.categories),
    channel: row.channel,
    keyword: row.keyword,
    rawText: row.raw_text,
    messageSid: row.message_sid,
    evidence: JSON.parse(row.evidence),
    actor: row.actor,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    chainHash: row.chain_hash,
  };
}

/** Outside a transaction it reads committed data on ctx.committedReads, never waiting for a write batch. */
export async function getConsentView(ctx: AppContext, phone: string, db: DbOrTransaction = ctx.committedReads): Promise<ConsentView> {
  const month = capMonth(ctx.clock(), ctx.config.program.timeZone);
  const [current, events, slots, suppression] = await Promise.all([
    getCurrentConsent(db, phone),
    listConsentEvents(db, phone),
    countCapSlots(db, [phone], month),
    activeSuppression(db, phoneHash(ctx.config.erasureHashKey, phone)),
  ]);
  const limit = ctx.config.program.frequencyCapPerMonth;
  const used = slots.get(phone) ?? 0;
  const optedIn = current.status === 'opted_in' && !suppression;
  const perCategory = Object.fromEntries(
    CATEGORIES.map((c) => [
      c,
      current.status === 'opted_out' || suppression ? 'opted_out' : optedIn && current.categories.includes(c) ? 'opted_in' : 'not_consented',
    ]),
  ) as ConsentView['perCategory'];
  return {
    phone,
    status: current.status,
    // Categories only mean something while opted in: an opted-out number may be sent nothing.
    categories: optedIn ? current.categories : [],
    perCategory,
    updatedAt: current.updatedAt,
    suppressed: suppression !== undefined,
    cap: { month, used, limit, remaining: Math.max(0, limit - used), categories: ctx.config.program.capCategories },
    events: events.map(toEventView),
  };
}

export async function getConsentDetail(ctx: AppContext, phone: string): Promise<ConsentDetail> {
  const [view, inbound, messages] = await Promise.all([
    getConsentView(ctx, phone),
    ctx.committedReads.selectFrom('inbound_messages').selectAll().where('phone', '=', phone).orderBy('id', 'asc').execute(),
    ctx.committedReads.selectFrom('messages').selectAll().where('phone', '=', phone).orderBy('created_at', 'asc').execute(),
  ]);
  const history: HistoryEntry[] = [
    ...view.events.map((e) => ({ kind: 'consent_event' as const, at: e.recordedAt, ...e })),
    ...inbound.map((m) => ({
      kind: 'inbound' as const,
      at: m.received_at,
      messageSid: m.message_sid,
      body: m.body,
      intent: m.intent,
      keyword: m.matched_keyword,
      rule: m.classification_rule,
      reply: m.reply_text,
      note: m.note,
      receivedAt: m.received_at,
    })),
    ...messages.map((m) => ({ kind: 'message' as const, at: m.created_at, ...toMessageView(m) })),
  ];
  // Stable: entries recorded in the same millisecond keep their kind order (the inbound text that
  // caused a consent event is listed with it).
  history.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { ...view, history };
}

/**
 * How far in the future an evidence.capturedAt may lie and still be taken as "now": the clocks of
 * the CRM or web form that captured the consent and of this gateway are never exactly in step.
 * Anything later is refused (captured_at_in_future): a future date would otherwise outrank every
 * opt-out and erasure until then.
 */
export const CAPTURED_AT_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Records an opt-in backed by evidence of express written consent (web form, paper, import…).
 * Only consent captured after the number's latest opt-out (any channel) and after an erasure
 * counts: a consent record captured earlier, re-synced from a CRM, is refused. Without a
 * capturedAt the consent is taken as captured now.
 */
export async function recordApiOptIn(
  ctx: AppContext,
  phone: string,
  request: OptInRequest,
  actor: string,
): Promise<ConsentView> {
  const now = ctx.clock();
  const nowIso = now.toISOString();
  const hash = phoneHash(ctx.config.erasureHashKey, phone);
  const claimedCapturedAt = request.evidence.capturedAt ? new Date(request.evidence.capturedAt) : null;
  if (claimedCapturedAt && claimedCapturedAt.getTime() > now.getTime() + CAPTURED_AT_CLOCK_SKEW_MS) {
    throw new AppError(
      'captured_at_in_future',
      400,
      `evidence.capturedAt (${claimedCapturedAt.toISOString()}) is in the future (more than ${CAPTURED_AT_CLOCK_SKEW_MS / 60_000} minutes ahead of ${nowIso})`,
    );
  }
  // Within the skew a capture "in the future" is a clock ahead of ours: it counts as now, never later
  // (so it cannot outrank an opt-out that arrived just before), and the ledger holds no future time.
  const capturedAt = claimedCapturedAt && claimedCapturedAt.getTime() > now.getTime() ? now : claimedCapturedAt;
  return ctx.transactions.run(async (trx) => {
    await lockPhone(trx, ctx.dialect, phone);
    const suppression = await activeSuppression(trx, hash);
    if (suppression) {
      // Only consent captured after the erasure can lift it: an old record re-synced from a CRM must not.
      if (!capturedAt || capturedAt.getTime() <= Date.parse(suppression.created_at)) {
        throw new AppError(
          'erased_number',
          409,
          'this number was erased on request; only consent captured after the erasure (evidence.capturedAt) can opt it in',
        );
      }
      await liftSuppression(trx, hash, 'api_opt_in_after_erasure', nowIso);
    }
    const optedOutAt = capturedAt ? await latestOptOutAt(trx, phone) : null;
    if (capturedAt && optedOutAt && capturedAt.getTime() <= optedOutAt.getTime()) {
      throw new AppError(
        'consent_predates_opt_out',
        409,
        `the consent was captured (${capturedAt.toISOString()}) before the number's latest opt-out (${optedOutAt.toISOString()}); only consent captured after it counts`,
        { capturedAt: capturedAt.toISOString(), latestOptOutAt: optedOutAt.toISOString() },
      );
    }
    const current = await getCurrentConsent(trx, phone);
    if (current.status === 'opted_out' && !capturedAt) {
      // A CRM re-sync of an old consent record, without its date, must not undo an opt-out.
      throw new AppError(
        'captured_at_required',
        409,
        'this number has opted out; an opt-in must say when the new consent was captured (evidence.capturedAt), after the opt-out',
      );
    }
    await appendConsentEvent(trx, ctx.dialect, {
      phone,
      eventType: 'opt_in',
      previousStatus: current.status,
      status: 'opted_in',
      categories: request.categories ?? [...CATEGORIES],
      channel: 'api',
      evidence: {
        ...request.evidence,
        source: request.source,
        // Opting in again after an opt-out is only lawful on fresh consent: say so in the record.
        reason: current.status === 'opted_out' ? 'new_consent_after_opt_out' : 'express_written_consent',
      },
      actor,
      // In the ledger's UTC form (the evidence keeps the capture time as it was given).
      occurredAt: capturedAt ? capturedAt.toISOString() : nowIso,
      recordedAt: nowIso,
    });
    return getConsentView(ctx, phone, trx);
  });
}
