import { hash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const SCOPES = ['send', 'ledger.read', 'ledger.write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  /** A stable fingerprint of the secret: scopes idempotency keys; safe to store and log. */
  id: string;
  /** SHA-256 of the secret: the secret itself is not kept in memory after parsing. */
  secretDigest: Buffer;
  scopes: ReadonlySet<Scope>;
  /** Recorded as the actor in the ledger. */
  label: string;
  /** Requests per minute for this key (null: unlimited); undefined: API_RATE_LIMIT_PER_MINUTE applies. */
  rateLimitPerMinute?: RateLimitPerMinute;
}

/** Requests per minute; null means unlimited (`off`). */
export type RateLimitPerMinute = number | null;

const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000_000;

/** `off`, or a whole number of requests per minute (1 or more); undefined when neither. */
export function parseRateLimit(raw: string): RateLimitPerMinute | undefined {
  const value = raw.trim().toLowerCase();
  if (value === 'off') return null;
  if (!/^\d{1,10}$/.test(value)) return undefined;
  const perMinute = Number(value);
  return perMinute >= 1 && perMinute <= MAX_RATE_LIMIT_PER_MINUTE ? perMinute : undefined;
}

export const rateLimitSchema = z.string().transform((raw, ctx): RateLimitPerMinute => {
  const parsed = parseRateLimit(raw);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be "off" or requests per minute, 1 to ${MAX_RATE_LIMIT_PER_MINUTE}` });
    return z.NEVER;
  }
  return parsed;
});

const MIN_SECRET_LENGTH = 16;

function digest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

export function fingerprint(secret: string): string {
  return `key-${digest(secret).toString('hex').slice(0, 8)}`;
}

/**
 * Parses `SECRET:SCOPES[:LABEL[:RATE]],…` where SCOPES are joined by `+` and RATE is requests per
 * minute or `off` (an empty LABEL before a RATE keeps the default label).
 * Throws with a message that never contains a secret.
 */
export function parseApiKeys(raw: string): ApiKey[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const keys: ApiKey[] = [];
  entries.forEach((entry, index) => {
    const [secret = '', scopeList = '', rawLabel, rawRate, ...rest] = entry.split(':');
    const position = `entry ${index + 1}`;
    if (rest.length > 0) throw new Error(`${position} has more than SECRET:SCOPES:LABEL:RATE`);
    const label = rawRate !== undefined && rawLabel === '' ? undefined : rawLabel;
    const rateLimitPerMinute = rawRate === undefined ? undefined : parseRateLimit(rawRate);
    if (rawRate !== undefined && rateLimitPerMinute === undefined) {
      throw new Error(`${position}: the rate limit must be "off" or requests per minute (a whole number from 1)`);
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`${position}: the secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    const scopes = scopeList.split('+').filter(Boolean);
    if (scopes.length === 0) throw new Error(`${position}: at least one scope is required`);
    for (const scope of scopes) {
      if (!(SCOPES as readonly string[]).includes(scope)) {
        throw new Error(`${position}: unknown scope "${scope}" (known: ${SCOPES.join(', ')})`);
      }
    }
    if (label !== undefined && !/^[\w.@-]{1,64}$/.test(label)) {
      throw new Error(`${position}: the label may only hold letters, digits, . _ @ - (at most 64)`);
    }
    keys.push({
      id: fingerprint(secret),
      secretDigest: digest(secret),
      scopes: new Set(scopes as Scope[]),
      label: label ?? fingerprint(secret),
      ...(rateLimitPerMinute !== undefined ? { rateLimitPerMinute } : {}),
    });
  });
  const seen = new Set<string>();
  for (const key of keys) {
    const hex = key.secretDigest.toString('hex');
    if (seen.has(hex)) throw new Error('the same secret is listed twice');
    seen.add(hex);
  }
  return keys;
}

/** Compares against every key in constant time per key, so timing does not reveal which matched. */
export function findApiKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const presentedDigest = digest(presented);
  let match: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.secretDigest, presentedDigest)) match = key;
  }
  return match;
}

export function hasScope(key: ApiKey, scope: Scope): boolean {
  return key.scopes.has('admin') || key.scopes.has(scope);
}
