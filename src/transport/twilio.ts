import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { TwilioConfig } from '../config';
import type { MessageStatus } from '../db/tables/message';
import type { Logger } from '../logger';
import { TransportError, type OutboundSms, type SentLookup, type SmsTransport, type TransportResult } from './transport';

const TWILIO_ORIGIN = /^https:\/\/[^/]+\.twilio\.com/;

/**
 * The SDK's own HTTP client, with every request's origin replaced by TWILIO_API_BASE_URL when set
 * (a proxy, or the fake Twilio API the tests run on loopback).
 */
class RedirectingRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    options: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(options);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = this.baseUrl ? opts.uri.replace(TWILIO_ORIGIN, this.baseUrl) : opts.uri;
    return super.request<TData>({ ...opts, uri });
  }
}

/** Twilio error 21610: "Attempt to send to unsubscribed recipient". */
export const TWILIO_UNSUBSCRIBED_RECIPIENT = 21610;

interface TwilioRestError {
  status?: number;
  code?: number;
  message?: string;
}

function toTransportError(err: unknown): TransportError {
  const rest = err as TwilioRestError;
  if (typeof rest?.status === 'number') {
    const code = rest.code !== undefined ? String(rest.code) : null;
    if (rest.code === TWILIO_UNSUBSCRIBED_RECIPIENT) {
      return new TransportError('recipient_opted_out', rest.message ?? 'recipient unsubscribed', code, rest.status);
    }
    // A 429 is Twilio refusing to take the message; a 5xx may come after it was taken.
    if (rest.status === 429) {
      return new TransportError('unavailable', `Twilio answered ${rest.status}`, code, rest.status);
    }
    if (rest.status >= 500) {
      return new TransportError('outcome_unknown', `Twilio answered ${rest.status}: the message may have been taken`, code, rest.status);
    }
    return new TransportError('rejected', rest.message ?? `Twilio answered ${rest.status}`, code, rest.status);
  }
  const networkCode = (err as { code?: unknown })?.code;
  const reason = (err as Error)?.message ?? String(err);
  if (typeof networkCode === 'string' && NOT_CONNECTED.has(networkCode)) {
    return new TransportError('unavailable', `Twilio could not be reached (${networkCode})`);
  }
  return new TransportError('outcome_unknown', `no answer from Twilio (${typeof networkCode === 'string' ? networkCode : reason}): the message may have been taken`);
}

/**
 * Network errors raised before a connection to Twilio existed, so before any byte of the request
 * left: only these mean Twilio certainly did not take the message. A timeout, a reset or anything
 * else may come after Twilio received the request.
 */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** How many of the newest messages to a number a lookup reads. */
const LOOKUP_PAGE = 50;
/** Twilio's clock and ours may differ a little. */
const LOOKUP_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Where Twilio sends status callbacks for one message: our id rides along, signed with the URL. */
export function statusCallbackFor(statusCallbackUrl: string, messageId: string): string {
  return `${statusCallbackUrl}?messageId=${encodeURIComponent(messageId)}`;
}

export interface TwilioTransportOptions {
  config: TwilioConfig & { accountSid: string; authToken: string };
  statusCallbackUrl?: string;
  logger: Logger;
}

export function createTwilioTransport({ config, statusCallbackUrl, logger }: TwilioTransportOptions): SmsTransport {
  const httpClient = new RedirectingRequestClient(config.apiBaseUrl, {
    timeout: config.timeoutMs,
    // Only 429s are retried (the SDK's backoff with jitter); a 5xx or timeout may have sent the text.
    autoRetry: config.maxRetries > 0,
    maxRetries: config.maxRetries,
    maxRetryDelay: 2_000,
  });
  const client = twilio(config.accountSid, config.authToken, { httpClient });
  const sender = config.messagingServiceSid
    ? { messagingServiceSid: config.messagingServiceSid }
    : { from: config.fromNumber as string };

  return {
    name: 'twilio',
    async send(sms: OutboundSms): Promise<TransportResult> {
      try {
        const message = await client.messages.create({
          to: sms.to,
          body: sms.body,
          ...sender,
          ...(statusCallbackUrl ? { statusCallback: statusCallbackFor(statusCallbackUrl, sms.messageId) } : {}),
        });
        return { sid: message.sid, status: (message.status as MessageStatus) ?? 'queued' };
      } catch (err) {
        const failure = toTransportError(err);
        logger.warn('twilio send failed', { messageId: sms.messageId, failure: failure.failure, code: failure.providerCode });
        throw failure;
      }
    },
    async findSent(sms: OutboundSms, since: Date): Promise<SentLookup> {
      // Twilio keeps no id of ours on a message: the number, the text and the time identify it.
      const messages = await client.messages.list({ to: sms.to, limit: LOOKUP_PAGE, pageSize: LOOKUP_PAGE });
      const from = since.getTime() - LOOKUP_CLOCK_SKEW_MS;
      const created = (m: { dateCreated: Date | null }) => m.dateCreated?.getTime() ?? Number.POSITIVE_INFINITY;
      const matches = messages
        .filter((m) => m.body === sms.body && m.direction !== 'inbound' && created(m) >= from)
        .sort((a, b) => created(a) - created(b))
        .map((m) => ({ sid: m.sid, status: (m.status as MessageStatus) ?? 'queued' }));
      const complete = messages.length < LOOKUP_PAGE || messages.some((m) => created(m) < from);
      return { matches, complete };
    },
  };
}
