import express, { Router } from 'express';
import type { AppContext } from '../context';
import { handleInboundSms } from '../inbound/service';
import { parseInboundParams, stripNulFromParams } from './inbound-params';
import { applyStatusCallback, parseStatusParams } from './status';
import { verifyTwilioSignature } from './twilio-signature';
import { messagingTwiml } from './twiml';

/** Twilio's requests are small; anything larger is not Twilio. */
export const WEBHOOK_BODY_LIMIT = '64kb';

/** Carrier webhooks: verify, parse, decide (pure), persist, answer. */
export function createWebhookRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: WEBHOOK_BODY_LIMIT, parameterLimit: 200 }));
  router.use(verifyTwilioSignature(ctx));
  // After the signature check, which covers the parameters exactly as Twilio sent them.
  router.use((req, _res, next) => {
    req.body = stripNulFromParams(req.body);
    next();
  });

  router.post('/sms', async (req, res) => {
    const sms = parseInboundParams(req.body);
    const result = await handleInboundSms(ctx, sms);
    res.type('text/xml').send(messagingTwiml(result.reply));
  });

  router.post('/status', async (req, res) => {
    await applyStatusCallback(ctx, parseStatusParams(req.body, req.query));
    res.type('text/xml').send(messagingTwiml(null));
  });

  return router;
}
