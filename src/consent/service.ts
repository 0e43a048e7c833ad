import type { AppContext } from '../context';
import type { DbOrTransaction } from '../db';
import { lockPhone } from '../db';
import type { ConsentEventRow } from '../db/tables/consent-event';
import { CATEGORIES, parseCategories } from './categories';
import { appendConsentEvent, getCurrentConsent, listConsentEvents } from './ledger';
import type { OptInRequest } from './schemas';

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
}

export interface ConsentView {
  phone: string;
  status: 'opted_in' | 'opted_out' | 'unknown';
  categories: string[];
  updatedAt: string | null;
  events: ConsentEventView[];
}

function toEventView(row: ConsentEventRow): ConsentEventView {
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
  };
}

export async function getConsentView(db: DbOrTransaction, phone: string): Promise<ConsentView> {
  const [current, events] = await Promise.all([getCurrentConsent(db, phone), listConsentEvents(db, phone)]);
  return {
    phone,
    // Categories only mean something while opted in: an opted-out number may be sent nothing.
    status: current.status,
    categories: current.status === 'opted_in' ? current.categories : [],
    updatedAt: current.updatedAt,
    events: events.map(toEventView),
  };
}

/** Records an opt-in backed by evidence of express written consent (web form, paper, import…). */
export async function recordApiOptIn(
  ctx: AppContext,
  phone: string,
  request: OptInRequest,
  actor: string,
): Promise<ConsentView> {
  const nowIso = ctx.clock().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await lockPhone(trx, ctx.dialect, phone);
    const current = await getCurrentConsent(trx, phone);
    await appendConsentEvent(trx, {
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
      occurredAt: request.evidence.capturedAt ?? nowIso,
      recordedAt: nowIso,
    });
  });
  return getConsentView(ctx.db, phone);
}
