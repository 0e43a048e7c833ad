import type { RequestHandler } from 'express';
import twilio from 'twilio';
import type { AppContext } from '../context';
import { InvalidSignatureError } from '../errors';

/**
 * Verifies X-Twilio-Signature against the public URL Twilio called (PUBLIC_BASE_URL + path and
 * query), never the Host header, so it holds behind a proxy or load balancer. Without an auth
 * token the gateway is in local mode and accepts unsigned webhooks (warned about at start-up).
 * During a token rotation a signature under TWILIO_AUTH_TOKEN_PREVIOUS is accepted too.
 */
export function verifyTwilioSignature(ctx: AppContext): RequestHandler {
  const { authToken, previousAuthToken } = ctx.config.twilio;
  const tokens = [authToken, previousAuthToken].filter((t): t is string => Boolean(t));
  const publicBaseUrl = ctx.config.publicBaseUrl;
  return (req, _res, next) => {
    if (!authToken || !publicBaseUrl) return next();
    const signature = req.get('X-Twilio-Signature');
    if (!signature) throw new InvalidSignatureError('X-Twilio-Signature is missing');
    const url = publicBaseUrl + req.originalUrl;
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!tokens.some((token) => twilio.validateRequest(token, signature, url, params))) {
      ctx.logger.warn('webhook signature rejected', { path: req.path });
      throw new InvalidSignatureError('X-Twilio-Signature does not match this request');
    }
    next();
  };
}
