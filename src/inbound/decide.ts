import type { Category } from '../consent/categories';
import { CATEGORIES } from '../consent/categories';
import type { ConsentChannel, ConsentStatus } from '../db/tables/consent-event';
import type { ReplyKind } from '../db/tables/inbound-message';
import type { Classification, Intent } from '../keywords/keyword-engine';
import { replyText, type LocalisedMessages } from '../program/messages';

/** Twilio Advanced Opt-Out's OptOutType: Twilio has already answered the person. */
export type AdvancedOptOutType = 'STOP' | 'START' | 'HELP';

export interface InboundDecisionInput {
  classification: Classification;
  advancedOptOutType: AdvancedOptOutType | null;
  current: { status: ConsentStatus; categories: Category[] };
  helpRepliesInLastDay: number;
  helpRepliesPerDay: number;
  /** Opt-in confirmations this number was sent in the last 24 hours, and how many it may get. */
  optInConfirmationsInLastDay: number;
  optInConfirmationsPerDay: number;
  messages: LocalisedMessages;
  reviewPolicy: 'suppress' | 'opt_out' | 'ignore';
}

export interface ConsentChange {
  eventType: 'opt_in' | 'opt_out';
  status: 'opted_in' | 'opted_out';
  categories: Category[];
  channel: ConsentChannel;
  keyword: string | null;
  /** Why this change: kept as evidence. */
  reason: string;
}

export interface InboundDecision {
  intent: Intent;
  keyword: string | null;
  consentChange: ConsentChange | null;
  reply: { kind: ReplyKind; text: string } | null;
  /** Why no reply went out when one might be expected: kept with the inbound record. */
  note: string | null;
  /** The text may be a revocation: queue it for staff. */
  review: boolean;
}

const ADVANCED_INTENT: Record<AdvancedOptOutType, Exclude<Intent, 'none'>> = {
  STOP: 'opt_out',
  START: 'opt_in',
  HELP: 'help',
};

/** Keywords that opt in a number the ledger has never seen (a mobile-originated sign-up). */
const OPT_IN_KEYWORDS_FOR_UNKNOWN_NUMBERS = new Set(['START', 'UNSTOP']);

/**
 * Keywords that re-subscribe a number that opted out: words that can only mean "send me the texts
 * again". START is what our own confirmation tells people to send; UNSTOP undoes STOP; SUBSCRIBE,
 * RESUBSCRIBE and OPTIN say it outright. YES, RESUME, JOIN (and Spanish ALTA, COMENZAR, INICIAR)
 * are left out: YES answers any question ("yes" to "are you still coming?"), RESUME and JOIN are
 * about memberships and classes as often as texts, and a false opt-in is a text sent without
 * consent. Twilio lifts its own block on YES too; the ledger staying opted out only means we send
 * nothing, the safe side. (README: "Opting back in".)
 */
export const RESUBSCRIBE_KEYWORDS: ReadonlySet<string> = new Set(['START', 'UNSTOP', 'SUBSCRIBE', 'RESUBSCRIBE', 'OPTIN']);

/**
 * Decides what an inbound text changes and what to answer. Pure: the route persists and
 * answers what this returns. Rules:
 * - Twilio's OptOutType wins over our own reading, and then we never reply (Twilio did).
 * - Opt-out: always recorded; one confirmation, only on the change to opted out, and never
 *   throttled: CTIA requires it, the program promises exactly one after every opt-out, and each
 *   change to opted out follows a consent (an opt-in or a first contact), so each is owed one.
 * - Opt-in: only a change of state is recorded and confirmed; YES from a number that never
 *   opted in or out is a conversation, not a sign-up. The confirmation is limited per number per
 *   24 hours (the first always goes, so the person has had the program's disclosures that day):
 *   STOP/START alternation no longer costs a paid reply per text. Over the limit the opt-in is
 *   still recorded, with confirmationSent false.
 * - HELP: always answered, whatever the state, up to a daily limit so two bots cannot loop.
 */
export function decideInbound(input: InboundDecisionInput): InboundDecision {
  const advanced = input.advancedOptOutType;
  const classified = input.classification.intent;
  // Under REVIEW_POLICY=opt_out an ambiguous text is an opt-out at once (the most cautious reading).
  const intent =
    advanced ? ADVANCED_INTENT[advanced] : classified === 'needs_review' && input.reviewPolicy === 'opt_out' ? 'opt_out' : classified;
  const language = input.classification.language;
  const keyword = advanced ?? input.classification.keyword;
  const channel: ConsentChannel = advanced ? 'twilio_advanced_opt_out' : 'sms_keyword';
  const { status, categories } = input.current;
  const none: InboundDecision = { intent, keyword, consentChange: null, reply: null, note: null, review: false };
  const replyUnlessTwilioDid = (kind: ReplyKind, text: string) => (advanced ? null : { kind, text });

  switch (intent) {
    case 'opt_out': {
      const alreadyOut = status === 'opted_out';
      return {
        ...none,
        consentChange: {
          eventType: 'opt_out',
          status: 'opted_out',
          categories,
          channel,
          keyword,
          reason: alreadyOut ? 'repeat_opt_out' : classified === 'needs_review' ? 'ambiguous_text_treated_as_opt_out' : 'opt_out',
        },
        reply: alreadyOut
          ? null
          : replyUnlessTwilioDid('opt_out_confirmation', replyText(input.messages, 'optOutConfirmation', language)),
        note: alreadyOut ? 'already opted out: no second confirmation' : advanced ? 'twilio replied' : null,
      };
    }
    case 'opt_in': {
      if (status === 'opted_in') return { ...none, note: 'already opted in: nothing changes' };
      // A sign-up from a number never seen is the keyword alone ("START"), not a phrase around it.
      if (status === 'unknown' && !advanced && (!OPT_IN_KEYWORDS_FOR_UNKNOWN_NUMBERS.has(keyword ?? '') || input.classification.rule !== 'exact_keyword')) {
        return { ...none, note: 'unknown number: this word is not a sign-up' };
      }
      if (status === 'opted_out' && !advanced && !RESUBSCRIBE_KEYWORDS.has(keyword ?? '')) {
        return { ...none, note: 'opted out: this word does not re-subscribe (START does)' };
      }
      const restored = categories.length > 0 ? categories : [...CATEGORIES];
      const overLimit = !advanced && input.optInConfirmationsInLastDay >= input.optInConfirmationsPerDay;
      return {
        ...none,
        consentChange: {
          eventType: 'opt_in',
          status: 'opted_in',
          categories: restored,
          channel,
          keyword,
          reason: status === 'unknown' ? 'keyword_opt_in_unknown_number' : 'resubscribe',
        },
        reply: overLimit ? null : replyUnlessTwilioDid('opt_in_confirmation', input.messages.optInConfirmation),
        note: advanced ? 'twilio replied' : overLimit ? 'opt-in confirmation limit reached for today: recorded, not confirmed' : null,
      };
    }
    case 'help': {
      if (advanced) return { ...none, note: 'twilio replied' };
      if (input.helpRepliesInLastDay >= input.helpRepliesPerDay) {
        return { ...none, note: 'help reply limit reached for today' };
      }
      return { ...none, reply: { kind: 'help', text: replyText(input.messages, 'help', language) } };
    }
    case 'needs_review':
      // No reply: a confirmation would tell someone who asked a question that they are unsubscribed.
      return {
        ...none,
        review: true,
        note: input.reviewPolicy === 'suppress' ? 'queued for review; sends refused until resolved' : 'queued for review',
      };
    default:
      return none;
  }
}
