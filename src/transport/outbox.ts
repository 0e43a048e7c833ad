import type { Logger } from '../logger';
import { randomUUID } from 'node:crypto';
import type { OutboundSms, SmsTransport, TransportResult } from './transport';

/**
 * Without Twilio credentials: the message is already stored in `messages`; this logs it as sent,
 * so the gateway works end to end on a fresh machine.
 */
export function createOutboxTransport(logger: Logger): SmsTransport {
  return {
    name: 'outbox',
    async send(sms: OutboundSms): Promise<TransportResult> {
      const sid = `OB${randomUUID().replaceAll('-', '')}`;
      // Guarded: winston formats an entry even when its level is off.
      if (logger.isLevelEnabled('info')) logger.info('outbox: message sent', { messageId: sms.messageId, to: sms.to, body: sms.body, sid });
      return { sid, status: 'sent' };
    },
  };
}
