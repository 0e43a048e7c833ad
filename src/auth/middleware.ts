import type { RequestHandler, Response } from 'express';
import type { AppContext } from '../context';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { findApiKey, hasScope, type ApiKey, type Scope } from './api-keys';

const BEARER = /^Bearer\s+(\S{1,512})$/i;

/** Requires a known API key holding `scope`; the key is then available through apiKeyOf(res). */
export function requireScope(ctx: AppContext, scope: Scope): RequestHandler {
  return (req, res, next) => {
    const match = BEARER.exec(req.get('Authorization') ?? '');
    const key = match?.[1] ? findApiKey(ctx.config.apiKeys, match[1]) : undefined;
    if (!key) throw new UnauthorizedError();
    if (!hasScope(key, scope)) throw new ForbiddenError(`this API key lacks the "${scope}" scope`);
    res.locals.apiKey = key;
    next();
  };
}

export function apiKeyOf(res: Response): ApiKey {
  const key = res.locals.apiKey as ApiKey | undefined;
  if (!key) throw new UnauthorizedError();
  return key;
}
