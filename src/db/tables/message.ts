import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Category } from '../../consent/categories';

/** Our own status before Twilio answers, Twilio's statuses after, and our refusals. */
export type MessageStatus =
  | 'pending'
  /**
   * Handed to the transport, which gave no answer (timeout, reset, 5xx) or the gateway stopped
   * before it did: the text may have left. Holds its cap slot; settled by a status callback or
   * the reconciliation (src/sending/reconcile.ts), never by sending again.
   */
  | 'unknown'
  | 'claimed'
  | 'refused'
  | 'canceled'
  | 'accepted'
  | 'scheduled'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'read'
  | 'receiving'
  | 'received';

export type MessageKind = 'send' | 'opt_out_confirmation';

export interface MessageTable {
  id: string;
  /** A guarded send, or the one confirmation of an opt-out received outside SMS. */
  kind: Generated<MessageKind>;
  /** Fingerprint of the API key: idempotency keys are scoped to it. */
  api_key_id: string;
  actor: string;
  idempotency_key: string | null;
  /** SHA-256 of the request, to refuse an idempotency key reused for another request. */
  request_hash: string;
  phone: string;
  category: Category;
  /** As sent, opt-out language included. */
  body: string;
  status: MessageStatus;
  refusal_code: string | null;
  /** 1 when this message takes one of the number's monthly slots. */
  counts_toward_cap: number;
  /** YYYY-MM in the program's time zone. */
  cap_month: string;
  /** 1 when a send that never reached the person gave its slot back. */
  cap_released: number;
  transport: 'twilio' | 'outbox' | 'none';
  twilio_sid: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  /**
   * When the decision that let this text leave (or refused it) was made: the request for an
   * immediate send, the scheduler's release for a scheduled one. Daily limits count from it.
   */
  decided_at: string;
  /** For a scheduled send: the instant it becomes allowed (quiet hours, daily limits). */
  send_after: string | null;
  /** When a scheduler worker took it: a claim older than a few minutes is taken again. */
  claimed_at: string | null;
}

export type MessageRow = Selectable<MessageTable>;
export type NewMessage = Insertable<MessageTable>;
export type MessageUpdate = Updateable<MessageTable>;
