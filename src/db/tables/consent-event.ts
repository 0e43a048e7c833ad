import type { Generated, Insertable, Selectable } from 'kysely';

export type ConsentStatus = 'unknown' | 'opted_in' | 'opted_out';
export type ConsentEventType = 'opt_in' | 'opt_out';
export type ConsentChannel =
  | 'sms_keyword'
  | 'twilio_advanced_opt_out'
  | 'api'
  | 'email'
  | 'phone_call'
  | 'web'
  | 'staff'
  | 'carrier'
  | 'import';

/** Append-only: rows are inserted, never updated or deleted (erasure aside, a later issue). */
export interface ConsentEventTable {
  id: Generated<number>;
  phone: string;
  event_type: ConsentEventType;
  previous_status: ConsentStatus;
  /** The state the number is in after this event. */
  status: Exclude<ConsentStatus, 'unknown'>;
  /** JSON array of the categories consented to after this event. */
  categories: string;
  channel: ConsentChannel;
  /** The keyword or rule that matched an inbound text, if any. */
  keyword: string | null;
  raw_text: string | null;
  message_sid: string | null;
  /** JSON object: what proves the event (consent text shown, form URL, IP, user agent…). */
  evidence: string;
  actor: string;
  occurred_at: string;
  recorded_at: string;
}

export type ConsentEventRow = Selectable<ConsentEventTable>;
export type NewConsentEvent = Insertable<ConsentEventTable>;
