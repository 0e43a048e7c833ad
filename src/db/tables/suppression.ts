import type { Selectable } from 'kysely';

/**
 * What survives an erasure request: a keyed hash of the number (never the number), so the number
 * stays blocked from every send without the ledger keeping who it was.
 */
export interface SuppressionTable {
  phone_hash: string;
  reason: 'erasure';
  actor: string;
  note: string | null;
  /** JSON: how many rows of each table were redacted. */
  redacted: string;
  created_at: string;
  /** Set when the person opts in again afresh (START, or an opt-in captured after the erasure). */
  lifted_at: string | null;
  lifted_reason: string | null;
}

export type SuppressionRow = Selectable<SuppressionTable>;
