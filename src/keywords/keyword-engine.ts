import { compact, normaliseForKeywords } from './normalise';

/**
 * The revocation classifier: what does an inbound text ask for?
 *
 * Since April 2025 (FCC 24-24) a person may revoke consent by any reasonable means, so beyond
 * Twilio's single-word keywords this recognises what a reasonable person would read as "stop
 * texting me", in English, Spanish and French, and never opts out someone asking a question.
 * Pure, deterministic, no network: a fixed list of rules tried in order, the first that matches
 * decides, and its name and the text it matched are kept in the ledger to explain the decision.
 *
 * Three outcomes for revocation: `opt_out` (confident), `needs_review` (could be one: staff
 * decide, see REVIEW_POLICY), and not a revocation (`none`, or `opt_in` / `help`).
 */
export type Intent = 'opt_out' | 'opt_in' | 'help' | 'needs_review' | 'none';
export type Language = 'en' | 'es' | 'fr';

export type Rule =
  | 'empty'
  | 'exact_keyword'
  | 'revocation_phrase'
  | 'wrong_number'
  | 'profanity_demand'
  | 'not_a_revocation'
  | 'keyword_in_short_reply'
  | 'keyword_in_question'
  | 'keyword_in_long_message'
  | 'no_match';

export interface Classification {
  intent: Intent;
  /** The canonical keyword, when one decided (e.g. "STOP" for "stop!", "BAJA"). */
  keyword: string | null;
  rule: Rule;
  /** The part of the text that made the rule match (normalised form). */
  matched: string | null;
  /** The language of the reply: the person's, when the text shows it. */
  language: Language;
  normalised: string;
}

/** Twilio's default keywords plus "OPT OUT", and the Spanish and French ones. */
export const KEYWORDS: Readonly<Record<'opt_out' | 'opt_in' | 'help', readonly string[]>> = {
  opt_out: [
    'STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT',
    'ALTO', 'PARA', 'PARAR', 'DETENER', 'CANCELAR', 'BAJA', 'ARRET', 'ARRETE', 'ARRETER', 'ARRETEZ',
  ],
  opt_in: ['START', 'YES', 'UNSTOP'],
  help: ['HELP', 'INFO', 'AYUDA', 'AIDE'],
};

const KEYWORD_LANGUAGE: Record<string, Language> = {
  ALTO: 'es', PARA: 'es', PARAR: 'es', DETENER: 'es', CANCELAR: 'es', BAJA: 'es', AYUDA: 'es',
  ARRET: 'fr', ARRETE: 'fr', ARRETER: 'fr', ARRETEZ: 'fr', AIDE: 'fr',
};

/** Misspellings seen in real opt-outs, as whole messages. */
const TYPOS: Record<string, string> = {
  STPO: 'STOP', SOTP: 'STOP', STOPP: 'STOP', STOOP: 'STOP', STIP: 'STOP', SSTOP: 'STOP', STOPPP: 'STOP',
  UNSUBSCRIBE: 'UNSUBSCRIBE', UNSUBCRIBE: 'UNSUBSCRIBE', UNSUSCRIBE: 'UNSUBSCRIBE', UNSUBSRIBE: 'UNSUBSCRIBE',
  UNSUBSCIBE: 'UNSUBSCRIBE', UNSUBSCRIB: 'UNSUBSCRIBE', UNSUBSCRIBED: 'UNSUBSCRIBE', UNSUSBCRIBE: 'UNSUBSCRIBE',
  UNSUB: 'UNSUBSCRIBE', CANCLE: 'CANCEL', CANEL: 'CANCEL', CANCELL: 'CANCEL', QUITT: 'QUIT', REVOKED: 'REVOKE',
  OPTOUT: 'OPTOUT', OPOUT: 'OPTOUT', OPTOU: 'OPTOUT',
};

