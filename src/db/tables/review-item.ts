import type { Generated, Selectable } from 'kysely';

export type ReviewStatus = 'pending' | 'revocation' | 'not_revocation';

/** An inbound text that may be a revocation, waiting for (or resolved by) a staff member. */
export interface ReviewItemTable {
  id: Generated<number>;
  phone: string;
  message_sid: string;
  body: string;
  rule: string;
  matched: string | null;
  language: string;
  status: ReviewStatus;
  resolved_by: string | null;
  resolved_at: string | null;
  note: string | null;
  created_at: string;
}

export type ReviewItemRow = Selectable<ReviewItemTable>;
