/**
 * Reduces an inbound text to the form keywords are matched against: Unicode NFKC, diacritics
 * removed, upper case, every run of non-letters/digits (punctuation, quotes, emoji, hyphens,
 * whitespace) collapsed to one space, trimmed. "“Opt-Out!” 🙏" becomes "OPT OUT".
 */
export function normaliseForKeywords(text: string): string {
  return text
    .normalize('NFKC')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The same text with its spaces removed, so "OPT OUT", "STOP ALL" and "UN-STOP" match too. */
export function compact(normalised: string): string {
  return normalised.replace(/ /g, '');
}
