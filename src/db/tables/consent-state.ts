import type { Insertable, Selectable } from 'kysely';
import type { ConsentChannel, ConsentStatus } from './consent-event';

/**
 * The current state of each number, derived from consent_events and written in the same
 * transaction as the event that changes it.
 */
export interface ConsentStateTable {
  phone: string;
  status: Exclude<ConsentStatus, 'unknown'>;
  /** JSON array. Kept through an opt-out so that an opt-in keyword restores what was held before. */
  categories: string;
  last_event_id: number;
  last_channel: ConsentChannel;
  updated_at: string;
}

export type ConsentStateRow = Selectable<ConsentStateTable>;
export type NewConsentState = Insertable<ConsentStateTable>;
