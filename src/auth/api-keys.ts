import { hash, timingSafeEqual } from 'node:crypto';

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
}

const MIN_SECRET_LENGTH = 16;

function digest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

export function fingerprint(secret: string): string {
  return `key-${digest(secret).toString('hex').slice(0, 8)}`;
}

/**
 * Parses `SECRET:SCOPES[:LABEL],…` where SCOPES are joined by `+`.
 * Throws with a message that never contains a secret.
 */
export function parseApiKeys(raw: string): ApiKey[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const keys: ApiKey[] = [];
  entries.forEach((entry, index) => {
    const [secret = '', scopeList = '', label, ...rest] = entry.split(':');
    const position = `entry ${index + 1}`;
    if (rest.length > 0) throw new Error(`${position} has more than SECRET:SCOPES:LABEL`);
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
