import { stripInvisible, withoutPictographs } from './normalise';

/**
 * An inbound text cut into what the rules reason about: clauses (split at sentence punctuation,
 * commas, line breaks and "but"), each a list of lower-case canonical words. Canonical means:
 * letters split from digits ("stop2end" -> stop 2 end), letters stretched three times or more
 * shrunk ("stoppp" -> stop, "pleeease" -> please), apostrophes closed up and contractions spelt
 * out ("don't" -> do not, "I'm" -> i am), and texting shorthand written out ("pls" -> please,
 * "txt" -> text, "u" -> you, "#" -> number). Pure and deterministic.
 */
export interface Clause {
  words: readonly string[];
  /** The words joined by single spaces, what the phrase rules match against. */
  text: string;
  /** It ends with a question mark, or opens the way a question does. */
  question: boolean;
}

export interface PreparedText {
  clauses: readonly Clause[];
  /** Every clause's words, in order. */
  words: readonly string[];
  /** All words joined by single spaces. */
  text: string;
  question: boolean;
}

const CONTRACTIONS: Record<string, string> = {
  dont: 'do not', doesnt: 'does not', didnt: 'did not', cant: 'can not', cannot: 'can not',
  wont: 'will not', wouldnt: 'would not', shouldnt: 'should not', couldnt: 'could not', isnt: 'is not',
  arent: 'are not', wasnt: 'was not', werent: 'were not', havent: 'have not', hasnt: 'has not', aint: 'am not',
  im: 'i am', ive: 'i have', id: 'i would', youd: 'you would', youre: 'you are', youve: 'you have', youll: 'you will',
  theyre: 'they are', theres: 'there is', heres: 'here is', wheres: 'where is', whatre: 'what are', ill: 'i will', thats: 'that is', whats: 'what is', hows: 'how is', whos: 'who is', its: 'it is', lets: 'let us',
  wanna: 'want to', gonna: 'going to', gotta: 'got to', lemme: 'let me', gimme: 'give me', dnt: 'do not',
  idk: 'i do not know', idc: 'i do not care', idgaf: 'i do not care',
};

/** Texting shorthand, one word for one word. */
const SHORTHAND: Record<string, string> = {
  pls: 'please', plz: 'please', plse: 'please', pleas: 'please', pleaze: 'please', plez: 'please', pleez: 'please',
  u: 'you', ya: 'you', yu: 'you', ur: 'your', yr: 'your', r: 'are', n: 'and', b4: 'before',
  txt: 'text', txts: 'texts', txting: 'texting', txtn: 'texting', txted: 'texted', tx: 'text', tex: 'text',
  msg: 'message', msgs: 'messages', msging: 'messaging', msgin: 'messaging', textin: 'texting', txtng: 'texting', textn: 'texting', textng: 'texting', mssg: 'message', mssgs: 'messages', messeges: 'messages', mesages: 'messages',
  thx: 'thanks', thnx: 'thanks', tnx: 'thanks', ty: 'thanks', tks: 'thanks', thanx: 'thanks', tysm: 'thanks',
  num: 'number', nbr: 'number', nmbr: 'number',
  k: 'ok', kk: 'ok', okay: 'ok', okey: 'ok', okk: 'ok',
  appt: 'appointment', appts: 'appointments', apt: 'appointment',
  anymore: 'any more', nomore: 'no more', unsub: 'unsubscribe',
};

const QUESTION_OPENERS = new Set([
  'can', 'could', 'how', 'what', 'when', 'where', 'why', 'which', 'who', 'is', 'are', 'do', 'does', 'did', 'should',
  'will', 'would', 'may', 'am', 'puedo', 'como', 'cuando', 'que', 'por', 'comment', 'quand', 'pourquoi', 'est',
]);

// A dash between spaces ends a clause too: "STOP - this is a business line".
const CLAUSE_BREAK = /[.!?;:\n\r,()]+|\s[-–—]+\s|\s(?:but|pero|mais)\s/gi;

function canonicalWords(fragment: string): string[] {
  let spelt = fragment.replace(/#/g, ' number ').replace(/&/g, ' and ');
  if (/["”]/.test(spelt)) spelt = spelt.replace(/(\p{L})["”](t|s|m|re|ll|ve|d)\b/giu, '$1$2');
  spelt = withoutPictographs(spelt.replace(/['’‘`´]/g, ''));
  if (!/[^\x00-\x7f]/.test(spelt)) return asciiWords(spelt);
  // Diacritics off (people drop them).
  spelt = spelt
    .replace(/[đĐ]/g, 'd')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    // Letters and digits split: "stop2end", "2day", "call4free".
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .replace(/(\p{N})(\p{L})/gu, '$1 $2');
  const out: string[] = [];
  for (const raw of spelt.split(/[^\p{L}\p{N}]+/u)) {
    if (raw === '') continue;
    pushExpanded(out, raw.replace(/(\p{L})\1{2,}/gu, '$1'));
  }
  return out;
}

/** Contractions and shorthand, spelt out: one lookup per word. */
const EXPANSIONS = new Map<string, readonly string[]>([
  ...Object.entries(SHORTHAND).map(([k, v]) => [k, v.split(' ')] as const),
  ...Object.entries(CONTRACTIONS).map(([k, v]) => [k, v.split(' ')] as const),
]);

function pushExpanded(out: string[], word: string): void {
  const expanded = EXPANSIONS.get(word);
  if (expanded) for (const w of expanded) out.push(w);
  else out.push(word);
}

/** The same as the Unicode path, for ASCII text, with ASCII classes (several times faster in V8). */
function asciiWords(spelt: string): string[] {
  const out: string[] = [];
  const lower = spelt.toLowerCase().replace(/([a-z])([0-9])/g, '$1 $2').replace(/([0-9])([a-z])/g, '$1 $2');
  for (const raw of lower.split(/[^a-z0-9]+/)) {
    if (raw === '') continue;
    pushExpanded(out, raw.length > 2 ? raw.replace(/([a-z])\1{2,}/g, '$1') : raw);
  }
  return out;
}

/** `normalised`: the caller has already removed invisible characters and applied NFKC. */
export function prepareText(text: string, normalised = false): PreparedText {
  const plain = normalised ? text : stripInvisible(text).normalize('NFKC');
  const clauses: Clause[] = [];
  const pieces = plain.split(CLAUSE_BREAK);
  // Which piece ended with a question mark: find each piece's end in the text.
  let cursor = 0;
  for (const piece of pieces) {
    const at = piece === '' ? cursor : plain.indexOf(piece, cursor);
    const end = at + piece.length;
    cursor = end;
    const words = canonicalWords(piece);
    if (words.length === 0) continue;
    const after = plain.slice(end, end + 4);
    // "Do not call" and "will not" open commands, not questions.
    const question = /^[^a-zA-Z0-9]*\?/.test(after) || (QUESTION_OPENERS.has(words[0]!) && words[1] !== 'not');
    clauses.push({ words, text: words.join(' '), question });
  }
  const words = clauses.flatMap((c) => c.words);
  const question = /\?[^a-zA-Z0-9]*$/.test(plain) || (clauses.length > 0 && clauses.every((c) => c.question));
  return { clauses, words, text: words.join(' '), question };
}
