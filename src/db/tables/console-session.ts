import type { Selectable } from 'kysely';

/**
 * A staff member signed in to the compliance console with an API key. The cookie holds a random
 * session id; only its SHA-256 is stored, so reading this table does not let anyone sign in. The
 * API key itself is never stored: its fingerprint names it, and its scopes are read from the
 * configuration on every request (a key removed from API_KEYS ends its sessions).
 */
export interface ConsoleSessionTable {
  id_hash: string;
  /** The token every form of this session carries (CSRF). */
  csrf_token: string;
  /** The key's fingerprint (`key-…`, src/auth/api-keys.ts). */
  key_id: string;
  key_label: string;
  created_at: string;
  last_seen_at: string;
  /** Idle expiry, never past created_at + the maximum session length. */
  expires_at: string;
  /** Set by sign-out. */
  ended_at: string | null;
}

export type ConsoleSessionRow = Selectable<ConsoleSessionTable>;
