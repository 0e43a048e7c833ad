import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { InvalidPhoneError } from './errors';

const MAX_PHONE_INPUT = 64;

/**
 * Normalises any parseable format ("(415) 555-0134", "+1 415 555 0134", "tel:+14155550134",
 * "%2B14155550134" already decoded by express) to E.164. Numbers without a country code are
 * read as US numbers: the program serves US carriers only.
 */
export function parsePhone(input: string, defaultCountry: CountryCode = 'US'): ParsedPhone | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_PHONE_INPUT) return undefined;
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
