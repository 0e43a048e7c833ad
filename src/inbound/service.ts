import type { AppContext } from '../context';
import { appendConsentEvent, getCurrentConsent } from '../consent/ledger';
import { liftSuppression, phoneHash } from '../consent/suppression';
import { lockPhone } from '../db';
import { isUniqueViolation } from '../db/errors';
import { classifyInbound } from '../keywords/keyword-engine';
import { decideInbound, type AdvancedOptOutType, type ConsentChange, type InboundDecision } from './decide';
import { countRecentReplies, findInboundBySid, insertInboundMessage, type RecentReplies } from './queries';

export interface InboundSms {
  messageSid: string;
  from: string;
  to: string | null;
  accountSid: string | null;
  body: string;
  advancedOptOutType: AdvancedOptOutType | null;
  rawOptOutType: string | null;
}

export interface InboundResult {
  reply: string | null;
  duplicate: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Records an inbound text and any consent change in one transaction, and returns the reply to
 * put in the TwiML answer. The commit happens before the caller answers, so an acknowledged
 * STOP is durable. A retried MessageSid gets the first answer again and records nothing.
 */
export async function handleInboundSms(ctx: AppContext, sms: InboundSms): Promise<InboundResult> {
  try {
    return await recordInbound(ctx, sms);
  } catch (err) {
    // Two deliveries of one MessageSid racing on different numbers (forged): the loser reads
    // what the winner stored.
    if (!isUniqueViolation(err)) throw err;
    const existing = await findInboundBySid(ctx.db, sms.messageSid);
    if (!existing) throw err;
    return { reply: existing.reply_text, duplicate: true };
  }
}

async function recordInbound(ctx: AppContext, sms: InboundSms): Promise<InboundResult> {
  const result = await ctx.transactions.run(async (trx): Promise<InboundResult & { decision?: InboundDecision; change?: ConsentChange | null }> => {
    await lockPhone(trx, ctx.dialect, sms.from);
    // Read the clock under the lock, so recorded times follow the order decisions were made in.
    const now = ctx.clock();
    const nowIso = now.toISOString();
    const existing = await findInboundBySid(trx, sms.messageSid);
    if (existing) return { reply: existing.reply_text, duplicate: true };

    const current = await getCurrentConsent(trx, sms.from);
    const classification = classifyInbound(sms.body);
    // Only a reply we may send is limited: none when Twilio answered, never an opt-out confirmation.
    // Read under the number's lock, so the limits are exact; cheap through migration 012's index.
    const mayBeLimited = !sms.advancedOptOutType && (classification.intent === 'help' || classification.intent === 'opt_in');
    const recent: RecentReplies = mayBeLimited
      ? await countRecentReplies(trx, sms.from, new Date(now.getTime() - DAY_MS).toISOString())
      : { help: 0, optInConfirmations: 0 };
    const decision = decideInbound({
      classification,
      advancedOptOutType: sms.advancedOptOutType,
      current,
      helpRepliesInLastDay: recent.help,
      helpRepliesPerDay: ctx.config.program.helpRepliesPerDay,
      optInConfirmationsInLastDay: recent.optInConfirmations,
      optInConfirmationsPerDay: ctx.config.program.optInConfirmationsPerDay,
      messages: ctx.messages,
      reviewPolicy: ctx.config.program.reviewPolicy,
    });

    // Everything else first, the consent event last: on PostgreSQL, appending to the chain holds
    // one database-wide lock until COMMIT, so nothing that can be done before it is done under it.
    await insertInboundMessage(trx, {
      message_sid: sms.messageSid,
      phone: sms.from,
      to_number: sms.to,
      account_sid: sms.accountSid,
      body: sms.body,
      opt_out_type: sms.rawOptOutType,
      intent: decision.intent,
      matched_keyword: decision.keyword,
      classification_rule: classification.rule,
      note: decision.note,
      reply_kind: decision.reply?.kind ?? null,
      reply_text: decision.reply?.text ?? null,
      received_at: nowIso,
    });
    if (decision.review) {
      await trx
        .insertInto('review_items')
        .values({
          phone: sms.from,
          message_sid: sms.messageSid,
          body: sms.body,
          rule: classification.rule,
          matched: classification.matched,
          language: classification.language,
          status: 'pending',
          resolved_by: null,
          resolved_at: null,
          note: null,
          created_at: nowIso,
        })
        .execute();
    }
    const change = decision.consentChange;
    if (change) {
      // The person's own START after an erasure is fresh consent: the suppression no longer applies.
      if (change.eventType === 'opt_in') {
        await liftSuppression(trx, phoneHash(ctx.config.erasureHashKey, sms.from), 'sms_keyword_opt_in', nowIso);
      }
      await appendConsentEvent(trx, ctx.dialect, {
        phone: sms.from,
        eventType: change.eventType,
        previousStatus: current.status,
        status: change.status,
        categories: change.categories,
        channel: change.channel,
        keyword: change.keyword,
        rawText: sms.body,
        messageSid: sms.messageSid,
        evidence: {
          reason: change.reason,
          rule: sms.advancedOptOutType ? 'twilio_opt_out_type' : classification.rule,
          matched: classification.matched,
          language: classification.language,
          normalisedText: classification.normalised,
          optOutType: sms.rawOptOutType,
          to: sms.to,
          accountSid: sms.accountSid,
          confirmationSent: decision.reply !== null,
        },
        actor: change.channel === 'twilio_advanced_opt_out' ? 'twilio' : 'sms',
        occurredAt: nowIso,
        recordedAt: nowIso,
      });
    }
    return { reply: decision.reply?.text ?? null, duplicate: false, decision, change };
  });
  // Logged after the commit: a unit may run twice (see src/db/transactions.ts), a log line should not.
  if (!result.duplicate && result.decision && ctx.logger.isLevelEnabled('info')) {
    ctx.logger.info('inbound sms', {
      from: sms.from,
      intent: result.decision.intent,
      keyword: result.decision.keyword,
      consentChange: result.change?.eventType ?? null,
      replied: result.decision.reply?.kind ?? null,
    });
  }
  return { reply: result.reply, duplicate: result.duplicate };
}
