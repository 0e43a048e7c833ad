import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { TwilioConfig } from '../config';
import type { MessageStatus } from '../db/tables/message';
import type { Logger } from '../logger';
import { TransportError, type OutboundSms, type SmsTransport, type TransportResult } from './transport';

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
    if (rest.status === 429 || rest.status >= 500) {
      return new TransportError('unavailable', `Twilio answered ${rest.status}`, code, rest.status);
    }
    return new TransportError('rejected', rest.message ?? `Twilio answered ${rest.status}`, code, rest.status);
  }
  return new TransportError('unavailable', `Twilio could not be reached: ${(err as Error)?.message ?? err}`);
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
          ...(statusCallbackUrl ? { statusCallback: statusCallbackUrl } : {}),
        });
        return { sid: message.sid, status: (message.status as MessageStatus) ?? 'queued' };
      } catch (err) {
        const failure = toTransportError(err);
        logger.warn('twilio send failed', { messageId: sms.messageId, failure: failure.failure, code: failure.providerCode });
        throw failure;
      }
    },
  };
}
