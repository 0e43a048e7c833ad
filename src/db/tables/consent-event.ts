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
  /** SHA-256 of the canonical encoding of this event's content (src/consent/chain.ts). */
  content_digest: string | null;
  /** SHA-256(previous event's chain_hash + content_digest): any edit or deletion breaks it. */
  chain_hash: string | null;
  /** Set when an erasure request redacted this event's personal data (the digests stay). */
  erased_at: string | null;
}

export type ConsentEventRow = Selectable<ConsentEventTable>;
export type NewConsentEvent = Insertable<ConsentEventTable>;
