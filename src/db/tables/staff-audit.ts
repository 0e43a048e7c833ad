import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * One row per read or action a staff member made in the compliance console: who (the key's label
 * and fingerprint), what, which number (E.164; an erasure replaces it with the erased placeholder),
 * when, and how it ended. Inserted, never updated, except by an erasure.
 */
export interface StaffAuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  key_id: string;
  /** `number.view`, `number.opt_out`, `review.resolve`, `list.refusals.csv`… */
  action: string;
  phone: string | null;
  /** `ok`, or the error code that stopped it. */
  outcome: string;
  /** JSON: filters, channel, resolution… never free text a person wrote. */
  detail: string | null;
}

export type StaffAuditRow = Selectable<StaffAuditTable>;
export type NewStaffAudit = Insertable<StaffAuditTable>;
