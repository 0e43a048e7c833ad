import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { InvalidPhoneError } from './errors';

const MAX_PHONE_INPUT = 64;

/**
 * Normalises any parseable format ("(415) 555-0134", "+1 415 555 0134", "tel:+14155550134",
 * "%2B14155550134" already decoded by express) to E.164. Numbers without a country code are
 * read as US numbers: the program serves US carriers only.
 */
export function toE164(input: string, defaultCountry: CountryCode = 'US'): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_PHONE_INPUT) return undefined;
  const cleaned = input.trim().replace(/^tel:/i, '');
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}

export function requireE164(input: string): string {
  const e164 = toE164(input);
  if (!e164) throw new InvalidPhoneError(String(input));
  return e164;
}
