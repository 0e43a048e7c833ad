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
  /** 5xx, 429 after retries, timeout, network: the text was (most likely) not sent. */
  | 'unavailable';

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

/** Where sends go. Called after the decision has committed, never inside a transaction. */
export interface SmsTransport {
  readonly name: 'twilio' | 'outbox';
  send(sms: OutboundSms): Promise<TransportResult>;
}
