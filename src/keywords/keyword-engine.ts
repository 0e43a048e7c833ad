import { FOREIGN_LEXICONS, type Language } from './languages';
import { compact, latinSkeleton, mixesScripts, normaliseForKeywords, stripInvisible, withoutPictographs } from './normalise';
import { editDistance, singleEdit } from './spelling';
import { reviewNet } from './review-model';
import { prepareText, type Clause, type PreparedText } from './tokens';

export type { Language } from './languages';

/**
 * The revocation classifier: what does an inbound text ask for?
 *
 * Since April 2025 (FCC 24-24) a person may revoke consent by any reasonable means, so beyond
 * Twilio's single-word keywords this recognises what a reasonable person would read as "stop
 * texting me", in English and the ten languages most spoken at home in the US after it, and
 * never opts out someone asking a question or using STOP to mean something else.
 *
 * It reads structure, not a list of whole-message patterns: the text is cut into clauses of
 * canonical words (tokens.ts); each rule then asks who does what to whom: an imperative aimed at
 * the sender ("stop texting me", "do not ever text me again", "remove my number"), a first-person
 * passive ("can I be removed"), a wish ("I don't want these texts"), a how-to question ("how do
 * I unsubscribe?"). Negation scopes over the verb it precedes ("please don't take me off the
 * list" keeps the person in), and an FCC word is read by its neighbours ("the shuttle will stop
 * at noon", "cancel my facial", "the end of the week"). What stays uncertain goes to staff
 * (needs_review) rather than being ignored or guessed.
 *
 * Pure, deterministic, no network, no model: each decision carries the rule that made it and
 * the text it matched, to be explained to a lawyer. Accuracy is measured on a held-out set
 * (fixtures/revocation/), never on the rules' own examples alone.
 */
export type Intent = 'opt_out' | 'opt_in' | 'help' | 'needs_review' | 'none';

export type Rule =
  | 'empty'
  | 'exact_keyword'
  | 'keyword_typo'
  | 'lookalike_keyword'
  | 'stop_emoji'
  | 'revocation_phrase'
  | 'wrong_number'
  | 'profanity_demand'
  | 'how_to_stop'
  | 'partial_revocation'
  | 'not_a_revocation'
  | 'keyword_in_short_reply'
  | 'keyword_in_question'
  | 'keyword_in_long_message'
  | 'uncertain_revocation'
  | 'learned_review'
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

/** Twilio's default keywords plus "OPT OUT" (English); the other languages' are in languages.ts. */
export const KEYWORDS: Readonly<Record<'opt_out' | 'opt_in' | 'help', readonly string[]>> = {
  opt_out: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  opt_in: ['START', 'YES', 'UNSTOP', 'SUBSCRIBE', 'RESUBSCRIBE', 'RESUME', 'JOIN', 'OPTIN'],
  help: ['HELP', 'INFO'],
};

/** Misspellings seen in real opt-outs, and the words of leaving a list, as whole messages (more come from the typo rule). */
const TYPOS: Record<string, string> = {
  STPO: 'STOP', SOTP: 'STOP', STOOP: 'STOP', TSOP: 'STOP', STOPE: 'STOP', STOPS: 'STOP',
  UNSUBCRIBE: 'UNSUBSCRIBE', UNSUSCRIBE: 'UNSUBSCRIBE', UNSUBSRIBE: 'UNSUBSCRIBE', UNSUBSCIBE: 'UNSUBSCRIBE',
  UNSUBSCRIB: 'UNSUBSCRIBE', UNSUBSCRIBED: 'UNSUBSCRIBE', UNSUSBCRIBE: 'UNSUBSCRIBE', UNSUB: 'UNSUBSCRIBE',
  UNSUBSCRIBEME: 'UNSUBSCRIBE', UNSUBSCRIPTION: 'UNSUBSCRIBE', UNSUBSCRIBEPLEASE: 'UNSUBSCRIBE',
  CANCLE: 'CANCEL', CANEL: 'CANCEL', CANCELL: 'CANCEL', CANSEL: 'CANCEL', CANCELED: 'CANCEL', CANCELLED: 'CANCEL',
  QUITT: 'QUIT', REVOKED: 'REVOKE', OPOUT: 'OPTOUT', OPTOU: 'OPTOUT', OPTEDOUT: 'OPTOUT', OPTMEOUT: 'OPTOUT',
  UNJOIN: 'UNSUBSCRIBE', UNREGISTER: 'UNSUBSCRIBE', UNENROLL: 'UNSUBSCRIBE', DEREGISTER: 'UNSUBSCRIBE',
  STAHP: 'STOP', STAP: 'STOP', STAWP: 'STOP', STAHHP: 'STOP', OPTOUTT: 'OPTOUT', OPTINGOUT: 'OPTOUT', OPTSTOP: 'STOP', QUITEND: 'QUIT', STOPEND: 'STOP', STOPTEXTING: 'STOP', STOPTEXTINGME: 'STOP', STOPIT: 'STOP', STOPNOW: 'STOP', STOPPLEASE: 'STOP', PLEASESTOP: 'STOP',
};

type KeywordIntent = 'opt_out' | 'opt_in' | 'help';
interface KeywordEntry {
  intent: KeywordIntent;
  keyword: string;
  language: Language;
}

const keywordTable = new Map<string, KeywordEntry>();
for (const [intent, words] of Object.entries(KEYWORDS) as [KeywordIntent, readonly string[]][]) {
  for (const keyword of words) keywordTable.set(keyword, { intent, keyword, language: 'en' });
}
for (const [typo, keyword] of Object.entries(TYPOS)) keywordTable.set(typo, { intent: 'opt_out', keyword, language: 'en' });
for (const [language, lexicon] of Object.entries(FOREIGN_LEXICONS) as [Exclude<Language, 'en'>, (typeof FOREIGN_LEXICONS)['es']][]) {
  const add = (intent: KeywordIntent, words: readonly string[]) => {
    for (const word of words) {
      const key = compact(normaliseForKeywords(word));
      if (!keywordTable.has(key)) keywordTable.set(key, { intent, keyword: key, language });
    }
  };
  add('opt_out', lexicon.optOut);
  add('opt_in', lexicon.optIn);
  add('help', lexicon.help);
}

// ---------------------------------------------------------------------------------------------
// Word classes the rules are written in.

/** The FCC's words: any of them sent as the request is a revocation. */
const FCC_WORDS = new Set(['stop', 'stopall', 'quit', 'end', 'revoke', 'optout', 'cancel', 'unsubscribe', 'unsubscribed', 'unsubscribing']);
/** FCC words that have no everyday meaning besides the request (unlike stop, end, quit, cancel). */
const UNAMBIGUOUS_FCC_WORDS = new Set(['stopall', 'revoke', 'optout', 'unsubscribe', 'unsubscribed', 'unsubscribing']);

/** Words of courtesy, emphasis and address that surround a keyword without changing it. */
const COURTESY = new Set([
  'please', 'thanks', 'thank', 'you', 'ok', 'now', 'already', 'asap', 'immediately', 'all', 'it', 'this', 'that',
  'these', 'them', 'me', 'just', 'so', 'and', 'hi', 'hey', 'hello', 'sorry', 'yes', 'again', 'for', 'good', 'right',
  'permanently', 'forever', 'everything', 'texting', 'texts', 'text', 'messages', 'message', 'sms', 'msgs', 'immediatly',
  'sir', 'maam', 'mam', 'guys', 'lol', 'omg', 'seriously', 'really', 'da', 'u', 'very', 'much', 'kindly', 'well',
  'oh', 'ugh', 'man', 'dude', 'bro', 'yall', 'folks', 'team', 'anymore', 'any', 'more', 'the', 'my', 'number', 'x',
  'pls', 'thx', 'today', 'reply', 'plz', 'hun', 'dear', 'girl', 'oops', 'okay', 'cool', 'yeah', 'yep', 'will', 'do',
  'to', 'from', 'your', 'subscription', 'mailing', 'sending', 'list', 'is', 'word', 'quit', 'stop', 'end',
  'no', 'yea', 'nope', 'nah',
]);

/** What a person asks the sender to stop doing, or stop sending. */
const CONTACT_GERUND = 'texting|messaging|sending|contacting|calling|spamming|bothering|harassing|emailing|hitting me up|blowing up|blowing me up|pestering|soliciting|reaching out|sms ing|asking|pinging|hounding|nagging|begging|pushing|trying to sell|selling|advertising|marketing|hearing from you|hearing from u|hearing from yall|speaking|speaking to me|giving me|offering me|pitching|promoting|recommending|suggesting|wasting my time|bugging me|bugging|annoying me|hassling|badgering|stalking|talking|talking to me|writing|writing to me|chatting|replying|responding';
const CONTACT_VERB = 'text|message|contact|send|sms|spam|bother|harass|hit me up|reach out to|reach out|reach|email|pester|solicit|msg|write|txt|talk|talk to me|reply|respond';
const TEXT_NOUN = 'madness|nonsense|harassment|bombardment|texts|text|messages|message|sms|smss|alerts|alert|notifications|notification|promos|promo|promotions|promotion|promotional texts|offers|deals|ads|advertisements|advertising|marketing|spam|reminders|updates|newsletters|newsletter|coupons|specials|blasts|solicitations|junk|spam texts|text messages|messeges|mesages|msgs|notices|texting|messaging|surveys|survey|review requests';

/** Appointments and the like: what "cancel", "end" and "stop" are about in an ordinary reply. */
const ORDINARY_OBJECT = 'appointment|appointments|appt|appts|booking|bookings|reservation|reservations|order|orders|session|sessions|visit|visits|consult|consultation|consults|treatment|treatments|class|classes|facial|facials|botox|filler|fillers|massage|massages|lesson|lessons|meeting|meetings|membership|memberships|package|packages|plan|payment|payments|card|charge|charges|subscription box|peel|peels|laser|wax|waxing|tomorrow|today|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|morning|afternoon|evening|week|weekend|month|it for|that one|the one|my spot|spot|slot|time|date|and reschedule|and rebook|auto renew|autorenew|auto renewal|renewal|timer|timers|alarm|alarms|oder|ordr|item|items|transfer|transaction|transactions|the auto renew|the swelling|swelling|bleeding|bruising|pain|itching|peeling|redness|medication|antibiotic|antibiotics|retinol|tretinoin|the cream|cream|serum|using|taking|drinking|smoking|working|work|exercising|working out';

/** 'no' is left out: before a verb it is an answer ("no, stop"), not a negation. */
const NEGATION = new Set(['not', 'never', 'dont', 'nor', 'without', 'cannot']);

const rx = (source: string) => new RegExp(source);
const CONTACT_GERUND_WORD = rx(`^(${CONTACT_GERUND})$`);
const AND_THE_TEXTS = rx(`^(\\w+ ){0,5}(and|&|plus) (the |all |your |these |all the )?(${TEXT_NOUN})\\b`);
const TEXTS_AS_SUBJECT = rx(`\\b(${TEXT_NOUN}|these|them|this|it|spam|all of this|all this)( to)?$`);
/** Symptoms after a treatment: "make it stop", "will the swelling stop" are about them. */
const SYMPTOM = /\b(swelling|swollen|pain|painful|bleeding|itch\w*|redness|red|bruis\w*|heaviness|heavy|drooping|droopy|burn\w*|rash|hurt\w*|sore|numb\w*|headache|tingling|throbbing|peeling|lump|bump|tender|ache|aching|eye|lip|lips|skin|face|cheek|forehead|crying|baby|dog|noise|rain|music)\b/;

// ---------------------------------------------------------------------------------------------
// Revocation frames: each reads one clause of canonical words.

interface Frame {
  name: string;
  pattern: RegExp;
  /** What the frame means when it matches in a plain statement or request. */
  intent: 'opt_out' | 'needs_review';
  /** Whether a negation in front of the match undoes it ("please don't take me off"). */
  negatable: boolean;
}

