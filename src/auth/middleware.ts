import type { RequestHandler, Response } from 'express';
import type { AppContext } from '../context';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { hasScope, type ApiKey, type Scope } from './api-keys';
import { presentedApiKey } from './limits';

/** Requires a known API key holding `scope`; the key is then available through apiKeyOf(res). */
export function requireScope(ctx: AppContext, scope: Scope): RequestHandler {
  return (req, res, next) => {
    // Usually authenticate (src/auth/limits.ts) has found the key already, before the body was read.
    const key = (res.locals.apiKey as ApiKey | undefined) ?? presentedApiKey(ctx, req);
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
