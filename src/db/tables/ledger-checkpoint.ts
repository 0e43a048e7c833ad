import type { Generated, Selectable } from 'kysely';

/**
 * A signed statement "the hash chain up to event last_event_id holds event_count events and ends
 * in chain_head" (src/consent/checkpoints.ts). Inserted, never updated.
 */
export interface LedgerCheckpointTable {
  id: Generated<number>;
  last_event_id: number;
  event_count: number;
  chain_head: string;
  signed_at: string;
  /** Which public key verifies it (src/consent/signing-key.ts). */
  key_id: string;
  /** Base64 Ed25519 signature over the checkpoint's canonical encoding. */
  signature: string;
}

export type LedgerCheckpointRow = Selectable<LedgerCheckpointTable>;