const FRAMES: readonly Frame[] = [
  // "stop texting me", "quit sending these", "stop f***ing texting me", "stop receiving"
  { name: 'stop_contacting', pattern: rx(`\\b(stop|stopp|stp|stpo|sotp|stahp|quit|cease|end|halt|discontinue|cut out|knock off)( \\w+){0,3}? (${CONTACT_GERUND})\\b`), intent: 'opt_out', negatable: true },
  // "stop getting these", "I want to stop receiving texts"
  { name: 'stop_receiving', pattern: rx(`\\b(stop|quit|cease|opt out of) (getting|receiving)(( (these|them|those|your|any|all|the|this|any more|more|of|messages|texts|from you|from this number))*( (${TEXT_NOUN}))?( (please|thanks|thank you|now|any more|asap))*$|( \\w+){0,3} (${TEXT_NOUN})\\b)`), intent: 'opt_out', negatable: true },
  // "my daughter gave you my number by mistake, please remove it"
  { name: 'remove_it', pattern: /\b(remove|delete|take) (it|that)( off| out)?( please| now| thanks)*$/, intent: 'opt_out', negatable: true },
  // "alerts off", "texts off please"
  { name: 'turned_off', pattern: rx(`^(please |pls )?(turn )?(all )?(${TEXT_NOUN}|notifications|sms alerts|text alerts) off\\b|^(turn|switch|shut) (off|down) (the |all |these |your )?(${TEXT_NOUN})\\b`), intent: 'opt_out', negatable: false },
  // "shut the hell up", "oh shut up would you": hostile, may be about the texts
  { name: 'shut_up', pattern: /\bshut (the \w+ |the fuck |it |your \w+ )?up\b/, intent: 'needs_review', negatable: true },
  // "Please remove." as a clause of its own, after the reason ("She passed. Please remove.")
  { name: 'remove_clause', pattern: /^(please |pls |plz |kindly |so |just )*(remove|unsubscribe|delete|erase)( me| us| this number| it| this| please| thanks| thank you| now| asap| immediately)*$/, intent: 'opt_out', negatable: false },
  // "I'd prefer not to receive texts", "I'm sick of these messages", "please avoid texting me"
  { name: 'prefer_not', pattern: rx(`\\b(prefer|rather|like|want|wish) not to (receive|get|be sent|be texted|be contacted)\\b|\\b(sick|tired|fed up) (of|with) (these|your|the|all|all these|all the|getting|receiving) (\\w+ )?(${TEXT_NOUN}|texts|messages)\\b|\\bavoid (texting|contacting|messaging|sending) (me|us|this number)\\b|\\bno need to keep (sending|texting|messaging)\\b`), intent: 'opt_out', negatable: true },
  { name: 'still_messaging', pattern: /\b(you are|you re|u r|youre|yall are|you guys are) still (texting|messaging|contacting|sending)\b/, intent: 'needs_review', negatable: false },
  // "kindly desist from further communication", "I'd rather not get these", "text someone else", "let me be"
  { name: 'desist', pattern: /\bdesist\b|\bcease (all )?(further )?(communication|contact|correspondence)\b|\brather not (get|receive|be getting|be sent)\b|^(please |just )?(text|message|bother|spam) (someone|somebody) else\b|\blet me be\b/, intent: 'opt_out', negatable: true },
  // "be quiet", "shut your mouth", "leave me in peace", "get your business off my phone", "I don't want to hear from you"
  { name: 'be_quiet', pattern: /^(please |just |now |i said |i told you to |oh )*(be quiet|shut your mouth|shut it|hush)\b|\bleave me in peace\b|\b(get|keep|take) (\w+ ){0,3}(off|out of) my (phone|inbox|line)\b|\b(do not|dont|stop) (invade|invading|blow up|blowing up|flood|flooding) my (phone|inbox)\b|\b(done|sick|tired|fed up) (of |with )?(listening|hearing) (to|from) you\b|\bi (can not|cant) take (your|this|these|the) (talking|texts|messages|spam|nonsense)\b|^no more talking\b|\b(do not|dont|never) want to hear (any more |anything |anything more |any more from |from |more from )?(you|from you|anything( more)?)\b|\bput an end to (it|this|these|them|the texts)\b|\bstop doing (that|this|it)\b|\b(this|it|that|your text) (was|is|must be) meant for (my|his|her|their) \w+\b/, intent: 'opt_out', negatable: true },
  // "can you not text me anymore", "no need to text me anymore, I moved"
  { name: 'can_you_not', pattern: /^(can|could|would|will) you (please )?(not|never) (text|message|contact|call|send) (me|us|this number|here)\b|\bno need to (text|message|contact|send) (me|us)( any more| again)?\b/, intent: 'opt_out', negatable: false },
  // "This is a work phone, please don't text it"; "I don't want to be in your system anymore"
  { name: 'not_this_phone', pattern: /\b(do not|dont|never) (text|message|contact|call) (it|this phone|this line|that number|here|this cell)\b|\b(do not|dont|no longer) want to be (in|on) (your|the|this) (system|list|database|records|contacts|texts)\b|\bstop sending (\w+ ){0,3}(here|to this number|to this phone)\b/, intent: 'opt_out', negatable: false },
  // "I hope you stop it right away", "I need you to stop this"
  { name: 'you_stop_it', pattern: /^(please |just |now |so |ok )*(stop|quit|cease) (it |this |that |these |them )?(at once|right now|right away|immediately)\b|\bif you (would |could |d )?(stopped|stop|quit|ceased) (texting|messaging|sending|contacting)\b|\b(respect|honou?r|process|follow|ignore|ignored|ignoring) (my|our|the) (request|requests|wish|wishes) to (stop|opt out|unsubscribe|be removed|not be (texted|contacted))\b|\b(i am|we are|i m) (done|finished|through) with (these|your|the) (texts|messages)\b|\b(i|we) (have )?(already )?(asked|told) you to stop\b|\b(i hope|i want|i need|i ask|i would like|i d like|i am asking|please|can|could|would|will) you (to |will |would |just |please )?(stop|quit|cease|end) (it|this|that|these|them|sending|texting|messaging|contacting|now|immediately|right away|already)\b/, intent: 'opt_out', negatable: true },
  // "make it stop": the texts, unless the message talks of a symptom ("my eye is drooping, how do I make it stop")
  { name: 'make_it_stop', pattern: /\bmake (it|this) stop\b/, intent: 'opt_out', negatable: true },
  // "off the list please"
  { name: 'off_the_list', pattern: /^(please |pls |just )?(off|out of) (the|your|this|ur) (list|texts|text list|sms list|messages)\b|\b(mark|put|add|flag|list|set) (me|us|this number|my number)( down)? (as|on|to) (the |a |your )?(do not (contact|text|call|disturb|message)|dnc|unsubscribed|opted out)\b|\b(get|be|go|take|taken) (off|out of) (this|the|your|ur|that) (list|texts|text list|sms list|messages|mailing list|contact list|distribution list)\b|\b(my|this) (information|info|number|name|phone) (is|was|has been|be|been|gets|get) (removed|deleted|taken off)\b|\b(do not (call|text|contact) list|dnc list|dnc)\b|\brefrain from (texting|contacting|messaging|sending|calling|talking|writing|emailing)\b|\b(cut|knock) it (out|off)\b|\b(i am|we are|i m) done with (you|yall|this|these|your|u)\b|\b(want|need|like|would like) (my|the|this|these) (subscription|texts|messages|number|info) (canceled|cancelled|ended|stopped|removed|deleted)\b/, intent: 'opt_out', negatable: false },
  // "opting out" ("Not opting out, just moving my appointment" keeps the texts)
  { name: 'opting_out', pattern: /\b(i am |i m |we are )?opting out\b/, intent: 'opt_out', negatable: true },
  // "I'm good on the texts", "pause my texts", "I don't want these"
  { name: 'good_on_texts', pattern: rx(`\\b(i am|we are) (good|ok|fine|all set|set) (on|without) (the |these |your |those |all the |all these |any more )?(${TEXT_NOUN})\\b|\\b(pause|suspend|snooze|mute) (my |the |these |all |your |all the |all your )?(${TEXT_NOUN})\\b|\\b(he|she|they|dad|mom|my (dad|mom|father|mother|husband|wife|son|daughter|grandma|grandpa|grandmother|grandfather)) (does not|do not|no longer) (need|want|use) (these|them|the texts|the messages|your texts|texts|messages)\\b`), intent: 'opt_out', negatable: true },
  // "stop the texts", "end these promos", "cancel all alerts", "no more texts"
  { name: 'stop_the_texts', pattern: rx(`\\b(stop|quit|cease|end|halt|cancel|unsubscribe|block|discontinue|turn off|no|enough|zero)( (the|these|those|your|all|all the|all of the|all of these|all these|all your|this|any|any more|all future|future|further|more|additional|of the|of these|of your|with the|w the|with these|with all the|those damn|these damn|the damn|fucking|f\\w*ing|damn|stupid|annoying|spam|marketing|promotional|automated|daily|constant|endless|random|text|sms))*( \\w+)? (${TEXT_NOUN})\\b`), intent: 'opt_out', negatable: true },
  // "remove me", "delete my number", "unsubscribe me", "lose my number"
  { name: 'remove_me', pattern: rx(`\\b(remove|delete|erase|unsubscribe|unenroll|unregister|deregister|lose|forget|opt out|optout|purge|unlist|delist|rid|discontinue)( \\w+)? (me|us|my (\\w+ )?(number|name|phone|cell|info|information|contact|details|data|line|email|phone number|cell number|mobile)|this number|this phone|this line|our number|the number|my #|him|her|them|my mom|my dad|my wife|my husband|my son|my daughter)\\b`), intent: 'opt_out', negatable: true },
  // "take me off", "get me off your list", "opt me out", "count me out"
  { name: 'take_me_off', pattern: rx(`\\b(take|get|drop|kick|opt|sign|count|cross|strike|scratch|pull|leave|put)( \\w+)? (me|us|my (\\w+ )?(number|name|phone|cell|info)|this number|him|her) (off|out|from|of)\\b(?! (at|near|by|in|on|outside|there|here|home|first|after|before|around|downtown|early|late)\\b)`), intent: 'opt_out', negatable: true },
  // "can I be removed", "I want to be taken off", "please get unsubscribed"
  { name: 'be_removed', pattern: rx(`\\b(i|we|my number|this number|please|pls|plz|to|can|want|wish|like)( \\w+){0,4}? (be|get|been|being|getting|gets) (removed|taken off|taken out|unsubscribed|opted out|deleted|unenrolled|delisted|erased)\\b`), intent: 'opt_out', negatable: true },
  // "do not text me", "never contact me again", "don't ever message this number"
  { name: 'do_not_contact', pattern: rx(`^(please |ok |just |so |and |but |honestly |seriously |again |i said |hey |hi |also |now |guys |look |listen |sorry |sorry but |kindly |sir |maam |look |listen )*(do not|never|no|dont|stop) (ever |again |more |longer |any more |further |to )*(${CONTACT_VERB})( (me|us|this number|to this number|my number|this phone|here|again|any more|ever|ever again|no more|back|at all|please|thanks|thank you|period|ok|anything|any thing|nothing|stuff|things|this|these|those|them|messages|texts|from now on|from here on|going forward|in the future|about this|regarding this|with this|with these|for this|for these|on this|people|crap|junk|any longer|longer|whatsoever|thx|further|any further|no further))*$`), intent: 'opt_out', negatable: false },
  // "please do not send any further messages"
  { name: 'do_not_send_more', pattern: rx(`^(please |kindly |pls )*(do not|never|dont) (send|text|message|forward) (me |us |this number )?((any|any more|more|further|additional|such|these|those|other|your|the|of|marketing|promotional|spam|automated) )*(${TEXT_NOUN}|stuff|things|anything|crap|junk)( (please|thanks|thank you|again|ever|to this number|to me))*$`), intent: 'opt_out', negatable: false },
  { name: 'do_not_want_more', pattern: /\b(do not|dont|no longer) (want|wish|need) to (receive|get|be getting|keep getting|keep receiving) (these|them|those|any|this|more|any more|anything|texts|messages)\b|\b(no longer|do not|dont) (need|want) (these|them|those)( texts| messages| any more)?( thanks| thank you| thx| please)?$|\b(want|need|like|would like|d like) (my|the|this) ((contact|personal|phone) )?(subscription|texts|messages|number|info|information|details|data|name) (canceled|cancelled|ended|stopped|removed|deleted|taken off)\b/, intent: 'opt_out', negatable: false },
  // "I don't want these texts", "we no longer wish to receive messages"
  { name: 'do_not_want', pattern: rx(`\\b(i|we|i really|we really|really|just)? ?(do not|dont|no longer|never|do not really|really do not|do not even|am not|would not|will not|did not) (want|need|wish|care|like|appreciate|desire|enjoy|ask for|request|consent to|agree to|sign up for|signed up for|subscribe to|subscribed to)( to)?( (get|receive|be getting|keep getting|see|have|be receiving|getting|receiving|any|these|your|those|this|them|the|more|any more|more of|all|all these|all the|of|such|constant|spam|marketing|promotional|your damn|these damn))* (\\w+ )?(${TEXT_NOUN}|to be (contacted|texted|messaged|on (this|your|the) list)|to hear from you)\\b|\\b(i|we) (do not|dont|no longer) (want|need|wish to receive|want to receive|want to get|need to receive) (these|them|those|any of these|any of this)( any more| at all| please| thanks| thank you)*$`), intent: 'opt_out', negatable: false },
  // "I withdraw my consent", "consent revoked", "you do not have my permission to text me"
  { name: 'withdraw_consent', pattern: /\b(withdraw|withdrawing|withdrawn|revoke|revoking|revoked|rescind|rescinding|cancel|cancelling|canceling|remove|pull) (my |all |any )?(consent|permission)\b|\b(consent|permission) (is |has been )?(revoked|withdrawn|rescinded|denied)\b|\b(do not|no longer) (have|give|grant) (you )?(my )?(consent|permission)\b|\bi (do not|did not|never) (consent|consented|agreed|agree|give consent|gave consent|give permission|gave permission|give you permission|give you consent|gave you permission|authorize|authorized)\b|\bnever gave (you )?(my )?(consent|permission)\b|\bwithout my (consent|permission)\b/, intent: 'opt_out', negatable: false },
  // "do not call", "don't text my daughter, she is 16"
  { name: 'do_not_call', pattern: /^(please |i said |i told you |i already said |again |so )*(do not|never|dont) (call|text|message|contact)( or (call|text|message|contact))?( me| this number| my (daughter|son|wife|husband|mom|dad|mother|father|kid|kids|child|children|grandma|grandpa|grandmother|grandfather))?( list| again| any more| ever)?$|^(please )?(do not|dont|never) (text|message|contact) my (daughter|son|wife|husband|mom|dad|mother|father|kid|kids|child|children)\b/, intent: 'opt_out', negatable: false },
  // "reminders only", "just the appointment ones", "not the sales stuff": less than all, staff decide what
  { name: 'partial', pattern: /\b(reminders|appointment (ones|texts|reminders)|email|emails|e mail) only\b|\bonly (get |send |text )?(me )?(the )?(reminders|appointment)|\bjust (the )?(appointment|reminders)\b|\bonly (want|need|get|receive|text me about|text about|send me|send) (the )?(appointment|appointments|reminders)\b|\bonly (text|message|contact) (me )?(about|for|with) (appointments?|reminders?|my appointments?)\b|\bnot the (sales|promo|promos|promotional|marketing|ads)\b|\b(text|message) my (assistant|husband|wife|daughter|son) instead\b|\b(only|just) (email|e mail|call) me\b|\bemail me instead\b|\b(contact|reach|communicate with) me (only )?(by|via|through) (mail|email|e mail|post|phone|letter)\b|\bonly (contact|reach) me (by|via|through)\b|\bnot (by |via )?(text|texts|sms)$/, intent: 'needs_review', negatable: false },
  // "why are you still texting me", "why do I keep getting these"
  { name: 'why_still', pattern: /\bwhy (are|do|am|is|does|did|would) (you|i|u|this number|yall)( \w+)? (still |keep |keeps )?(texting|messaging|getting|receiving|sending|contacting|text|message|get|receive)\b|\bwhy (you|u) (still )?(texting|messaging)\b/, intent: 'needs_review', negatable: false },
  // short words that may end the texts: staff decide
  { name: 'short_refusal', pattern: /^(exit|off|turn off|turn it off|mute|muted|blocked|block|bye forever|goodbye forever|delete my account|close my account|unfollow|shut up|shut up already|shut up please|just shut up|dnd|do not disturb|not me|done with you|done with this|i am done with you|leave|pass on this|no contact|no thanks stop|nobody wants (this|these|your \w+)|i am out|i am out of here|im out)( now| please| thanks| already)*$/, intent: 'needs_review', negatable: false },
  // "leave me alone", "I never signed up for this", "go away"
  { name: 'leave_me_alone', pattern: /\b(leave me alone|leave us alone|leave me be|leave me the \w+ alone|lose my number|lose this number|forget my number|forget this number|^(please |just |now |so |pls |ugh |oh |omg |seriously |i said |i told you to )*go (away|awy|awa)\b|just go away|get lost|buzz off|back off|bug off|bugger off|i want out|count me out|leave my alone|enough of (this|you|these|your|it)|no more of (this|these|your|you)|make (this|them|these|the texts|the messages) stop|not interested any more|no longer interested|i never (signed|opted|subscribed|agreed|asked|gave)|did not (sign|opt|subscribe|agree|ask for)|never (signed|opted|subscribed) (up|in)|stop bothering|stop harassing|cease and desist|block(ing|ed)? (you|this number|your number)|reported (as|this|it as|you as|this as) (spam|junk)|report(ing)? you|this is harassment|take a hint)\b/, intent: 'opt_out', negatable: true },
  // "no more", "no more please" as the whole clause
  { name: 'no_more', pattern: /^(please |ok |just |thanks |no )?(no more|no mas|no thanks no more|enough|enough already|thats enough|that is enough|no more please|no more thanks|stop sending)( please| thanks| thank you| now| already)*$/, intent: 'opt_out', negatable: false },
  // "you don't need to text me", "who gave you my number", "not interested"
  { name: 'uncertain', pattern: /\b(tcpa|(do not|dont|no|never) (follow up|follow ups|following up|followups)|i will sue|i am (going to|gonna) sue|text(ing)? me less|only (text|message) me (once|twice|on|when|about|for)|you do not (need|have) to (text|message|remind|contact) (me|us)|who gave you (my|this) number|how did you get (my|this) number|where did you get (my|this) number|not interested|i am not interested|no interest|why do you keep (texting|messaging|sending)|why are you (texting|messaging) me|i did not ask for (this|these)|not needed|unwanted|spam|block(ing)? (you|this|them)|i will block|reporting|report this|do not want (this|these|them|it)|^(i )?do not want( thanks| thank you)?$|too many (texts|messages)|so many (texts|messages)|every day|everyday texts|(less|fewer) (texts|messages|texting)|text(ing|s)? (me )?too (much|often)|too (much|often) texting|(hate|hating|despise|sick of) (these|your|the|all|getting) (texts|messages)|(i will|i am going to|im going to|gonna) (sue|report) you|see you in court|my lawyer|my attorney|(do|must|should) i (have to )?keep (getting|receiving) (these|them|this|texts|messages))\b/, intent: 'needs_review', negatable: true },
];

