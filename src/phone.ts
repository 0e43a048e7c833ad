import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { InvalidPhoneError } from './errors';

const MAX_PHONE_INPUT = 64;

/**
 * Normalises any parseable format ("(415) 555-0134", "+1 415 555 0134", "tel:+14155550134",
 * "%2B14155550134" already decoded by express) to E.164. Numbers without a country code are
 * read as US numbers: the program serves US carriers only.
 */
/** Parsing with full metadata costs ~15 µs; lists are checked and sent to again and again. */
const parsedCache = new Map<string, ParsedPhone | null>();
const PARSED_CACHE_SIZE = 100_000;

export function parsePhone(input: string, defaultCountry: CountryCode = 'US'): ParsedPhone | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_PHONE_INPUT) return undefined;
  if (defaultCountry !== 'US') return parseUncached(input, defaultCountry);
  const cached = parsedCache.get(input);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parseUncached(input, defaultCountry);
  // Cleared whole when full: evicting one by one from a Map that large costs more than it saves.
  if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.clear();
  parsedCache.set(input, parsed ?? null);
  return parsed;
}

function parseUncached(input: string, defaultCountry: CountryCode): ParsedPhone | undefined {
  const cleaned = input.trim().replace(/^tel:/i, '');
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry);
  if (!parsed || !parsed.isValid()) return undefined;
  return { e164: parsed.number, country: parsed.country ?? null };
}

export interface ParsedPhone {
  e164: string;
  /** ISO 3166 code of the number's region (PR, GU… for US territories), when known. */
  country: string | null;
}

export function toE164(input: string, defaultCountry: CountryCode = 'US'): string | undefined {
  return parsePhone(input, defaultCountry)?.e164;
}

export function requireE164(input: string): string {
  return requirePhone(input).e164;
}

export function requirePhone(input: string): ParsedPhone {
  const parsed = parsePhone(input);
  if (!parsed) throw new InvalidPhoneError(String(input));
  return parsed;
}
