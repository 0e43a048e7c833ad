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
  /**
   * Its place among the checkpoints, 1, 2, 3… (signed); NULL for a checkpoint signed before
   * migration 014 (version 1 of the signed bytes).
   */
  sequence: number | null;
  /** SHA-256 of the previous checkpoint's signature, or the genesis value for the first (signed); NULL as above. */
  previous_link: string | null;
}

export type LedgerCheckpointRow = Selectable<LedgerCheckpointTable>;