const TIME_LIMIT = /\b(for the \d+|on the \d+|on (mon|tues|wednes|thurs|fri|satur|sun)day|(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\w* \d+|after|before|until|till|til|between|during|while|at night|in the morning|early|late|so early|so late|weekend|weekends|on sundays|on saturdays|at work|at \d|\d ?(am|pm)|tonight|today|this week|for now|for a while|for a bit|for a few|right now i am|while i am)\b/;

/** "how do I unsubscribe?", "how can I stop these?", "how do I get off this list" */
const HOW_TO = rx(`\\b(?:is there (?:a|any) way (?:to|i can|for me to)|(how|where|what) (do|can|could|would|should|to|does|will|must)) ?(i|we|you|one|someone|a person)? ?(do to |have to |need to |go about )?(stop|unsubscribe|unsub|opt out|optout|cancel|end|quit|get off|get out|get removed|be removed|get taken off|turn off|turn these off|disable|revoke|unenroll|opt|remove|leave|unfollow|block)\\b`);

/** "Do I reply STOP to stop?", "What do I reply to make these stop?", "What's the opt out code?" */
const WHICH_WORD_TO_SEND = /^(do|should|can|shall|could) (i|we) (just )?(reply|text|send|type|respond|write)( with| back)? (stop|unsubscribe|quit|end|cancel|optout|opt out)\b|^(what|which) (do|should|can|must) (i|we) (reply|text|send|type|respond|write|say)( with| back)?( to (stop|end|unsubscribe|opt out|quit|make (these|this|them|it|the texts|the messages) stop|get off|be removed|get removed))?$|^what is the (opt out|optout|unsubscribe|stop|cancel|quit) (code|word|keyword|command|number)$/;

const UNFINISHED_DO_NOT_TIME = /^(please |just |and )*(do not|never|dont) (text|message|contact|call|send)( me| us)? (after|before|until|on|at|during|in the|so early|so late|this early|this late|past)\b/;
const UNFINISHED_DO_NOT = rx(`^(please |just |and )*(do not|never|dont) (${CONTACT_VERB}) (me|us|this number)\\b`);
/** What may follow "how do I stop" when the texts are meant: "these", "getting them", "from the list". */
const HOW_TO_TEXTS = rx(`^((from|to|getting|receiving|these|this|them|it|the|your|all|any|more|of|with|off|out|me|us|my number|from your|list|from the|mailing|please|now) ?)*$|^(\\w+ ){0,4}(${TEXT_NOUN}|list|texting|messaging)\\b`);

/** "I'm not Maria", "this isn't John's phone", "no Kevin here": a name, checked against the raw capitals. */
const NOT_THIS_PERSON = /(?:^|\b(?:i assure you|i promise you|i promise|trust me|sorry|but|and|so|lol|haha|actually) )(hey |hi |hello |um |uh |sorry |lol |yeah |ok |but |and |so |oh |no |nope )*(i am not|this is not|this isnt|this aint|that is not|not|no|there is no|there is not|there are no|nobody|no one named|no one called|who is|whos|wrong)( an?)? ([a-z]+)( [a-z]+)?( here| at this number| on this phone| s number| s phone| s cell| number)?$/;
const WRONG_NUMBER = /\b(wrong (number|person|phone|cell|guy|girl|lady|contact|num|no|#|recipient|cellphone|phone number)(?! (on|for|in|listed|of|at|to)\b)|wr\w{0,3}g (numbr|nmbr|num|number)\b(?! (on|for|in|listed|of|at|to)\b)|wrong n\w{1,5}r\b(?! (on|for|in|listed|of|at|to)\b)|you (have|got|have got) the wrong (number|person|guy|girl|lady|phone|cell)|this number is no longer [a-z]+s?\b|not the right (person|number)|no one (here )?(by|named|with|called) (that|this|the) name|nobody (here )?(by|named|called) that|not (his|her|their|my (mom|dad|wife|husband|son|daughter|brother|sister|friend)) s? ?(number|phone|cell)|(this|that) (is not|was not) (his|her|their|a|the) (number|phone|cell)|this number (is|was|has been) (reassigned|recycled|new|changed|disconnected)|(no longer|not) (my|his|her|their) (number|phone|cell)|(he|she|they) (passed away|passed|passed on|died|is deceased|are deceased|no longer (has|have|uses|use|lives|live))|passed away|deceased|new owner of this number|(this|the|my) number (has )?(changed|new) (owners?|hands)|number (was|has been) (given|reassigned) to (me|someone)|meant (to send|to text|for) (this|it)? ?(message |text )?(to|for) (someone|somebody) else|(a )?(few|couple) (of )?digits off|(i do not|i dont) know (any|a|an|anyone named|anybody named) [a-z]+$|i do not know (a|an|any|anyone|anybody) (named|by|called)|i do not know who (that|this) is|you texted the wrong|texting the wrong|sent (this|it) to the wrong|wrong (#|no)|^new (number|phone|cell)\b|not (your|a|an) (client|customer|patient|member)|i am not (a|an|your) (client|customer|patient|member)|(does not|do not|doesnt|no longer) (use|uses|have|has|own|owns) this (number|phone)|i am not (him|her|them|that person)|this is not (him|her|them)|not (the|that) (person|lady|guy|woman|man) you|(this|it|your text|your message|this text|this message) (must be|is|must have been|might be|was meant) (for|meant for) (someone|somebody) else|belongs to (someone|somebody) else|this is (my |his |her |their )?(ex s |exs |moms |dads |[a-z]+s |[a-z]+ s )?old (number|phone|cell)|(she|he|they) (does not|do not|no longer) (have|has|use|uses) (it|this number|this phone)( any more)?)\b/;
/** "I've never been there": may be a number that changed hands; staff decide. */
/** Someone answering for the person the text was for: "I'm her daughter", "this is his wife". */
const RELATIVE_ANSWERING = /\b(i am|it is|this is|im) (her|his|their) (daughter|son|mom|mother|dad|father|husband|wife|sister|brother|aunt|uncle|niece|nephew|grandson|granddaughter|grandma|grandpa|partner|friend|caregiver|caretaker|assistant|roommate|boyfriend|girlfriend)\b/;
/** Another person named as whose texts or number are meant: "my husband", "my mom's phone". */
const THIRD_PARTY = /\bmy (mom|dad|mother|father|husband|wife|son|daughter|sister|brother|kid|kids|child|children|grandma|grandpa|grandmother|grandfather|partner|boyfriend|girlfriend)( s)?( (phone|number|cell|line))?\b/;
/** Consent to something other than texts: photos, social media, charges. */
const OTHER_CONSENT = /^(to (use|post|share|publish|show|feature|charge|bill|contact my (insurance|doctor))|for (the )?(photos?|pictures?|images?|videos?|social media|instagram|marketing materials|before and after))\b|\b(photo|photos|picture|pictures|image|images|video|videos|instagram|facebook|social media|before and after)\b/;
const NEVER_A_CLIENT = /\b(never been (a|your) (client|customer|patient)|never been there|never been to (your|this|that)|never (visited|been in|heard of) (your|this|you)|i do not know (you|who you are|this (place|business|spa))|who are you people|i have no idea who (this|you) (is|are))\b/;
/** The list a removal is about, when it is not the texts: "take me off the waitlist". */
const OTHER_LIST = /^(off |out of |from |of )?(my (account|file|chart|profile|records|family plan)\b|(the |your |this |that |my )?(membership|memberships|wait ?list|waitlist|waiting list|wait list|cancellation list|calendar|schedule|appointment|booking|class|group chat|reservation|\d|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|afternoon|evening|slot|spot))\b/;
const NON_SMS_LIST = /^(off |out of |from |of )?(the |your |this |that |my |all )?(postcards?|mailing|mail|emails?|e mails?|newsletters?|calls?|calling|phone|mail out|mailers?)\b/;
/** The person keeps the texts while stopping something else: "stop calling, I'll text". */
const KEEPS_TEXTS = /\b(texts? (are|is) (fine|ok|good|better)|still want (the )?(texts|reminders|messages)|keep (texting|the texts|sending texts)|text me (instead|when|later|back|after|at|if|here|tomorrow|then)|i will text|ill text|just text|only text|prefer (text|texts|texting)|texting is (fine|better|ok|easier|best|preferred|great)|text is (easier|better|best)|send (them|it|those|these|the reminders) to me|(?<!(not|never|dont|stop|no) )text me (instead|directly)|(?<!(not|never|dont|stop|no|to|you|please|pls|ever|again|or|and|nor) )text me$|just texts?|texts? only|only texts?|text is fine|just (the )?reminders|reminders only|not the texts|keep the texts|keep texting)\b/;

/** Words that follow "I'm not" or "no" in ordinary replies, not names of a person the sender wanted. */
const NOT_A_NAME = new Set(
  (
    'sure free available able coming going ready happy mad upset ok okay in at home there here that this it a the your you worried feeling ' +
    'doing quite really so too interested gonna going sick well feeling home around near close far back out big fan fine good great bad ' +
    'rush problem problems worries worry thanks thank way one thing things idea clue big deal hurry pressure doubt need reason time ' +
    'matter luck chance kidding joking mad angry asking complaining trying saying sorry allergic pregnant 100 certain positive aware yet ' +
    'local working done over finished satisfied thrilled impressed convinced comfortable paying buying ready talking texting cancelling ' +
    'canceling leaving moving changing staying rushing understanding following getting seeing surprised kidding afraid scared nervous sad ' +
    'anymore any more longer now today tomorrow tonight again either neither both all any some more less much many every most cash card ' +
    'insurance parking problem issue way service appointment appt charge fee deposit botox filler i me my we us our he she they them his her ' +
    'sir maam mam one bueno si yes yeah nope nah right prob probs problemo biggie sweat stress monday tuesday wednesday thursday friday ' +
    'saturday sunday mon tue tues wed thu thur thurs fri sat sun january february march april may june july august september october ' +
    'november december jan feb mar apr jun jul aug sep sept oct nov dec dr doctor mr mrs ms miss nurse the a an my your this that'
  ).split(' '),
);

/** Profanity that aims at the sender ("f*** off", "screw you") opts out; said in delight it does not. */
const HOSTILE = /\b(fuck|fuk|fuckin|fucking|fking|fkn|fk|fck|f|frick|freaking|screw|piss|shove|stick|bite|eff|sod|bugger) ?(off|you|yourself|yourselves|yall|this|that|your (\w+ )?(texts|spa|business|company|messages|promos|offers)|outta here)\b|\b(fuck|fucking|fuckin|shit|shitty|stupid|damn|bullshit|annoying) ?(spam|texts|text|messages|bs|scam|spammers?)\b|\bgo to hell\b|\bstfu\b|\bget the (fuck|hell|f) (off|out|away)\b|\bleave me the (fuck|hell|f) alone\b|\bgo (fuck|f|screw) (yourself|yourselves|off)\b|^(die|drop dead|go die|eat shit)\b|\bdrop dead\b|\b(text|message|contact|call) me (one more time|again|ever again)\b.{0,40}\b(fcc|ftc|police|cops|lawyer|attorney|report|sue|suing)\b|\b(reporting|report) you to the (fcc|ftc|police|attorney general)\b/;
/** A reply of nothing but swearing ("f***", "wtf!!"): hostile to the sender, read as go away. */
const PROFANE_WORD = /^(fuck|fuk|fucking|fuckin|fk|fck|stfu|motherfucker|mf)$/;
const SWEAR_WORD = /^(fuck|fuk|fucking|fuckin|fk|fck|wtf|shit|shitty|damn|dammit|crap|asshole|bitch|bs|bullshit|stfu|omfg|ffs|motherfucker|mf)$/;
const SWEARING_FILLER = /^(fuck|fuk|fucking|fuckin|fk|fck|wtf|shit|shitty|damn|dammit|crap|ass|asshole|bitch|bs|bullshit|stfu|omfg|smh|ffs|hell|ugh|the|off|you|this|is|what|why|are|u|no|oh|my|god|omg|seriously|man|dude)$/;
/** Masked profanity in the raw text (f**k, f*ck, f.u.c.k, s**t, $hit), only inside one word-like token. */
const MASKED_PROFANITY = /(?<![\p{L}\p{N}])\*{2,}k(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])f(?=[uc]*[^\s\p{L}\p{N}])(?:[^\s\p{L}\p{N}]|[uc]){1,6}k(?!\/a(?![\p{L}\p{N}]))(?:ing|in|er|ers|ed)?|(?<![\p{L}\p{N}])f\*+(?:ing|in)?|\bs\*+t\b|\$h[i1]t/giu;

/** An FCC word used another way: "stop by", "the end of", "will stop at noon", "quit smoking". */
const OTHER_SENSE_AFTER = rx(`^(by|in|over|at|on|up|of|into|to|for|when|where|here|there|bleeding|being|result|results|product|products|goal|goals|culture|sign|signs|light|lights|motion|loss|date|user|users|game|zone|point|sign on|the (bleeding|swelling|pain|itch|redness)|${ORDINARY_OBJECT})\\b`);
const OTHER_SENSE_AFTER_OBJECT = rx(`^((my|the|our|your|this|that|his|her|tomorrow s|todays|today s|next|a|an|\\d+|one|1|2|3) )*(${ORDINARY_OBJECT})\\b`);
const OTHER_SENSE_BEFORE = /\b(the|a|an|bus|one|pit|full|non|dead|high|low|front|back|week|weekend|at the|in the|by the|till the|until the|to the|to an|toward the|towards the|an|its|whats|my|your|our|their|his|her|would|will|should|could|might|may|must|shall|can|to|gonna|going to|had to|have to|has to|did|does|do|it|he|she|they|we|i|you|that|which|who|bleeding|swelling|pain|itching|burning|redness|help us|helps|let|make it|made it|made me|make me|need it to|want it to|not|never|wont|won|cant|just wanted to|trying to|tried to|about to|going|wont it|is it|when will it|when does it|is|are|was|were|be|been|hit|hitting|press|pressed|texted|sent|replied|typed|clicked|said|say|type|reply|replying|write|wrote|text|word|words|sale|sales|promo|promotion|offer|deal|special|discount|event|coupon|season|month|week|day|year|party|contest|giveaway|membership|trial|pain|swelling|bleeding|itching|burning|redness|rain|snow|storm|traffic|line|light|music|noise|2|4|bleeding|heaviness|redness|itching|itch|bruising|drooping|numbness|tingling|burning|rash|ache|headache|crying|baby)$/;

/** Before an FCC word, what makes it a wish about the texts rather than something else. */
const WANTS_TO = /\b(i|we)( really| just| would| d| will| am)? (want|wanna|wish|would like|like|need|am going|going|choose|decided|have decided|intend|request|would love|prefer) (to )?$/;

const REQUEST_QUESTION = /^(can|could|would|will|please|may|might|can you|could you|would you|will you|can i|could i|may i|how|pls)\b/;

/** An opt-in keyword as consent: letters and spaces, then at most full stops and exclamation marks. */
const PLAIN_OPT_IN = /^\s*["'“”‘’«(\[]*[\p{L}\p{M}][\p{L}\p{M}\s-]*[.!]*["'“”‘’»)\]]*[.!]*\s*$/u;
const TAPBACK = /^(Liked|Loved|Emphasized|Emphasised|Laughed at|Disliked|Questioned|Reacted \S+ to)\s+[“"«'].*[”"»']\s*$/su;
const EMOJI_STOP = /^(?:\u{1F6D1}|\uFE0F|\s|[.!])+$/u;
const EMOJI_REFUSAL = /^(?:[\u{1F4F1}\u{1F4F2}\u{1F4AC}\u{1F595}\u{26D4}\u{1F6AB}\u{270B}\u{1F91A}\u{1F645}\u{274C}\u{1F515}\u{1F4F5}\u{2716}\u{1F44E}\u{1F6D1}]|\u{FE0F}|\u{200D}|[\u{2640}\u{2642}]|[\u{1F3FB}-\u{1F3FF}]|\s)+$/u;

// ---------------------------------------------------------------------------------------------

interface Found {
  intent: Intent;
  rule: Rule;
  matched: string;
  keyword?: string | null;
  language?: Language;
}

/**
 * No SMS is longer than 1,600 characters; a body past 8,000 (the webhook takes up to 64 kB) is
 * read at its ends before NFKC, which can make a character eighteen ("ﷺ").
 */
const RAW_READ = 8_000;

export function classifyInbound(whole: string): Classification {
  const text = whole.length > RAW_READ ? `${whole.slice(0, RAW_READ / 2)} . ${whole.slice(-RAW_READ / 2)}` : whole;
  const upper = normaliseForKeywords(text);
  const read: { prepared?: PreparedText } = {};
  let found = decide(text, upper, read);
  // The last net: a text no rule explained that reads like the development set's revocations goes
  // to staff (review-model.ts). It never opts out, and never undoes a rule's decision ("please
  // don't take me off the list" stays subscribed).
  if (found.rule === 'no_match' && read.prepared && !WANTS_THE_TEXTS.test(read.prepared.text)) {
    const net = reviewNet(read.prepared);
    if (net) found = { intent: 'needs_review', rule: 'learned_review', matched: net.strongest.join(', '), language: found.language };
  }
  // The unread middle of an over-long body: a keyword or a word about the texts there sends it to staff.
  const unread = whole.length > RAW_READ ? whole.slice(RAW_READ / 2, -RAW_READ / 2) : '';
  if (unread && (found.intent === 'none' || found.rule === 'learned_review') && LONG_MIDDLE_CUE.test(unread)) {
    found = { intent: 'needs_review', rule: 'keyword_in_long_message', matched: LONG_MIDDLE_CUE.exec(unread)![0], language: found.language };
  }
  return {
    intent: found.intent,
    keyword: found.keyword ?? null,
    rule: found.rule,
    matched: found.intent === 'none' && found.rule === 'no_match' ? null : found.matched,
    language: found.language ?? guessLanguage(text, upper),
    normalised: upper,
  };
}

/** The text as the rules read it: what the review net and its training featurise. */
export function preparedForReview(text: string): PreparedText {
  const { raw, longMiddle } = readableEnds(stripInvisible(text).normalize('NFKC').trim());
  return readForRules(raw, longMiddle);
}

/**
 * Past 4,000 characters (a 1,600-character SMS can grow fourfold under NFKC) only the two ends are
 * tokenised; a middle that names a keyword or the texts sends the message to staff.
 */
function readForRules(raw: string, longMiddle = ''): PreparedText & { unread?: string } {
  const prepared = readableLength(prepareText(unmaskProfanity(raw), true));
  if (longMiddle && LONG_MIDDLE_CUE.test(longMiddle)) prepared.unread ??= LONG_MIDDLE_CUE.exec(longMiddle)![0];
  return prepared;
}

/** The text as read: past 4,000 characters (after NFKC) its two ends, and the middle apart for a cue. */
function readableEnds(full: string): { raw: string; longMiddle: string } {
  if (full.length <= 4000) return { raw: full, longMiddle: '' };
  return { raw: `${full.slice(0, 2000)} . ${full.slice(-2000)}`, longMiddle: full.slice(2000, -2000) };
}

function decide(text: string, upper: string, read: { prepared?: PreparedText }): Found {
  const { raw, longMiddle } = readableEnds(stripInvisible(text).normalize('NFKC').trim());
  if (upper === '') {
    if (raw !== '' && EMOJI_STOP.test(raw)) return { intent: 'opt_out', rule: 'stop_emoji', matched: raw, keyword: 'STOP' };
    if (raw !== '' && EMOJI_REFUSAL.test(raw)) return { intent: 'needs_review', rule: 'stop_emoji', matched: raw };
    return { intent: 'none', rule: 'empty', matched: '' };
  }

  // 1. The whole message is one keyword (Twilio's rule, tolerant of case, punctuation, emoji).
  const compacted = compact(upper);
  const whole = keywordTable.get(compacted);
  if (whole?.intent === 'opt_in' && (!PLAIN_OPT_IN.test(stripInvisible(text).normalize('NFKC')) || /[\u202e\u2067]/u.test(text))) {
    // "Start?", "START?!", "Start❓" ask; "start 😂" laughs; a START shown by a right-to-left override
    // was typed as something else. A false opt-in is a text sent without consent: none of them is consent.
    return { intent: 'none', rule: 'keyword_in_question', matched: upper, keyword: whole.keyword, language: whole.language };
  }
  if (whole) return { intent: whole.intent, rule: 'exact_keyword', matched: upper, keyword: whole.keyword, language: whole.language };
  const glued = gluedKeywords(compacted);
  if (glued) return { intent: 'opt_out', rule: 'exact_keyword', matched: upper, keyword: glued };

  // An iMessage reaction quotes the sender's own text ("Emphasized “Reply STOP to opt out”").
  if (TAPBACK.test(raw)) return { intent: 'none', rule: 'not_a_revocation', matched: raw.slice(0, 40) };

  const prepared = readForRules(raw, longMiddle);
  read.prepared = prepared;

  // 🛑 with courtesy only ("🛑 please"): the sign is the keyword; ⛔ 🚫 and the like go to staff.
  if (prepared.words.length > 0 && prepared.words.length <= 4 && prepared.words.every((w) => COURTESY.has(w) && !FCC_WORDS.has(w))) {
    const signs = raw.replace(/[\p{L}\p{N}\s.,!]/gu, '');
    if (signs !== '' && EMOJI_STOP.test(signs)) return { intent: 'opt_out', rule: 'stop_emoji', matched: raw, keyword: 'STOP' };
    if (signs !== '' && EMOJI_REFUSAL.test(signs)) return { intent: 'needs_review', rule: 'stop_emoji', matched: raw };
  }

  // 2. Keywords with courtesy only ("Stop. Thank you", "STOP STOP", "stop2end", "ok stop 🛑").
  const courtesy = keywordWithCourtesy(prepared, raw) ?? optInWithCourtesy(prepared, raw);
  if (courtesy) return courtesy;

  // 3. A keyword written with lookalike letters from another script ("ЅТОР", "ՏTOP").
  const lookalike = lookalikeKeyword(upper, raw);
  if (lookalike) return lookalike;

  // 4. One word that is a keyword misspelt ("stoppp", "sttop", "dtop", "unsubscibe", "st0p").
  const typo = typoKeyword(prepared) ?? leetKeyword(raw.replace(/[.!]+$/, '').replace(/^(\S+) (\S+)$/, '$1$2').replace(/^(\S+) (\S+) (\S+)$/, '$1$2$3'));
  if (typo) return typo;

  // 5. Profanity aimed at the sender ("f*** off", "screw you", "f***ing spam"), or nothing but swearing.
  const hostile = HOSTILE.exec(prepared.text);
  if (hostile && !KEEN.test(prepared.text) && !/\b(fuck|f|screw) (it|yeah|yes|yea|ya)\b/.test(prepared.text)) {
    return { intent: 'opt_out', rule: 'profanity_demand', matched: hostile[0] };
  }
  if (prepared.words.length <= 4 && prepared.words.every((w) => SWEARING_FILLER.test(w)) && prepared.words.some((w) => SWEAR_WORD.test(w))) {
    const strong = prepared.words.find((w) => PROFANE_WORD.test(w));
    return strong
      ? { intent: 'opt_out', rule: 'profanity_demand', matched: prepared.text }
      : { intent: 'needs_review', rule: 'profanity_demand', matched: prepared.text };
  }

  // 6. Clause by clause: frames aimed at the sender, wrong number, how-to questions.
  let review: Found | undefined;
  let negated: Found | undefined;
  for (const clause of prepared.clauses) {
    const result = readClause(clause, raw, prepared);
    if (!result) continue;
    if (result.intent === 'opt_out') return result;
    if (result.intent === 'needs_review') review ??= result;
    else negated ??= result;
  }

  // 7. Other languages' phrases (Spanish "deja de mandarme", Korean 수신거부...).
  const views = textViews(raw, upper);
  const foreign = foreignPhrase(views) ?? foreignWrongPerson(raw);
  if (foreign) return foreign;
  const language = views.language;

  // 8. A text in another language with a word of stopping or refusing that no phrase explained:
  // staff read it (a missed revocation costs more than a question to staff).
  if (!foreign) {
    const net = foreignNet(views);
    if (net) review ??= net;
  }

  // 10. An FCC word not yet explained: read it by its neighbours ("Stop. Not interested" opts out
  // although "not interested" alone would go to review).
  const keyword = keywordInContext(prepared, raw);

  if (!review && prepared.unread) review = { intent: 'needs_review', rule: 'keyword_in_long_message', matched: prepared.unread.slice(0, 80) };

  // 9. An English text that no rule explained but that speaks of the texts, the number or the list
  // with a word of refusing: staff read it rather than nobody.
  if (!review && !keyword && !negated && views.language === 'en' && !KEEPS_TEXTS.test(prepared.text) && !NET_EXCEPTIONS.test(prepared.text)) {
    const net = ENGLISH_NET.find((clause) => clause.test(prepared.text));
    if (net && !KEEN.test(prepared.text) && !APPOINTMENT_TALK.test(prepared.text)) review = { intent: 'needs_review', rule: 'uncertain_revocation', matched: net.exec(prepared.text)![0] };
  }

  const chosen = (() => {
    if (keyword && keyword.intent !== 'none' && negated && negated.matched.split(' ').includes((keyword.keyword ?? '').toLowerCase())) return negated;
    if (keyword?.intent === 'opt_out' && (!review || review.rule === 'uncertain_revocation' || review.rule === 'wrong_number' || review.rule === 'stop_emoji')) return keyword;
    return review ?? keyword ?? negated ?? { intent: 'none' as const, rule: 'no_match' as const, matched: '' };
  })();
  return { ...chosen, language: chosen.language ?? language };
}

/**
 * A long text is read at its start and its end, where a request stands: every clause costs a pass
 * of the rules, and a text of many short clauses ("U.S. U.S. …", or "㏂" that NFKC turns into
 * "a.m.") must not hold the event loop. A clause left unread that names an FCC word or speaks of
 * the texts sends the message to staff instead.
 */
const CLAUSES_READ = 24;
const LONG_MIDDLE_CUE = /\b(stop|quit|end|cancel|unsubscribe|opt ?out|revoke|remove|texts?|messages?|sms|number|wrong)\b/i;
function readableLength(prepared: PreparedText): PreparedText & { unread?: string } {
  if (prepared.clauses.length <= CLAUSES_READ) return { ...prepared };
  const half = CLAUSES_READ / 2;
  const middle = prepared.clauses.slice(half, -half);
  const cue = middle.find((c) => c.words.some((w) => FCC_WORDS.has(w)) || ENGLISH_NET.some((net) => net.test(c.text)));
  return { ...prepared, clauses: [...prepared.clauses.slice(0, half), ...prepared.clauses.slice(-half)], unread: cue?.text };
}

/** Two opt-out keywords typed without a space ("STOPQUIT", "unsubscribestop"). */
const GLUE_PREFIX = /^(SMS|TXT|TEXT|TEXTS|PLEASE|PLS|PLZ)/;
const GLUE_SUFFIX = /(ALL|NOW|PLS|PLZ|PLEASE|SMS|TEXT|TEXTS|TEXTING|TXT|THX|THANKS|MSG|MSGS|MESSAGES|MESSAGING|MSGING|SENDING|CONTACTING)$/;
function gluedKeywords(word: string): string | undefined {
  if (word.length > 24) return undefined;
  // The same keyword over and over: "stopstopstop".
  const repeated = /^(STOP|QUIT|END|CANCEL|UNSUBSCRIBE)\1+$/.exec(word);
  if (repeated) return repeated[1];
  for (const trimmed of [word.replace(GLUE_PREFIX, ''), word.replace(GLUE_SUFFIX, ''), word.replace(GLUE_PREFIX, '').replace(GLUE_SUFFIX, '')]) {
    const entry = trimmed !== word && trimmed.length >= 3 ? keywordTable.get(trimmed) : undefined;
    if (entry?.intent === 'opt_out' && entry.language === 'en') return entry.keyword;
  }
  for (let i = 3; i <= word.length - 3; i++) {
    const left = keywordTable.get(word.slice(0, i));
    const rest = word.slice(i).replace(/^(TO|2|AND|N|OR|THEN|PLEASE)(?=[A-Z]{3})/, '');
    const right = keywordTable.get(rest);
    if (left?.intent === 'opt_out' && right?.intent === 'opt_out' && left.language === 'en' && right.language === 'en') return left.keyword;
  }
  return undefined;
}

function unmaskProfanity(raw: string): string {
  // Only where a mask could stand for letters of a swear word: "f**k", "f.u.c.k", "***k", "$hit", "s**t".
  if (!/[fFsS$*][^\sA-Za-z0-9]|\*k/.test(raw)) return raw;
  return raw.replace(MASKED_PROFANITY, (m) => (/^\$|^s/i.test(m) ? 'shit' : /ing$|in$/i.test(m) ? 'fucking' : 'fuck'));
}

/** Words that revoke when they are all the message says besides courtesy ("Remove please", "cease"). */
const REVOKING_WORDS: Record<string, string> = {
  remove: 'REMOVE', rmv: 'REMOVE', rmove: 'REMOVE', remve: 'REMOVE', reomve: 'REMOVE', removea: 'REMOVE', remov: 'REMOVE', removeme: 'REMOVE',
  cease: 'CEASE', seize: 'CEASE', halt: 'HALT', discontinue: 'DISCONTINUE', terminate: 'TERMINATE', unenroll: 'UNENROLL', desist: 'CEASE', unsubscribeme: 'UNSUBSCRIBE', stahp: 'STOP',
};
/** Courtesy in the other languages, around their keywords ("baja por favor", "ayoko na po"). */
const FOREIGN_COURTESY = new Set(['por', 'favor', 'porfa', 'porfavor', 'xfa', 'gracias', 'ya', 'po', 'merci', 'svp', 'stp', 'obrigado', 'obrigada', 'pf', 'pfv', 'tanpri', 'mesi', 'souple', 'a', 'ạ', 'nha', 'nhe', 'di', 'roi', 'ahora', 'todo', 'todos', 'agora']);

function keywordWithCourtesy(prepared: PreparedText, raw: string): Found | undefined {
  const words = prepared.words;
  if (words.length > 8) return undefined;
  let keyword: string | undefined;
  let language: Language = 'en';
  let revoking = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const pair = i + 1 < words.length ? `${w}${words[i + 1]}` : '';
    const pairEntry = pair ? keywordTable.get(pair.toUpperCase()) : undefined;
    if (pairEntry && pairEntry.intent === 'opt_out') {
      keyword ??= pairEntry.keyword;
      if (pairEntry.language !== 'en') language = pairEntry.language;
      i++;
      continue;
    }
    const entry = keywordTable.get(w.toUpperCase());
    if (entry && entry.intent === 'opt_out' && (entry.language === 'en' || (words.length <= 4 && words.every((x) => x === w || FOREIGN_COURTESY.has(x) || /^(please|pls|plz|thanks|thank|you|now|\d+)$/.test(x))))) {
      keyword ??= entry.keyword;
      if (entry.language !== 'en') language = entry.language;
      continue;
    }
    if (REVOKING_WORDS[w]) {
      keyword ??= REVOKING_WORDS[w];
      revoking = true;
      continue;
    }
    if (/^\d+$/.test(w) || COURTESY.has(w) || FOREIGN_COURTESY.has(w) || /^(fu|fuck|fucking|dammit|damn|idiots?|morons?|assholes?|jerks?)$/.test(w)) continue;
    return undefined;
  }
  if (!keyword) return undefined;
  if (language !== 'en') {
    return { intent: 'opt_out', rule: 'keyword_in_short_reply', matched: prepared.text, keyword, language };
  }
  if (keyword === 'CANCEL' && words.some((w) => w === 'it' || w === 'that' || w === 'them') && !words.some((w) => w === 'all' || w === 'everything')) {
    return { intent: 'needs_review', rule: 'uncertain_revocation', matched: prepared.text, keyword };
  }
  if (revoking && !FCC_WORDS.has(keyword.toLowerCase()) && keyword !== 'STOPALL' && keyword !== 'OPTOUT') {
    if (prepared.question && !REQUEST_QUESTION.test(prepared.text)) return { intent: 'needs_review', rule: 'keyword_in_question', matched: prepared.text };
    return { intent: 'opt_out', rule: 'revocation_phrase', matched: prepared.text };
  }
  // "stop it" and "end this" are requests; "will do", "do not stop" are not.
  if (words.some((w) => NEGATION.has(w))) return undefined;
  if (prepared.question && !REQUEST_QUESTION.test(prepared.text)) {
    return { intent: 'needs_review', rule: 'keyword_in_question', matched: prepared.text, keyword };
  }
  // "omg stop 😍": said in fun; a person reads it either way, so staff decide.
  if (keyword === 'STOP' && (PLAYFUL.test(prepared.text) || PLAYFUL_TEXT_MARKS.test(raw))) return { intent: 'needs_review', rule: 'uncertain_revocation', matched: prepared.text, keyword };
  return { intent: 'opt_out', rule: 'keyword_in_short_reply', matched: prepared.text, keyword };
}

/** "Start please", "Unstop please", "please resubscribe me", "start texting me again": an opt-in keyword and courtesy. */
function optInWithCourtesy(prepared: PreparedText, raw: string): Found | undefined {
  const words = prepared.words;
  if (words.length > 6 || !PLAIN_OPT_IN.test(raw) || /[\u202e\u2067]/u.test(raw)) return undefined;
  let keyword: string | undefined;
  for (const w of words) {
    const entry = keywordTable.get(w.toUpperCase());
    if (entry?.intent === 'opt_in' && entry.language === 'en' && w !== 'yes') {
      keyword ??= entry.keyword;
      continue;
    }
    if (/^(please|pls|plz|me|again|thanks|thank|you|now|back|texting|texts|sending|the|messages|ok|hi|hey)$/.test(w)) continue;
    return undefined;
  }
  return keyword ? { intent: 'opt_in', rule: 'keyword_in_short_reply', matched: prepared.text, keyword } : undefined;
}

/** English words one edit from STOP that people do send alone: never read as STOP. */
const NEAR_STOP_WORDS = new Set(['step', 'shop', 'stomp', 'slop', 'top', 'sop', 'spot', 'stow', 'stoup', 'stool', 'soup', 'stay', 'swop', 'strop', 'stob']);
/** Digits and signs written for letters in a one-word reply: "st0p", "5TOP", "$top". */
const LEET: Record<string, string> = { '0': 'o', '5': 's', $: 's', '1': 'i', '3': 'e', '4': 'a', '@': 'a', '7': 't', '|': 'l', '!': 'i' };
const NEAR_CANCEL_WORDS = new Set(['cancer', 'camel', 'candle', 'channel', 'panel', 'cancun']);

function leetKeyword(raw: string): Found | undefined {
  const word = raw.trim().toLowerCase();
  if (!/^[\p{L}\d$@|!]{3,12}$/u.test(word) || !/[\p{L}]/u.test(word) || !/[\d$@|]/.test(word)) return undefined;
  const letters = word.replace(/[\d$@|!]/g, (c) => LEET[c] ?? c).replace(/(\p{L})\1{2,}/gu, '$1');
  const entry = keywordTable.get(letters.toUpperCase());
  if (entry && entry.intent === 'opt_out' && entry.language === 'en') return { intent: 'opt_out', rule: 'keyword_typo', matched: word, keyword: entry.keyword };
  const glued = gluedKeywords(letters.toUpperCase());
  return glued ? { intent: 'opt_out', rule: 'keyword_typo', matched: word, keyword: glued } : undefined;
}

function typoKeyword(prepared: PreparedText): Found | undefined {
  const core = prepared.words.filter((w) => !COURTESY.has(w) && !/^\d+$/.test(w));
  if (core.length !== 1 || prepared.words.length > 4) return undefined;
  if (prepared.words.some((w) => NEGATION.has(w))) return undefined;
  const word = core[0]!;
  const squeezed = word.replace(/(\p{L})\1+/gu, '$1');
  const found = (keyword: string, intent: Intent): Found => ({ intent, rule: 'keyword_typo', matched: word, keyword });
  if (squeezed === 'stop' || squeezed === 'stopal') return found(squeezed === 'stop' ? 'STOP' : 'STOPALL', 'opt_out');
  if (squeezed === 'quit' || squeezed === 'end' || squeezed === 'cancel' || squeezed === 'revoke' || squeezed === 'optout') return found(squeezed.toUpperCase(), 'opt_out');
  if (squeezed === 'unsubscribe' || squeezed === 'unsub' || squeezed === 'unsubscribeme') return found('UNSUBSCRIBE', 'opt_out');
  if (!NEAR_STOP_WORDS.has(word)) {
    const edit = singleEdit(squeezed, 'stop');
    if (edit === 'substitution_adjacent' || edit === 'transposition' || edit === 'insertion' || edit === 'deletion') return found('STOP', 'opt_out');
    // One letter of STOP swapped for a letter of another script ("ᔕTOP"): a STOP dressed up, not a typo.
    if (edit === 'substitution' && /^[^a-z]top$|^s[^a-z]op$|^st[^a-z]p$|^sto[^a-z]$/u.test(squeezed) && /\p{L}/u.test(squeezed.replace(/[a-z]/g, ''))) return found('STOP', 'opt_out');
    if (edit === 'substitution') return found('STOP', 'needs_review');
  }
  if (singleEdit(squeezed, 'quit') === 'transposition') return found('QUIT', 'opt_out');
  if (word.length >= 7 && word.startsWith('un') && (editDistance(squeezed, 'unsubscribe'.replace(/(\p{L})\1+/gu, '$1')) <= 3 || /^uns\w*scri\w*$/.test(squeezed))) return found('UNSUBSCRIBE', 'opt_out');
  if (word.length >= 9 && editDistance(squeezed, 'unsubscribe') <= 2) return found('UNSUBSCRIBE', 'opt_out');
  if (word.length >= 4 && word.length <= 8 && /^r/.test(word) && editDistance(squeezed, 'remove') <= 2 && !['remote', 'rome', 'receive', 'relieve', 'revive', 'remover', 'removed', 'move', 'reviews', 'review', 'revue'].includes(word)) {
    return found('REMOVE', 'opt_out');
  }
  if (word.length >= 5 && !NEAR_CANCEL_WORDS.has(word) && editDistance(squeezed, 'cancel') <= 1) return found('CANCEL', 'opt_out');
  if (word.length >= 5 && editDistance(squeezed, 'revoke') <= 1) return found('REVOKE', 'opt_out');
  if (word.length >= 5 && (editDistance(squeezed, 'optout') <= 1 || (word.startsWith('op') && editDistance(squeezed, 'optout') <= 2))) return found('OPTOUT', 'opt_out');
  return undefined;
}

function lookalikeKeyword(upper: string, raw: string): Found | undefined {
  if (!/[^\x00-\x7f]/.test(upper)) return undefined;
  const skeleton = latinSkeleton(upper).toUpperCase();
  if (skeleton === upper) return undefined;
  // Confusables.txt gives I and l one prototype (l): a lookalike I in QUIT reads as L until mapped back.
  const glued = gluedKeywords(compact(skeleton));
  const entry = keywordTable.get(compact(skeleton)) ?? keywordTable.get(compact(skeleton).replace(/L/g, 'I')) ?? (glued ? keywordTable.get(glued) : undefined);
  if (entry && entry.language === 'en') {
    // A STOP spelt in lookalike letters is read as the person saw it; a lookalike START is not trusted.
    return entry.intent === 'opt_out'
      ? { intent: 'opt_out', rule: 'lookalike_keyword', matched: raw, keyword: entry.keyword, language: 'en' }
      : undefined;
  }
  const words = raw.split(/\s+/);
  if (words.some(mixesScripts) && /\b(STOP|UNSUBSCRIBE|QUIT|CANCEL|END|REVOKE|OPT ?OUT|REMOVE)\b/.test(skeleton)) {
    return { intent: 'needs_review', rule: 'lookalike_keyword', matched: raw, language: 'en' };
  }
  return undefined;
}

function readClause(clause: Clause, raw: string, prepared: PreparedText): Found | undefined {
  const text = clause.text;
  const requestQuestion = REQUEST_QUESTION.test(text);

  // Wrong number: the texts reach someone who never consented.
  const wrong = WRONG_NUMBER.exec(text);
  // "Sorry, wrong person", "I gave you the wrong number for my husband", "new number, please save it": the person's own mistake.
  const ownMistake = /\b(oops|my bad|whoops|ignore (that|this|me|it)|disregard|i gave you|i sent you|i typed|i put|i texted the wrong|meant (that|this|it) for|save it|save this|save my|please update my|this is my new)\b/.test(prepared.text);
  // "I'm not Maria, I'm her daughter, she'll be there at 3": a relative answering for the person.
  const relative = RELATIVE_ANSWERING.test(prepared.text);
  if (wrong && (!ownMistake || /^not (your|a|an) (client|customer|patient|member)$|^i am not/.test(wrong[0])) && !/\b(not|never|no)( the| a)?$/.test(text.slice(0, wrong.index).trim())) {
    // "You have the wrong person, I have an appointment at the other location": a client correcting a detail.
    if (/person|guy|girl|lady/.test(wrong[0]) && /\b(i|we) (have|had|booked) (an |my |the )?(appointment|appt|booking|reservation)\b/.test(prepared.text)) {
      return { intent: 'needs_review', rule: 'wrong_number', matched: wrong[0] };
    }
    return { intent: 'opt_out', rule: 'wrong_number', matched: wrong[0] };
  }
  const stranger = NEVER_A_CLIENT.exec(text);
  if (stranger) return { intent: 'needs_review', rule: 'wrong_number', matched: stranger[0] };
  const notThem = NOT_THIS_PERSON.exec(text);
  if (notThem && prepared.clauses.length <= 5) {
    const name = notThem[4]!;
    const asking = notThem[2] === 'who is' || notThem[2] === 'whos';
    // "I'm not a morning person": a kind of person, not a name.
    const kindOfPerson = /^ (person|people|type|fan|girl|guy)$/.test(notThem[5] ?? '');
    if (!NOT_A_NAME.has(name) && !FCC_WORDS.has(name) && !(asking && notThem[5]) && !kindOfPerson) {
      const base = name.endsWith('s') && new RegExp(`${name.slice(1, -1)}['’]s`, 'iu').test(raw) ? name.slice(0, -1) : name;
      const capitalised = new RegExp(`(^|[^\\p{L}])${base[0]!.toUpperCase()}${base.slice(1)}`, 'u').test(raw);
      // "Who's Karen?" asks about the person the text was for: staff decide.
      // A bare "not Maria" may be a correction of anything; "I'm not Maria", "no Kevin here" name the person.
      if (relative) {
        const forThePerson = APPOINTMENT_TALK.test(prepared.text) || /\b(confirm|bring|tell (her|him|them)|let (her|him|them) know)\b/.test(prepared.text);
        return forThePerson ? { intent: 'none', rule: 'not_a_revocation', matched: notThem[0] } : { intent: 'needs_review', rule: 'wrong_number', matched: notThem[0] };
      }
      if (capitalised && !asking && notThem[2] !== 'not') return { intent: 'opt_out', rule: 'wrong_number', matched: notThem[0] };
      // "not right now", "no prob": a lower-case word after a bare not/no is rarely a name.
      if (capitalised || /^(i am not|this is not|this aint|that is not|no one named|no one called)$/.test(notThem[2]!)) {
        return { intent: 'needs_review', rule: 'wrong_number', matched: notThem[0] };
      }
    }
  }

  // "How do I unsubscribe?", "how can I stop these": asking how to revoke is revoking.
  const whichWord = WHICH_WORD_TO_SEND.exec(text);
  if (whichWord) return { intent: 'opt_out', rule: 'how_to_stop', matched: whichWord[0] };
  const how = HOW_TO.exec(text);
  if (how) {
    const after = text.slice(how.index + how[0].length).trim();
    // "How do I opt in to the VIP texts?" asks to join.
    if (/\bopt$/.test(how[0]) && /^in\b/.test(after)) return { intent: 'none', rule: 'not_a_revocation', matched: how[0] };
    if (/\b(emails?|e mails?|mailing|newsletter|postcards?)\b/.test(after)) return { intent: KEEPS_TEXTS.test(prepared.text) ? 'none' : 'needs_review', rule: 'how_to_stop', matched: how[0] };
    if (!aboutSomethingElse(after) && !/^(my|the|an|a|this) (account|email|emails|card|order|membership|subscription)/.test(after)) {
      if (after === '' || HOW_TO_TEXTS.test(after)) {
        return { intent: 'opt_out', rule: 'how_to_stop', matched: how[0] };
      }
      return { intent: 'needs_review', rule: 'how_to_stop', matched: how[0] };
    }
  }

  for (const frame of FRAMES) {
    const m = frame.pattern.exec(text);
    if (!m) continue;
    if (frame.negatable && isNegatedAt(clause, m.index, m[0])) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    const rest = text.slice(m.index + m[0].length).trim();
    // "I'm not asking to be removed, just rescheduling": the negation is inside the match.
    if (frame.name === 'be_removed' && /\b((am|are|is) not (asking|trying|wanting|saying|looking)|(do|did) not (want|ask|mean|need))\b/.test(m[0])) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    // "Don't text back, just see you Friday", "Don't reply, just confirming": no answer needed.
    if ((frame.name === 'do_not_contact' || frame.name === 'do_not_call') && /^(please |just |ok |so )*(do not|dont|no need to|never) (reply|respond|answer|(text|message|write|get) back)( back)?( to (this|that|it|me))?( please| thanks| thank you)?$/.test(m[0].trim()) && !/\b(again|any more|ever)\b/.test(text) && prepared.clauses.length > 1) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    // Another person's texts ("don't text my husband about my appointments, text me"): this number keeps its own.
    if ((frame.name === 'do_not_call' || frame.name === 'do_not_contact' || frame.name === 'stop_contacting' || frame.name === 'remove_me') && THIRD_PARTY.test(`${m[0]} ${rest}`) && (KEEPS_TEXTS.test(prepared.text) || /\bmy \w+( s)? (phone|number|cell|line)\b/.test(`${m[0]} ${rest}`)) && !/\b(me|us|this number|my number)\b/.test(m[0].replace(/\bmy (\w+ )?(mom|dad|mother|father|husband|wife|son|daughter|sister|brother|kid|kids|child|children|grandma|grandpa|grandmother|grandfather|partner|boyfriend|girlfriend)( s)?\b/g, ''))) {
      return { intent: 'needs_review', rule: 'partial_revocation', matched: m[0] };
    }
    // "Remove my old number from my file, this is my new one": the old number, not this one.
    if (frame.name === 'remove_me' && /\bmy (old|previous|former|other) (number|phone|cell|phone number|cell number)\b/.test(m[0])) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    // "Stop sending reminders to my old email": another channel.
    if ((frame.name === 'stop_contacting' || frame.name === 'stop_receiving') && /\b(to|at|on) (my|the|your) (\w+ )?(email|e mail|inbox|mailbox|mailing address|address)\b/.test(rest)) {
      return KEEPS_TEXTS.test(prepared.text) ? { intent: 'none', rule: 'not_a_revocation', matched: m[0] } : { intent: 'needs_review', rule: 'partial_revocation', matched: m[0] };
    }
    // "I revoke permission to use my photos": another consent.
    if (frame.name === 'withdraw_consent' && (OTHER_CONSENT.test(rest) || OTHER_CONSENT.test(m[0])) && !/\b(texts?|texting|messages?|sms|contact|contacting|calls?)\b/.test(rest)) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    if ((frame.name === 'stop_contacting' || frame.name === 'stop_receiving') && /^(me |us )?(the |your |those |these |any |more |all |all the )?(paper|mail|mailers?|letters?|postcards?|catalogs?|catalogues?|statements?|bills?|invoices?|emails?|e mails?|newsletters?|brochures?|flyers?)\b/.test(rest)) {
      // "Stop sending me paper statements, I want them by email": another channel, kept or moved.
      const movedElsewhere = KEEPS_TEXTS.test(prepared.text) || /\b(want|send|prefer) (them|it|those) (by|through|via|in|as) (an? )?(email|e mail|mail|text|the app|pdf)\b/.test(prepared.text);
      return { intent: movedElsewhere ? 'none' : 'needs_review', rule: movedElsewhere ? 'not_a_revocation' : 'uncertain_revocation', matched: m[0] };
    }
    if ((frame.name === 'stop_contacting' || frame.name === 'stop_receiving') && ((aboutSomethingElse(rest) && !/\b(here|to this (number|phone|cell)|to me)$/.test(rest)) || /^(me|us) to (voicemail|the|a|an|my|your)\b/.test(rest))) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    if (/\b(let us|lets|we (have|need|got) to|we must|we should|we will|we can)$/.test(text.slice(0, m.index).trim())) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    if (frame.name === 'remove_me' || frame.name === 'take_me_off' || frame.name === 'be_removed') {
      const rest = text.slice(m.index + m[0].length).trim();
      if (OTHER_LIST.test(rest)) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
      if (NON_SMS_LIST.test(rest)) return { intent: KEEPS_TEXTS.test(prepared.text) ? 'none' : 'needs_review', rule: 'uncertain_revocation', matched: m[0] };
    }
    if (/\b(calling|call|calls|phone calls|emailing|email|emails)\b/.test(m[0]) && !/\b(text|texts|texting|message|messages|sms)\b/.test(m[0]) && KEEPS_TEXTS.test(prepared.text)) {
      return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    }
    // "Why did I stop getting the promos?": asks about the past, revokes nothing.
    if (/^(why |how come |so )?(did|have|had|was|were) (i|we)\b/.test(text)) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    // A question that only asks about the texts ("did you stop sending the promos?") is for staff.
    if (clause.question && !requestQuestion && !/\bhow (do|can|to|would|could)\b/.test(text) && !/^(why|what|who|when)\b.*\b(keep|still|again)\b/.test(text) && frame.intent === 'opt_out') {
      if (/^(did|do|does|is|are|was|were|has|have|had|when|what|where|which|who|why|should|shall)\b/.test(text)) {
        return { intent: 'needs_review', rule: 'keyword_in_question', matched: m[0] };
      }
    }
    if (frame.intent === 'needs_review' && KEEN.test(prepared.text)) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    if (frame.name === 'no_more' && /enough/.test(m[0]) && prepared.clauses.length > 1) return { intent: 'needs_review', rule: 'uncertain_revocation', matched: m[0] };
    if (frame.name === 'remove_it' && !/\b(my|this|the|a) (number|phone|cell|info|information|contact|business line|work line|work phone|landline|office line|business number|work number)\b/.test(prepared.text)) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    if (frame.name === 'make_it_stop' && SYMPTOM.test(prepared.text)) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    if (frame.name === 'uncertain' && APPOINTMENT_TALK.test(prepared.text) && /needed|not interested/.test(m[0])) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    if (frame.name === 'uncertain' && /interest/.test(m[0]) && /^(in|on) (?!(these|your|the|this|any|more|getting|receiving) ?(texts|messages|offers|promos|deals)?\b)/.test(text.slice(m.index + m[0].length).trim())) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    if (frame.name === 'uncertain' && /interest/.test(m[0]) && /\b(right now|for now|at the moment|maybe|later|next (month|time|year)|in the (summer|fall|spring|winter)|this (time|month))\b/.test(prepared.text)) return { intent: 'none', rule: 'not_a_revocation', matched: m[0] };
    if (frame.intent === 'opt_out' && /\b(the same|duplicate|double|twice|\d+ times|multiple times|once is enough)\b/.test(prepared.text)) return { intent: 'needs_review', rule: 'partial_revocation', matched: m[0] };
    if (KEEPS_TEXTS.test(prepared.text) && frame.intent === 'opt_out') return { intent: 'needs_review', rule: 'partial_revocation', matched: m[0] };
    if (frame.intent === 'opt_out' && TIME_LIMIT.test(text.slice(m.index))) {
      return { intent: 'needs_review', rule: 'partial_revocation', matched: m[0] };
    }
    return { intent: frame.intent, rule: frame.intent === 'opt_out' ? 'revocation_phrase' : 'uncertain_revocation', matched: m[0] };
  }

  // An unfinished imperative without its time limit: "do not text me after 7".
  const partial = UNFINISHED_DO_NOT.exec(text) ?? UNFINISHED_DO_NOT_TIME.exec(text);
  if (partial) return { intent: 'needs_review', rule: 'partial_revocation', matched: partial[0] };
  return undefined;
}

/** Whether a negation stands in front of the match, within its clause ("please don't remove me"). */
/**
 * A negation governs what follows it only through words that carry the verb on: "please don't take
 * me off", "I do not want you to stop texting", "never ever quit" are negated; "I don't care STOP",
 * "my skin has never looked better STOP" are not ("never mind" negates nothing).
 */
const GOVERNING_NEGATION = /\b(not|never|dont|cannot|nor|without)(?! mind\b)(?: (?:ever|even|really|just|you|u|yall|to|want|need|have|going|gonna|like|wish|mean|meant|ask|asking|please|for|them|him|her|anyone|anybody|do|would|will))*$/;

/** Whether a negation in front of the match governs it, within its clause ("please don't remove me"). */
function isNegatedAt(clause: Clause, index: number, matched: string): boolean {
  if (/^(do not|never|dont|no)\b/.test(matched)) return false;
  return GOVERNING_NEGATION.test(clause.text.slice(0, index).trim());
}

/** The text as each language's phrases are matched: lower case with and without diacritics. */
interface TextViews {
  raw: string;
  /** NFKC, lower case: Chinese, Korean, Arabic, Russian (and Vietnamese with its marks). */
  lower: string;
  /** No diacritics, đ as d, apostrophes and punctuation as spaces: the Latin-script languages. */
  plain: string;
  language: Language;
  scripts: { han: boolean; hangul: boolean; arabic: boolean; cyrillic: boolean };
}

function textViews(raw: string, upper: string): TextViews {
  const lower = raw.toLowerCase();
  const ascii = !/[^\x00-\x7f]/.test(withoutPictographs(lower));
  const plain = ascii
    ? lower.replace(/[^a-z0-9]+/g, ' ').trim()
    : lower.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').replace(/['’]/g, ' ').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return {
    raw,
    lower,
    plain,
    language: guessLanguage(raw, upper),
    scripts: ascii
      ? { han: false, hangul: false, arabic: false, cyrillic: false }
      : { han: /\p{Script=Han}/u.test(raw), hangul: /\p{Script=Hangul}/u.test(raw), arabic: /\p{Script=Arabic}/u.test(raw), cyrillic: /\p{Script=Cyrillic}/u.test(raw) },
  };
}

const SCRIPT_OF: Partial<Record<Language, keyof TextViews['scripts']>> = { zh: 'han', ko: 'hangul', ar: 'arabic', ru: 'cyrillic' };

function foreignPhrase(views: TextViews): Found | undefined {
  const { plain } = views;
  for (const [language, lexicon] of Object.entries(FOREIGN_LEXICONS) as [Exclude<Language, 'en'>, (typeof FOREIGN_LEXICONS)['es']][]) {
    const script = SCRIPT_OF[language];
    if (script && !views.scripts[script]) continue;
    if (lexicon.otherSense?.test(plain)) continue;
    for (const pattern of lexicon.revocationPhrases) {
      // Latin-script languages are matched without diacritics (people drop them); the others as typed.
      const source = script ? views.lower : plain;
      const m = pattern.exec(source);
      if (!m) continue;
      if (language !== 'zh' && language !== 'ko' && language !== 'ar' && !/^(no|nao|ne|pa|khong|ko|hindi|wag|huwag)\b/.test(m[0]) && /\b(no|pas|nao|hindi|khong)\s*$/.test(source.slice(Math.max(0, m.index - 6), m.index))) {
        continue;
      }
      return { intent: 'opt_out', rule: 'revocation_phrase', matched: m[0], language };
    }
  }
  return undefined;
}

/** Signs that a reply is playful or keen ("stop, you're too sweet 😂", "ugh stop, I want it all"). */
const PLAYFUL = /(\p{Extended_Pictographic})|\b(lol|lmao|haha\w*|hehe|jk|too sweet|so sweet|tempting|temptation|you had me|i want (it|all|one|them)|take my money|love (it|this|you)|omg yes|yes please|sign me up|book me|i will take|i am in$|i am in (too|for (it|this|that))|count me in|amazing|cute|gorgeous|obsessed|embarrassing me|blush|blushing|making me|you guys are|too kind|so nice|too nice|so cheap|great deal|good deal|what a deal|such a deal|too good|so good|you always remember)\b/u;
const PLAYFUL_TEXT_MARKS = /[😂🤣😆😅😍🥰😘🙈💕❤💖😜😝😉😊☺🙂😁😀🤩😄😃]/u;
/** Habits and symptoms that stop: "stop charging my card", "stop procrastinating", "stop itching". */
const EVERYDAY_GERUND = /^(charging|billing|bleeding|swelling|itching|itchin|peeling|burning|hurting|aching|bruising|throbbing|tingling|working|taking|using|eating|drinking|smoking|vaping|procrastinating|sleeping|sleepin|playing|worrying|crying|laughing|checking|reminding|spelling|knowing|being|doing|going|making|trying|thinking|putting|picking|getting charged|breaking|running|raining|snowing|leaking|dripping|flaking|twitching|drooping|tempting|teasing|joking|kidding|spoiling|flattering|complimenting|renewing|auto|paying|shipping|delivering|sending the|selling me on)$/;

/** An explicit wish to buy or book: "stop, you had me at free consultation", "shut up, 20% off? booking now". */
const KEEN = /\b((?<!\b(when|if|once|until|before) )i want (to book|all|it|one|them|this|that|in)|book(ing)? (me|now|it)|sign me up|count me in|you had me|too sweet|so sweet|tempting|take my money|i booked (it|this|that|one|a spot|mine|already)|i just booked|i will book|i am booking|booking now|i just want to book|i need this|yes please|i am in$|i am in (too|for (it|this|that))|put me down|sign me up|save me a spot|i can come|i can make it|come earlier|come in earlier|blush|blushing)\b/;

/** Talk of an appointment: "cancel" and "end" are about it, not the texts ("can't come in, please cancel"). */
const APPOINTMENT_TALK = /\b(reschedul\w*|resched|rebook\w*|re book|appointment|appointments|booking|booked|consult\w*|visit|sick|come in|coming in|make it|running late|schedule|scheduled|slot|spot|time|tomorrow|today|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d+ ?(am|pm)|oclock|facial|botox|filler|massage|treatment|session|class|wax|peel|laser|membership|package|glow|reminder|hospital|be there|make it|not going|cannot come|can not come|will not be|reservation|reservations|sitter|babysitter|childcare|kid|kids|fever|emergency|flight|car broke|funeral|tmrw|tmr|tmw|tomorow|2morrow|2moro|tonite|tday)\b/;

/** What follows a verb is a thing other than the texts: "the auto-renew", "the technician", "my card". */
const TEXT_THINGS = rx(`^(${TEXT_NOUN}|sales|sales stuff|conversation|service|subscription service|shit|crap|nonsense|bs|madness|harassment|bullshit|garbage|phone|cell|inbox|list|number|contact|program|club texts|group|chat|thread|(\\w+ )?ones|birthday|reminder|promo|sale|marketing|daily|weekly|newsletters?|mailing|subscription|stuff|crap|junk|these|this|them|damn|fucking|stupid|annoying|constant|daily|weekly|automated|promotional)\\b`);
function aboutSomethingElse(after: string): boolean {
  if (OTHER_SENSE_AFTER_OBJECT.test(after)) return true;
  const m = /^(of |from |on |for )?(the|my|your|a|an|his|her|our|this|that|those|these) (\w+)/.exec(after);
  return !!m && !TEXT_THINGS.test(after.slice(m[0].length - m[3]!.length));
}

/** What keeps a text out of the learned net: the person says they want the texts. */
const WANTS_THE_TEXTS = /\b((?<!(no|not|never|dont) (need to |have to |want to |want you to )?)(stay (on|in|subscribed)|keep me (on|in|subscribed|posted))|do not want to miss|still want|keep (them|sending|texting)|love (the|your|these) (texts|messages|deals|offers)|add me back|put me back|sign me (up|back))\b/;
/** A keyword sent by mistake, and the texts wanted back. */
const BY_MISTAKE = /\b(by mistake|by accident|on accident|accidentally|did not mean to|add me back|put me back|subscribe me back|sign me back|get the texts again|want the texts back)\b/;
/** What keeps a text out of the net: a mistake being undone, or the person wanting the texts. */
const NET_EXCEPTIONS = /\b(by accident|accidentally|by mistake|did not mean|add me back|put me back|still want|love (the|your|these)|keep (me|them|sending|texting)|update my number|new number is|my number (is|to) \d)\b/;
/** Refusing and the texts together, or words of being pestered: an English text no rule explained. */
const ENGLISH_NET: readonly RegExp[] = [
  /\b(no|not|never|stop|quit|enough|done|remove|removed|off|out|block|blocked|leave|unsub\w*|lose|delete|deleted|why|who|cease|without)\b.{0,40}\b(texts|texting|messages|messaging|msgs|sms|spam|this number|my number|list|contact me|contacting me)\b/,
  /\b(texts|texting|messages|messaging|msgs|sms|spam|this number|my number|your list|the list)\b.{0,40}\b(no more|not|never|stop|enough|remove|removed|off|block|blocked|unsub\w*|delete|deleted|annoying|unwanted|harass\w*)\b/,
  /\b(unsubscrib\w*|opt(ed|ing)? out|blocking|blocked|report(ed|ing)? (you|this|spam)|harass\w*|unwanted|^go away|just go away|leave me (alone|be)|lose my|forget my|delete me|remove me|unfollow)\b/,
];

/** "No soy Carmen", "je ne suis pas Marie", "hindi ako si Ana": a name, capitalised as names are. */
const FOREIGN_WRONG_PERSON: readonly [Language, RegExp][] = [
  ['es', /(?:^|[\s,.!¡])[Nn]o soy (?:la |el )?\p{Lu}\p{Ll}+/u],
  ['pt', /(?:^|[\s,.!])[Nn][ãa]o sou (?:a |o )?\p{Lu}\p{Ll}+/u],
  ['fr', /(?:^|[\s,.!])[Jj]e ne suis pas \p{Lu}\p{Ll}+/u],
  ['tl', /(?:^|[\s,.!])[Hh]indi (?:po )?ako si \p{Lu}\p{Ll}+/u],
  ['vi', /(?:^|[\s,.!])[Tt][ôo]i kh[ôo]ng ph[ảa]i (?:l[àa] )?\p{Lu}\p{Ll}+/u],
  ['ht', /(?:^|[\s,.!])[Mm]wen pa \p{Lu}\p{Ll}+/u],
  ['ru', /(?:^|[\s,.!])[Яя] не \p{Lu}\p{Ll}+/u],
  ['ru', /(?:^|[\s,.!])[Ээ]то не \p{Lu}\p{Ll}+/u],
];
function foreignWrongPerson(raw: string): Found | undefined {
  for (const [language, pattern] of FOREIGN_WRONG_PERSON) {
    const m = pattern.exec(raw);
    if (m) return { intent: 'opt_out', rule: 'wrong_number', matched: m[0], language };
  }
  return undefined;
}

/** Roots of stopping, refusing and removing in the other languages, for the review net. */
const FOREIGN_NET: readonly { language: Language; pattern: RegExp; unless?: RegExp }[] = [
  { language: 'es', pattern: /\b(no me interesa|paren|parar de|dejen de|deja de|baja|basta|no mas|quit\w*me|sac\w*me|borr\w*me|elimin\w*me|desuscri\w*|molest\w*|bloque\w*)\b/, unless: /\b(cita|citas|consulta|reserva|factura|pago|curso|link|hoy|manana|todavia)\b/ },
  { language: 'pt', pattern: /\b(parem|parar de|sair|chega|nao quero mais|me tir\w*|tir\w*me|remov\w*|descadastr\w*|bloque\w*|incomod\w*)\b/, unless: /\b(consulta|horario|agenda\w*|boleto\w*|fila|trabalho|casa|amanha)\b/ },
  { language: 'fr', pattern: /\b(pas interess\w*|c est pas moi|ce n est pas moi|arret\w*|desabonn\w*|desinscri\w*|plus de|retir\w*|supprim\w*|ne m\w* plus)\b/, unless: /\b(rendez vous|rdv|bus|pharmacie|aspirine)\b/ },
  { language: 'vi', pattern: /không quan tâm|dừng|ngừng|không muốn nhận|xóa số|hủy đăng ký|đừng (gửi|nhắn)/u },
  { language: 'tl', pattern: /\b(tigil\w*|tumigil|tanggal\w*|ayoko na|ayaw ko na|hindi ko na kailangan)\b/ },
  { language: 'ht', pattern: /\b(sispann|kanpe|retire m|pa vle|pa voye)\b/, unless: /\b(randevou|famasi|lajan)\b/ },
  { language: 'ru', pattern: /не интересно|не беспокойте|спам|(^|[^а-яё])стоп([^а-яё]|$)|хватит(?! ли)|прекрат|отпис|не пиш|не присыл|удалите|уберите/u },
  { language: 'zh', pattern: /没兴趣|沒興趣|不感兴趣|不感興趣|垃圾短信|举报|舉報|停止|别再|別再|不要再|退订|退訂|删除|刪除|拒收|不想收/u },
  { language: 'ko', pattern: /관심\s*없|스팸|그만(?!큼)|거부|중지|삭제|보내지|받기\s*싫|차단/u },
  { language: 'ar', pattern: /غير مهتم|لا تزعج|توقف|[اأإ]لغاء|لا ترسل|[اأإ]حذف|كفى|كفايه/u, unless: /موعد|النزيف|موقف/u },
];

function foreignNet(views: TextViews): Found | undefined {
  const { lower, plain, language } = views;
  if (language === 'en') return undefined;
  for (const { language: l, pattern, unless } of FOREIGN_NET) {
    if (l !== language) continue;
    if (FOREIGN_LEXICONS[l].otherSense?.test(plain)) return undefined;
    const source = l === 'ru' || l === 'zh' || l === 'ko' || l === 'ar' || l === 'vi' ? lower : plain;
    if (unless?.test(source)) return undefined;
    const m = pattern.exec(source);
    if (m) return { intent: 'needs_review', rule: 'uncertain_revocation', matched: m[0], language: l };
  }
  return undefined;
}

/** An FCC word in the text that no frame explained: decided by what stands around it. */
function keywordInContext(prepared: PreparedText, raw: string): Found | undefined {
  let review: Found | undefined;
  let sawOtherSense: Found | undefined;
  const long = prepared.words.length > 12;
  const playful = PLAYFUL.test(prepared.text) || PLAYFUL_TEXT_MARKS.test(raw);
  const appointmentTalk = APPOINTMENT_TALK.test(prepared.text);
  const negatedKeywords = new Set<string>();
  for (const clause of prepared.clauses) {
    const words = clause.words;
    for (let i = 0; i < words.length; i++) {
      let word = words[i]!;
      let span = 1;
      if (word === 'opt' && words[i + 1] === 'out') {
        word = 'optout';
        span = 2;
      }
      if (!FCC_WORDS.has(word)) continue;
      const before = words.slice(0, i).join(' ');
      const afterWords = words.slice(i + span);
      const after = afterWords.join(' ');
      const matched = words.slice(Math.max(0, i - 2), i + span + 2).join(' ');
      const keyword = word.startsWith('unsubscrib') ? 'UNSUBSCRIBE' : word.toUpperCase();
      const otherSense = (): void => {
        sawOtherSense ??= { intent: 'none', rule: 'not_a_revocation', matched };
      };
      const toReview = (rule: Rule): void => {
        review ??= { intent: 'needs_review', rule, matched, keyword };
      };
      if (GOVERNING_NEGATION.test(before)) {
        negatedKeywords.add(keyword);
        otherSense();
        continue;
      }
      const unambiguous = UNAMBIGUOUS_FCC_WORDS.has(word);
      // "I said STOP", "I told you to stop": said before, said again.
      if ((/\b(i|we) (said|already said|have said|told you|told you to|asked you to|already told you|already asked you to)$/.test(before) && !clause.question) || /\bhow many times (do|must|have|should|will) (i|we) (have to )?(say|tell you|ask|text|reply|write|send)( you)?( to)?$/.test(before) || /\b(told|tell|asked|ask|telling|asking|said) (you|u|yall|you guys) (to|2)$/.test(before)) {
        return { intent: 'opt_out', rule: 'revocation_phrase', matched, keyword };
      }
      // "the text said reply stop to unsubscribe": the words are quoted, not sent; "I replied stop
      // three times and you still text me" quotes them to complain, which revokes.
      if ((/\b(reply|replied|replying|texted|say|said|send|sent|type|typed|hit|press|pressed|respond|responded|text back)( with| the word)?$/.test(before) && !/\b(i|we) (said|already said|have said)$/.test(before)) || /\b(reply|replied|text|texted|say|said|send|type|typed|hit|press|pressed|respond)( with| the word)? (stop|end|quit|cancel|unsubscribe)\b/.test(clause.text)) {
        if (!prepared.question && !clause.question && /\b(still|already|again|keep|keeps|times|twice|multiple|several|many|and you|before|earlier|previously|last (time|week|month)|yesterday)\b/.test(prepared.text) && !BY_MISTAKE.test(prepared.text)) {
          return { intent: 'opt_out', rule: 'revocation_phrase', matched, keyword };
        }
        otherSense();
        continue;
      }
      // "I unsubscribed by accident, subscribe me back": tells of a mistake, asks for the texts.
      if (/\b(i|we)( have| had| just| already)?$/.test(before) && /ed$/.test(word) && BY_MISTAKE.test(prepared.text)) {
        otherSense();
        continue;
      }
      if (unambiguous && /^(did|was|am|have|has|were|why did|why was|why am|how did|how come) (i|we)\b/.test(clause.text)) {
        otherSense();
        continue;
      }
      // "Revoke my photo consent", "I revoke my earlier complaint": another thing revoked.
      if (word === 'revoke' && /^(my |the |your |all |that |this )?(photo|photos|picture|pictures|image|images|video|videos|earlier|previous|last|complaint|review|comment|card|payment|authorization to charge|offer|bid|acceptance|rsvp)\b/.test(after)) {
        otherSense();
        continue;
      }
      if (unambiguous && (/^(link|button|option|page|email|emails|url)\b/.test(after) || (/^(of|from) /.test(after) && aboutSomethingElse(after)))) {
        otherSense();
        continue;
      }
      if (!unambiguous) {
        // What it acts on: an appointment, a charge, a habit ("stop charging my card", "stop procrastinating").
        const next = afterWords[0] ?? '';
        if (/^(my |the |your |this )?(subscription|subscriptions)( please| thanks| thank you| now)*$/.test(after)) {
          return { intent: 'opt_out', rule: long ? 'keyword_in_long_message' : 'keyword_in_short_reply', matched, keyword };
        }
        if (/^(my |the |your )?(subscription|account|plan|membership)\b/.test(after) && !APPOINTMENT_TALK.test(after)) {
          toReview('uncertain_revocation');
          continue;
        }
        // "Cancel the membership and the texts": the texts are named among the objects.
        if (AND_THE_TEXTS.test(after)) {
          return { intent: 'opt_out', rule: long ? 'keyword_in_long_message' : 'keyword_in_short_reply', matched, keyword };
        }
        const gerund = (/ing$/.test(next) || /[a-z]{3,}in$/.test(next)) && !COURTESY.has(next) && !CONTACT_GERUND_WORD.test(next) && next !== 'anything' && next !== 'everything' && next !== 'nothing';
        const bare = before.replace(/\b(please|pls|plz|kindly|just|now)\b/g, ' ').replace(/\s+/g, ' ').trim();
        if (gerund && !EVERYDAY_GERUND.test(next) && word !== 'cancel' && (i === 0 || /^(|ok|so|and|oh|omg|seriously|can you|could you|would you|will you|you need to|i need you to|i want you to)$/.test(bare))) {
          // "stop wasting my time" may be about the texts; "stop procrastinating" is not: staff decide the rest.
          toReview('uncertain_revocation');
          continue;
        }
        const objectIsOther =
          aboutSomethingElse(after) ||
          OTHER_SENSE_AFTER.test(after) ||
          OTHER_SENSE_AFTER_OBJECT.test(after) ||
          gerund ||
          /^(the|my|your|a|an|his|her|our) (?!texts?|messages?|sms|alerts?|notifications?|promos?|promotions?|offers?|ads|marketing|spam|reminders?|updates?|list|number|contact)\w+/.test(after) ||
          /^(the|my|your|a|an|his|her|our|this|that|these) \w+ (s|ing)\b/.test(after);
        if (objectIsOther) {
          otherSense();
          continue;
        }
        if ((word === 'cancel' || word === 'end') && (appointmentTalk || /^\d+( \d+)?\b/.test(after))) {
          otherSense();
          continue;
        }
        if (word === 'cancel' && /^(it|that|this one|mine|them|those|please it)\b/.test(after)) {
          toReview('uncertain_revocation');
          continue;
        }
      }
      if (word === 'quit' && afterWords.length > 0 && !COURTESY.has(afterWords[0]!) && !CONTACT_GERUND_WORD.test(afterWords[0]!) && !TEXT_THINGS.test(after)) {
        otherSense();
        continue;
      }
      if (/^(by|at|in|on|over|up|of|into|for|when|where)\b/.test(after) && word === 'stop') {
        otherSense();
        continue;
      }
      if (unambiguous && /^(from|to) (your |the |our |my )?(emails?|mailing list|e mails?)\b/.test(after) && !/\b(too|also|as well|and texts|and (the )?(texts|messages))\b/.test(after)) {
        if (KEEPS_TEXTS.test(prepared.text) || /\b(by accident|accidentally|by mistake|add me back|put me back)\b/.test(prepared.text)) otherSense();
        else toReview('keyword_in_long_message');
        continue;
      }
      const addressed = before.replace(/\b(you|u) (guys|all|people|folks|lot|two)\b/g, 'you').replace(/\byall\b/g, 'you');
      const imperative =
        i === 0 ||
        /\b(need|want|asking|ask|would like|d like|am asking) (you|u) to$/.test(addressed) ||
        /^(can|could|would|will) you( please| just| kindly)*$/.test(addressed) ||
        /^you (need to|have to|can|gotta|got to)$/.test(addressed) ||
        /^(please|ok|okay|just|so|now|and|yes|yea|yeah|no|nope|nah|hi|hey|hello|sorry|thanks|then|also|kindly|plz|pls|i said|seriously|again|oh|omg|lol|dude|lady|sir|man|ugh|but|you can|can you|could you|would you|will you|you need to|you have to|i need you to|i want you to|i asked you to|i told you to|i would like you to|i d like you to|i am asking you to|i said to|now please|please just|just please|no thanks|no thank you|no thx|thanks but|never mind|nevermind|nobody cares|who cares|wow|geez|jeez|god|for the love of god|for gods sake|for the last time|once again|one more time|i said it before|i have said|i already said|please please|yo|ugh please|um|uh|hmm|well|alright|fine|ok ok|okay okay|no no|stop|quit)$/.test(before);
      const bareBefore = before.replace(/\b(please|pls|plz|kindly|just|now)\b/g, ' ').replace(/\s+/g, ' ').trim();
      const imperativeAfterCourtesy = /^(|can you|could you|would you|will you|you can|ok|so|and|i need you to|i want you to|i asked you to)$/.test(bareBefore);
      // "can't afford it STOP": the word in capitals in a text that is not all capitals is the keyword sent.
      const shouted = /^(stop|stopall|unsubscribe|quit|revoke|optout)$/.test(word) && /[a-z]/.test(raw) && new RegExp(`(^|[^A-Za-z])${word === 'optout' ? 'OPT ?OUT' : word.toUpperCase()}([^A-Za-z]|$)`).test(raw);
      const wantsTo = WANTS_TO.test(before ? `${before} ` : '') || (unambiguous && /^(can|could|may) i$|^(i|we) (would|d) like to$|^how (do|can) i$/.test(before));
      const exclamation = afterWords.every((w) => COURTESY.has(w)) && !OTHER_SENSE_BEFORE.test(before) && !/\b(next|last|first|final|nearest|each|every|bus|train|pit|full|one|non|truck|rest|that|this)$/.test(before);
      // "Who the hell is this stop": a hostile question, then the keyword as a sentence of its own.
      const hostileTail = clause.question && i === words.length - span && !/\?/.test(raw) && /\b(hell|fuck|fucking|f|damn|heck)\b/.test(before) && !OTHER_SENSE_BEFORE.test(before.replace(/\b(this|that)$/, ''));
      if (hostileTail) return { intent: 'opt_out', rule: 'keyword_in_short_reply', matched, keyword };
      if (imperative || imperativeAfterCourtesy || wantsTo || shouted || (exclamation && !clause.question)) {
        if (clause.question && !REQUEST_QUESTION.test(clause.text)) {
          toReview('keyword_in_question');
          continue;
        }
        // "Cancel please" is the FCC word; "I want to cancel" may mean the appointment: staff decide.
        if (!unambiguous && wantsTo && (word === 'cancel' || word === 'end')) {
          toReview('uncertain_revocation');
          continue;
        }
        // "Oh stop, you're too sweet 😂": said in fun; a person reads it either way, so staff decide.
        if (!unambiguous && (playful || KEEN.test(prepared.text)) && (word === 'stop' || word === 'quit')) {
          if (KEEN.test(prepared.text)) otherSense();
          else toReview('uncertain_revocation');
          continue;
        }
        return { intent: 'opt_out', rule: long ? 'keyword_in_long_message' : 'keyword_in_short_reply', matched, keyword };
      }
      // "I would like the text messages to stop", "asking for texts to stop": the texts stop.
      if (word === 'stop' || word === 'end') {
        const subject = TEXTS_AS_SUBJECT.exec(before);
        if (subject && (subject[2] || /\b(want|like|need|asking|ask|request|wish|please|make|can)\b/.test(before)) && !/\b(swelling|pain|bleeding|itch|redness|bruising|heaviness|drooping|it to)$/.test(before.replace(/ to$/, ''))) {
          if (subject[1] !== 'it' || /\b(texts?|messages?|sms|alerts?|this number)\b/.test(prepared.text)) {
            return { intent: 'opt_out', rule: 'revocation_phrase', matched, keyword };
          }
        }
      }
      // "Can I cancel?": the person asks to, of what is not said (the appointment, or the texts).
      if (/^(can|could|may|should) (i|we)$|^how (do|can) (i|we)$/.test(before)) {
        toReview('keyword_in_question');
        continue;
      }
      // "I quit!!!", "we're done, end": said of the texts when nothing else follows in a short reply.
      if (/^(i|we|ok i|so i)$/.test(before) && afterWords.every((w) => COURTESY.has(w)) && prepared.words.length <= 4 && !clause.question) {
        return { intent: 'opt_out', rule: 'keyword_in_short_reply', matched, keyword };
      }
      const otherSubject = OTHER_SENSE_BEFORE.test(before) || /\b(next|last|first|final|nearest|each|every|bus|train|pit|full|truck|rest)$/.test(before);
      if (unambiguous) {
        if (clause.question) toReview('keyword_in_question');
        else if (/\b(i|we)( have| already| just)? (unsubscribed|already unsubscribed)\b/.test(clause.text) && !BY_MISTAKE.test(prepared.text)) return { intent: 'opt_out', rule: 'keyword_in_long_message', matched, keyword };
        else if (otherSubject && !/\b(i|we)$/.test(before)) toReview('keyword_in_long_message');
        else return { intent: 'opt_out', rule: long ? 'keyword_in_long_message' : 'keyword_in_short_reply', matched, keyword };
        continue;
      }
      if (otherSubject) {
        otherSense();
        continue;
      }
      if (clause.question) {
        toReview('keyword_in_question');
        continue;
      }
      toReview(long ? 'keyword_in_long_message' : 'uncertain_revocation');
    }
  }
  if (review && sawOtherSense && negatedKeywords.has(review.keyword ?? '')) return sawOtherSense;
  return review ?? sawOtherSense;
}

function guessLanguage(text: string, upper: string): Language {
  if (/\p{Script=Han}/u.test(text)) return 'zh';
  if (/\p{Script=Hangul}/u.test(text)) return 'ko';
  if (/\p{Script=Arabic}/u.test(text)) return 'ar';
  if (/\p{Script=Cyrillic}/u.test(text) && !/\p{Script=Latin}/u.test(text)) return 'ru';
  const lower = upper.toLowerCase();
  if (/\p{Script=Latin}/u.test(text) && /[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/iu.test(text)) return 'vi';
  for (const language of ['es', 'fr', 'pt', 'ht', 'tl', 'vi'] as const) {
    const marker = FOREIGN_LEXICONS[language].marker;
    if (marker && marker.test(lower)) return language;
  }
  return 'en';
}
