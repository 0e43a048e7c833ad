import { CONFUSABLE_FROM, CONFUSABLE_TO } from './confusables';

/**
 * Characters that change how a text is displayed but not what it says: zero-width spaces and
 * joiners, the soft hyphen, the word joiner, the byte-order mark, and the bidirectional controls
 * (a right-to-left override can make "POTS" display as "STOP"; the person saw STOP, so we read
 * the letters in the order they were typed, which is what they saw reversed back).
 */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/gu;
const RIGHT_TO_LEFT_OVERRIDE = /\u202e([^\u202a-\u202e\u2066-\u2069]*)/gu;

/** Removes invisible characters; a right-to-left override's run is reversed as it was displayed. */
export function stripInvisible(text: string): string {
  return text
    .replace(RIGHT_TO_LEFT_OVERRIDE, (_whole, run: string) => Array.from(run).reverse().join(''))
    .replace(INVISIBLE, '');
}

/**
 * Reduces an inbound text to the form keywords are matched against: Unicode NFKC, invisible
 * characters dropped, diacritics removed, upper case, every run of non-letters/digits
 * (punctuation, quotes, emoji, hyphens, whitespace) collapsed to one space, trimmed.
 * "“Opt-Out!” 🙏" becomes "OPT OUT".
 */
/**
 * Letters drawn with symbols, which NFKC leaves alone: regional indicators (🇸 🇹 🇴 🇵), negative
 * circled and squared letters (🅢 🆂), circles for O (st○p), and small capitals (ꜱᴛᴏᴘ).
 */
const SMALL_CAPITALS = 'ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ';
const SMALL_CAPITAL_LETTERS = 'abcdefghijklmnopqrstuvwyz';
const SYMBOL_LETTER = /[\u{1F1E6}-\u{1F1FF}\u{1F150}-\u{1F169}\u{1F170}-\u{1F189}\u25CB\u25EF\u25CF\u2B55ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ]/u;
function symbolLetters(text: string): string {
  if (!SYMBOL_LETTER.test(text)) return text;
  return text
    .replace(/[\u{1F1E6}-\u{1F1FF}]/gu, (c) => String.fromCharCode(65 + c.codePointAt(0)! - 0x1f1e6))
    .replace(/[\u{1F150}-\u{1F169}]/gu, (c) => String.fromCharCode(65 + c.codePointAt(0)! - 0x1f150))
    .replace(/[\u{1F170}-\u{1F189}]/gu, (c) => String.fromCharCode(65 + c.codePointAt(0)! - 0x1f170))
    .replace(/[\u25CB\u25EF\u25CF\u2B55]/gu, 'o')
    .replace(/[ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ]/gu, (c) => SMALL_CAPITAL_LETTERS[SMALL_CAPITALS.indexOf(c)]!);
}

export function normaliseForKeywords(text: string): string {
  const expanded = symbolLetters(stripInvisible(text)).normalize('NFKC');
  // Past 4,000 characters only the ends can hold a whole-message keyword or show the language.
  const plain = expanded.length > 4000 ? `${expanded.slice(0, 2000)} ${expanded.slice(-2000)}` : expanded;
  // Most texts are ASCII once emoji are set aside: that path avoids the Unicode-class regexes.
  const ascii = withoutPictographs(plain);
  if (!/[^\x00-\x7f]/.test(ascii)) return ascii.toUpperCase().replace(/[^A-Z0-9]+/g, ' ').trim();
  return plain
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Emoji and other pictographs (and their joiners and selectors) as spaces: they carry no letters. */
const PICTOGRAPHS = /[\u{1F000}-\u{1FAFF}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}\u{FE00}-\u{FE0F}\u{200D}\u{20E3}\u{E0020}-\u{E007F}]/gu;
export function withoutPictographs(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? text.replace(PICTOGRAPHS, ' ') : text;
}

/** The same text with its spaces removed, so "OPT OUT", "STOP ALL" and "UN-STOP" match too. */
export function compact(normalised: string): string {
  return normalised.replace(/ /g, '');
}

const confusable = new Map<string, string>();
{
  const from = Array.from(CONFUSABLE_FROM);
  const to = Array.from(CONFUSABLE_TO);
  from.forEach((char, i) => confusable.set(char, to[i]!));
}

/**
 * The UTS #39 skeleton, restricted to ASCII prototypes: every character that looks like an ASCII
 * letter or digit becomes it ("ЅТОР" written in Cyrillic reads "STOP"). Applied to a text that
 * is already NFKC and without diacritics, so only true lookalikes remain to map.
 */
export function latinSkeleton(text: string): string {
  let out = '';
  for (const char of text) out += confusable.get(char) ?? char;
  return out;
}

/** Whether a word mixes Latin letters with letters of another script (a lookalike spelling). */
export function mixesScripts(word: string): boolean {
  return /\p{Script=Latin}/u.test(word) && /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Cherokee}]/u.test(word);
}
