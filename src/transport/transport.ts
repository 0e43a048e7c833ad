import type { MessageStatus } from '../db/tables/message';

export interface OutboundSms {
  messageId: string;
  to: string;
  body: string;
}

export interface TransportResult {
  sid: string;
  status: MessageStatus;
}

export type TransportFailure =
  /** Twilio 21610: the person opted out at the carrier or Twilio. */
  | 'recipient_opted_out'
  /** A final 4xx: sending again will not help. */
  | 'rejected'
  /** Twilio certainly did not take the message (429 after retries, connection refused, DNS): nothing was sent. */
  | 'unavailable'
  /**
   * The request may have reached Twilio but no answer came back (timeout, connection reset after
   * the request was sent, 5xx): the text may have left. Never resent blindly; reconciled later.
   */
  | 'outcome_unknown';

export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly providerCode: string | null = null,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** What the transport holds for a message whose send had no answer (see SmsTransport.findSent). */
export interface SentLookup {
  /** Messages to that number with that body, created at or after `since`, oldest first. */
  matches: TransportResult[];
  /**
   * True when the search reached back before `since`: no match then means the transport never
   * took the message. False when it could not look that far (too many messages to the number).
   */
  complete: boolean;
}

/** Where sends go. Called after the decision has committed, never inside a transaction. */
export interface SmsTransport {
  readonly name: 'twilio' | 'outbox';
  send(sms: OutboundSms): Promise<TransportResult>;
  /**
   * Looks up, at the provider, messages it may have taken for `sms` without answering (a timeout,
   * a crash between the decision and the answer). Absent when the transport cannot look up.
   * Throws when the provider cannot be asked now.
   */
  findSent?(sms: OutboundSms, since: Date): Promise<SentLookup>;
}
