import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';
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
  if (NANP_E164.test(input)) {
    const known = nanpPrefixes.get(input.slice(0, NANP_PREFIX_LENGTH));
    if (known) return { e164: input, country: known };
  }
  const cached = parsedCache.get(input);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parseUncached(input, defaultCountry);
  if (parsed && parsed.e164 === input && parsed.country && PREFIX_DETERMINED_REGIONS.has(parsed.country)) {
    if (nanpPrefixes.size >= NANP_PREFIX_CACHE_SIZE) nanpPrefixes.clear();
    nanpPrefixes.set(input.slice(0, NANP_PREFIX_LENGTH), parsed.country);
    return parsed;
  }
  // Cleared whole when full: evicting one by one from a Map that large costs more than it saves.
  if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.clear();
  parsedCache.set(input, parsed ?? null);
  return parsed;
}

/**
 * A list of a million numbers has a million distinct inputs, so the cache above never hits on
 * an import or a first check. But in the North American plan, whether a number is valid and
 * which region it belongs to depends, for most regions, only on its first six digits (area code
 * and exchange): every pattern those regions' metadata holds ends in at least four free digits.
 * Those regions are found in the metadata itself (a region whose patterns look further is left
 * out: today Barbados and Jamaica), and a valid number of one of them vouches for its whole
 * exchange. Region detection is decided by six digits at most as well, since every region with
 * longer patterns is picked out by its leading digits first (checked below, else no prefix is
 * trusted at all). test/unit/phone.test.ts checks both claims against libphonenumber for every
 * area code.
 */
const NANP_E164 = /^\+1\d{10}$/;
const NANP_PREFIX_LENGTH = 8; // "+1" and six digits
const NANP_PREFIX_CACHE_SIZE = 200_000;
const nanpPrefixes = new Map<string, string>();

/**
 * The NANP regions whose number-type patterns leave the last four digits free; empty (no prefix
 * cache at all) if a region with longer patterns could be chosen by its patterns rather than by
 * short leading digits, since region detection would then depend on the last digits too.
 */
export const PREFIX_DETERMINED_REGIONS: ReadonlySet<string> = prefixDeterminedRegions(metadata);

/** Compressed libphonenumber metadata, as far as read here. */
interface NanpMetadata {
  country_calling_codes: Record<string, string[] | undefined>;
  countries: Record<string, unknown>;
}

export function prefixDeterminedRegions(source: NanpMetadata): Set<string> {
  // Index 10 of a region holds its leading digits, index 11 its number types.
  const countries = source.countries as Record<string, unknown[] | undefined>;
  const regions = source.country_calling_codes['1'] ?? [];
  const suffixFree = (region: string) => {
    const types = countries[region]?.[11] as ([string] | 0 | undefined)[] | undefined;
    return !!types && types.every((type) => !type || !type[0] || topLevelAlternatives(type[0]).every((alt) => freeTrailingDigits(alt) >= 4));
  };
  const pickedByShortLeadingDigits = (region: string) => {
    const leading = countries[region]?.[10];
    return typeof leading === 'string' && topLevelAlternatives(leading).every((alt) => /^(\d|\[[\d-]+\])+$/.test(alt) && alt.replace(/\[[\d-]+\]/g, 'x').length <= 6);
  };
  if (regions.some((region) => !suffixFree(region) && !pickedByShortLeadingDigits(region))) return new Set();
  return new Set(regions.filter(suffixFree));
}

function topLevelAlternatives(pattern: string): string[] {
  const alternatives: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      current += ch + (pattern[++i] ?? '');
      continue;
    }
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === '|' && depth === 0) {
      alternatives.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  alternatives.push(current);
  return alternatives;
}

/** N when an alternative ends in "\d{N}" (any N digits), else 0. */
function freeTrailingDigits(alternative: string): number {
  const match = /\\d\{(\d+)\}$/.exec(alternative);
  return match ? Number(match[1]) : 0;
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
