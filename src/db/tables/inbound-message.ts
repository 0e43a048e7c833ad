import type { Generated, Insertable, Selectable } from 'kysely';

export type InboundIntent = 'opt_out' | 'opt_in' | 'help' | 'needs_review' | 'none';
export type ReplyKind = 'opt_out_confirmation' | 'opt_in_confirmation' | 'help';

/** Every inbound text, once per MessageSid; the stored reply answers Twilio's retries. */
export interface InboundMessageTable {
  id: Generated<number>;
  message_sid: string;
  phone: string;
  to_number: string | null;
  account_sid: string | null;
  body: string;
  opt_out_type: string | null;
  intent: InboundIntent;
  matched_keyword: string | null;
  classification_rule: string | null;
  /** Why the gateway answered as it did when that is not obvious (limit reached, Twilio replied…). */
  note: string | null;
  reply_kind: ReplyKind | null;
  reply_text: string | null;
  received_at: string;
}

export type InboundMessageRow = Selectable<InboundMessageTable>;
export type NewInboundMessage = Insertable<InboundMessageTable>;