const lookup = new Map<string, { intent: 'opt_out' | 'opt_in' | 'help'; keyword: string }>();
for (const [intent, words] of Object.entries(KEYWORDS) as ['opt_out' | 'opt_in' | 'help', readonly string[]][]) {
  for (const keyword of words) lookup.set(keyword, { intent, keyword });
}
for (const [typo, keyword] of Object.entries(TYPOS)) lookup.set(typo, { intent: 'opt_out', keyword });

/** The words the FCC says always count as a revocation when sent in reply. */
const FCC_WORD = /\b(stop|stopall|quit|end|revoke|opt ?out|cancel|unsubscribe|unsub)\b/;
const SPANISH_FRENCH_WORD = /\b(alto|parar|detener|cancelar|baja|arret|arrete|arreter|arretez|desinscri\w*|desabonn\w*)\b/;

/** Phrases that revoke whatever else the message says. Tested on the lower-case normalised text. */
const REVOCATION_PHRASES: readonly { pattern: RegExp; language: Language }[] = [
  { pattern: /\b(stop|quit|cease|quit it with)\b( \w+){0,3} (text|texting|txt|txting|messag\w*|sending|send|contact\w*|calling|call|spamm\w*|bother\w*|harass\w*)\b/, language: 'en' },
  { pattern: /\b(remove|delete|erase|take|drop|scratch|get) (me|my (cell |phone |mobile )?(number|phone|#|info|information|contact))\b/, language: 'en' },
  { pattern: /\b(take|get|remove) (me|my number) (off|out of|from)\b/, language: 'en' },
  { pattern: /\bunsubscribe me\b|\bopt me out\b|\bsign me out\b|\bcount me out\b|\bi want out\b|\bi m out\b/, language: 'en' },
  { pattern: /\b(don t|dont|do not|never|pls don t|please don t) (text|txt|message|msg|contact|call|send|email|bother) (me|us|this number|to this number|here|anymore|again|me anymore|me again)\b/, language: 'en' },
  { pattern: /\b(don t|dont|do not) (want|need|wish) (any|anymore|these|your|this|to (get|receive|be))\b/, language: 'en' },
  { pattern: /\bno (more|longer)\b.{0,30}\b(text|texts|txt|txts|messages|msgs|sms|contact|promo\w*|offers|spam)\b/, language: 'en' },
  { pattern: /\b(no|stop|enough) (more )?(texts|txts|messages|msgs|spam|sms)\b/, language: 'en' },
  { pattern: /^(pls |please |plz )?(remove|unsub|no more)( me| us| please| pls| plz| now| thanks| thank you| thx)*$/, language: 'en' },
  { pattern: /\b(leave me alone|lose (my|this) number|forget (my|this) number|go away|not interested anymore|i never (signed|opted|subscribed|agreed|asked)|didn t (sign|opt|subscribe|agree)|did not (sign|opt|subscribe|agree))\b/, language: 'en' },
  { pattern: /\b(stop|quit|end) (it|this|these|them|all|now|immediately|already|please|pls|plz|thanks|thank you|asap|for good|right now)\b/, language: 'en' },
  { pattern: /\b(cancel|end|revoke|withdraw) (my )?(consent|permission|subscription to (these|your) (texts|messages)|texts|messages|sms|alerts|notifications)\b/, language: 'en' },
  { pattern: /\b(no me (envie\w*|mande\w*|escrib\w*|contacte\w*|molest\w*)|no (mas|quiero mas|quiero recibir|quiero) (mensajes|textos|sms)|dejen? de (enviar|mandar|escribir)\w*|quit\w* (me|mi numero) de|quit\w*me de|sac\w*me de|sac\w* (me|mi numero)|borr\w* mi numero|darme de baja|dar de baja|me doy de baja|ya no (quiero|me)|no estoy interesad\w)\b/, language: 'es' },
  { pattern: /\b(ne m envoyez plus|n envoyez plus|arretez (de|les|svp|s il)|arret svp|plus de (messages|sms|textos)|desinscri\w*|desabonn\w*|retirez moi|supprimez mon numero|je ne veux plus|laissez moi tranquille|stop svp|stop merci)\b/, language: 'fr' },
];

const WRONG_NUMBER: readonly { pattern: RegExp; language: Language }[] = [
  { pattern: /\b(wrong (number|person|#)|not (me|my name|the right person)|this (is not|isn t) [a-z]+ s? ?(number|phone)|i m not [a-z]+|no [a-z]+ here|you have the wrong)\b/, language: 'en' },
  { pattern: /\b(numero equivocado|numero incorrecto|se equivoc\w+ de numero|no soy [a-z]+)\b/, language: 'es' },
  { pattern: /\b(mauvais numero|faux numero|erreur de numero|ce n est pas [a-z]+)\b/, language: 'fr' },
];

const PROFANITY = /\b(f+[u*@#]*c*k+\w*|fck\w*|fk off|shit|stfu|piss off|screw (you|off)|go to hell|damn it|wtf|asshole)\b/;
/**
 * Masked profanity in the raw text (f**k, f*ck, f.u.c.k, f***, s**t, $hit), matched only inside
 * one word-like token: the f starts a token and nothing between it and the k is a space or a
 * letter other than u or c. Across words ("Brief, kind", "I'm off, kids") it must not match: a
 * rule that opts a number out has to be certain. "f/k/a" (formerly known as) is not one.
 * (Checked on the raw text: the normalised text has lost the masks, "f**k" and "f/k/a" both
 * read "f k".)
 */
const PROFANITY_RAW = /(?<![\p{L}\p{N}])f(?=[uc]*[^\s\p{L}\p{N}])(?:[^\s\p{L}\p{N}]|[uc]){1,6}k(?!\/a(?![\p{L}\p{N}]))|(?<![\p{L}\p{N}])f\*+|\bs\*+t\b|\$h[i1]t/iu;

/** "don't stop", "never stop": checked before the revocation phrases ("don't stop texting me"). */
const NEGATED_FCC_WORD = /\b(don t|dont|do not|never|can t|cant|won t|please don t|wouldn t|didn t) (stop|quit|end|cancel|unsubscribe)\b/;

/** Other readings of an FCC word that are not a revocation. */
const NOT_REVOCATION: readonly RegExp[] = [
  /\bstop(ped|ping)? by\b|\bbus stop\b|\bone stop\b|\bpit stop\b|\bnon ?stop\b|\bstop sign\b|\bstop light\b/,
  /\b(end of|by the end|at the end|in the end|end date|ends? (on|at|soon|today|tomorrow)|weekend|week end|high end|front end|back end|dead end|end up|ended up)\b/,
  /\bquit (smoking|my job|work|drinking|vaping)\b|\bquite\b/,
  /\b(cancel|cancell?ation|cancel+ed|cancel+ing|resched\w*|reschedule|change|move|postpone|confirm)\b.{0,25}\b(appointment|appt|booking|reservation|order|session|visit|consult\w*|treatment|class|facial|botox|filler|massage|lesson|meeting|call|it for)\b/,
  /\b(appointment|appt|booking|reservation|order|session|visit|treatment|class)\b.{0,25}\b(cancel\w*|end\w*)\b/,
  /\bcancel(lation)? (fee|policy)\b/,
  /\bcancel\w* (my |the |our |this |that )?(\d|today|tomorrow|tonight|mon|tue|wed|thu|fri|sat|sun|morning|afternoon|evening|next)/,
  /\bend (result|product|goal)s?\b/,
];

const QUESTION_START = /^(can|could|how|what|when|where|why|which|who|is|are|do|does|did|should|will|would|may|if|puedo|como|cuando|que|est ce|comment|quand|pourquoi)\b/;

const SHORT_REPLY_WORDS = 8;

function firstMatch(text: string, patterns: readonly { pattern: RegExp; language: Language }[]) {
  for (const { pattern, language } of patterns) {
    const m = pattern.exec(text);
    if (m) return { matched: m[0], language };
  }
  return undefined;
}

function guessLanguage(text: string): Language {
  if (/\b(por favor|mensajes|gracias|quiero|numero|no mas|ya no|senor|hola)\b/.test(text)) return 'es';
  if (/\b(merci|svp|s il vous plait|bonjour|messages plus|ne pas|je ne|vous)\b/.test(text)) return 'fr';
  return 'en';
}

export function classifyInbound(text: string): Classification {
  const upper = normaliseForKeywords(text);
  if (upper === '') return { intent: 'none', keyword: null, rule: 'empty', matched: null, language: 'en', normalised: upper };

  // 1. The whole message is one keyword (Twilio's rule, tolerant of case, punctuation, emoji, typos).
  const exact = lookup.get(compact(upper));
  if (exact) {
    return {
      intent: exact.intent,
      keyword: exact.keyword,
      rule: 'exact_keyword',
      matched: upper,
      language: KEYWORD_LANGUAGE[exact.keyword] ?? 'en',
      normalised: upper,
    };
  }

  // Lower case with apostrophes read as spaces ("don't" -> "don t"), as the phrase rules expect.
  const lower = upper.toLowerCase();
  const words = lower.split(' ');
  const result = (intent: Intent, rule: Rule, matched: string | null, language: Language, keyword: string | null = null): Classification => ({
    intent,
    keyword,
    rule,
    matched,
    language,
    normalised: upper,
  });

  // 2. Not-a-revocation readings come first for the phrases they cover ("don't stop texting me").
  const negatedStop = NEGATED_FCC_WORD.exec(lower);
  if (negatedStop) return result('none', 'not_a_revocation', negatedStop[0], guessLanguage(lower));

  // 3. Phrases that revoke: "please take me off your list", "stop texting me", "no más mensajes".
  const phrase = firstMatch(lower, REVOCATION_PHRASES);
  if (phrase) return result('opt_out', 'revocation_phrase', phrase.matched, phrase.language);
  const wrong = firstMatch(lower, WRONG_NUMBER) ?? (/\bwrong\s*#/i.test(text) ? { matched: 'wrong #', language: 'en' as Language } : undefined);
  if (wrong) return result('opt_out', 'wrong_number', wrong.matched, wrong.language);
  const profane = PROFANITY.exec(lower) ?? PROFANITY_RAW.exec(text.normalize('NFKC'));
  if (profane && words.length <= SHORT_REPLY_WORDS * 2) return result('opt_out', 'profanity_demand', profane[0], 'en');

  // 4. An FCC word read another way: "end of the week works", "cancel my appointment".
  const fcc = FCC_WORD.exec(lower) ?? SPANISH_FRENCH_WORD.exec(lower);
  if (!fcc) return result('none', 'no_match', null, guessLanguage(lower));
  const isQuestion = /\?\s*$/.test(text.trim()) || QUESTION_START.test(lower);
  for (const pattern of NOT_REVOCATION) {
    const m = pattern.exec(lower);
    if (m) {
      // "can I cancel my appointment?" may also mean the texts: staff decide.
      if (isQuestion && /\bcancel/.test(lower)) return result('needs_review', 'keyword_in_question', m[0], guessLanguage(lower));
      return result('none', 'not_a_revocation', m[0], guessLanguage(lower));
    }
  }

  // 5. An FCC word in a question, or in a long message, may be one: staff decide.
  const language = SPANISH_FRENCH_WORD.test(lower) && !FCC_WORD.test(lower) ? (/arret|desinscri|desabonn/.test(lower) ? 'fr' : 'es') : guessLanguage(lower);
  if (isQuestion) return result('needs_review', 'keyword_in_question', fcc[0], language);
  if (words.length > SHORT_REPLY_WORDS) return result('needs_review', 'keyword_in_long_message', fcc[0], language);

  // 6. A short reply carrying an FCC word: "Stop. Thank you", "STOP STOP", "ok stop".
  return result('opt_out', 'keyword_in_short_reply', fcc[0], language, fcc[0].toUpperCase().replace(' ', ''));
}
