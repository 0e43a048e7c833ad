import { compact, normaliseForKeywords } from './normalise';

export type Intent = 'opt_out' | 'opt_in' | 'help' | 'none';

export interface Classification {
  intent: Intent;
  /** The canonical keyword that matched, e.g. "STOP" for "stop!". */
  keyword: string | null;
  /** Which rule decided: recorded in the ledger so every classification can be explained. */
  rule: 'exact_keyword' | 'no_match' | 'empty';
  normalised: string;
}

/** Twilio's default keywords, plus "OPT OUT" written as two words (the FCC's wording). */
export const KEYWORDS: Readonly<Record<Exclude<Intent, 'none'>, readonly string[]>> = {
  opt_out: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  opt_in: ['START', 'YES', 'UNSTOP'],
  help: ['HELP', 'INFO'],
};

const lookup = new Map<string, { intent: Exclude<Intent, 'none'>; keyword: string }>();
for (const [intent, words] of Object.entries(KEYWORDS) as [Exclude<Intent, 'none'>, readonly string[]][]) {
  for (const keyword of words) lookup.set(keyword, { intent, keyword });
}

/**
 * Decides what an inbound text asks for. Pure and deterministic: the whole message, once
 * normalised, must be one keyword (Twilio's rule, made tolerant of case, punctuation, quotes,
 * emoji and spacing). Free-text revocations ("please remove me") extend this function later
 * with further rules; callers only see the Classification.
 */
export function classifyInbound(text: string): Classification {
  const normalised = normaliseForKeywords(text);
  if (normalised === '') return { intent: 'none', keyword: null, rule: 'empty', normalised };
  const match = lookup.get(compact(normalised));
  if (match) return { intent: match.intent, keyword: match.keyword, rule: 'exact_keyword', normalised };
  return { intent: 'none', keyword: null, rule: 'no_match', normalised };
}
