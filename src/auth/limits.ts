import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit } from 'express-rate-limit';
import type { AppContext } from '../context';
import { TooManyRequestsError, UnauthorizedError } from '../errors';
import { findApiKey, type ApiKey, type RateLimitPerMinute } from './api-keys';

const BEARER = /^Bearer\s+(\S{1,512})$/i;

/** The known API key a request presents in `Authorization: Bearer`, if any. Needs only headers. */
export function presentedApiKey(ctx: AppContext, req: Request): ApiKey | undefined {
  const match = BEARER.exec(req.get('Authorization') ?? '');
  return match?.[1] ? findApiKey(ctx.config.apiKeys, match[1]) : undefined;
}

/** Beyond this many tracked client addresses, expired windows are swept, then the oldest dropped. */
const MAX_TRACKED_CLIENTS = 100_000;

/**
 * Counts failed authentications per client address in a fixed window (on the app's clock). Once
 * an address reaches the limit, every request from it is refused 429 until its window ends,
 * requests with a valid key included: otherwise a guess that happens to be right would get through.
 */
export class AuthFailureGate {
  private readonly windows = new Map<string, { failures: number; resetsAt: number }>();

  constructor(
    private readonly ctx: AppContext,
    private readonly limit = ctx.config.limits.authFailuresPerWindow,
    private readonly windowMs = ctx.config.limits.authFailureWindowMs,
  ) {}

  /** Refuses a blocked client before anything else is done for it. */
  refuseBlocked(): RequestHandler {
    return (req, res, next) => {
      const window = this.current(clientOf(req));
      if (window && window.failures >= this.limit) {
        res.set('Retry-After', String(Math.max(1, Math.ceil((window.resetsAt - this.ctx.clock().getTime()) / 1000))));
        throw new TooManyRequestsError(
          'too_many_auth_failures',
          `too many failed authentications from this client: try again after the Retry-After seconds`,
        );
      }
      next();
    };
  }

  recordFailure(req: Request): void {
    const client = clientOf(req);
    const window = this.current(client);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= MAX_TRACKED_CLIENTS) this.sweep();
    this.windows.set(client, { failures: 1, resetsAt: this.ctx.clock().getTime() + this.windowMs });
  }

  private current(client: string) {
    const window = this.windows.get(client);
    if (!window) return undefined;
    if (window.resetsAt <= this.ctx.clock().getTime()) {
      this.windows.delete(client);
      return undefined;
    }
    return window;
  }

  private sweep(): void {
    const now = this.ctx.clock().getTime();
    for (const [client, window] of this.windows) if (window.resetsAt <= now) this.windows.delete(client);
    while (this.windows.size >= MAX_TRACKED_CLIENTS) this.windows.delete(this.windows.keys().next().value!);
  }
}

/** IPv6 clients are grouped by /56, as one host usually holds a whole prefix. */
function clientOf(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * Authenticates from the headers alone, before any body is read: an unknown client never costs
 * a body parse. The key is then available through apiKeyOf(res); requireScope checks its scope.
 */
export function authenticate(ctx: AppContext, failures: AuthFailureGate): RequestHandler {
  return (req, res, next) => {
    const key = presentedApiKey(ctx, req);
    if (!key) {
      failures.recordFailure(req);
      throw new UnauthorizedError();
    }
    res.locals.apiKey = key;
    next();
  };
}

export const API_RATE_LIMIT_WINDOW_MS = 60_000;

function limitOf(ctx: AppContext, key: ApiKey): RateLimitPerMinute {
  return key.rateLimitPerMinute !== undefined ? key.rateLimitPerMinute : ctx.config.limits.apiRateLimitPerMinute;
}

export interface ApiKeyRateLimit {
  middleware: RequestHandler;
  close(): void;
}

/**
 * Requests per minute per API key (after authenticate), with the IETF RateLimit headers
 * (draft 8) and Retry-After on a 429. Counted in this process's memory: with several instances
 * behind a balancer each one counts its own share.
 */
export function apiKeyRateLimit(ctx: AppContext): ApiKeyRateLimit {
  const store = new MemoryStore();
  const limiter = rateLimit({
    windowMs: API_RATE_LIMIT_WINDOW_MS,
    store,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'api-key',
    keyGenerator: (_req, res) => (res.locals.apiKey as ApiKey).id,
    skip: (_req, res) => limitOf(ctx, res.locals.apiKey as ApiKey) === null,
    limit: (_req, res) => limitOf(ctx, res.locals.apiKey as ApiKey) ?? Number.MAX_SAFE_INTEGER,
    handler: (_req, res, next) => {
      const limit = limitOf(ctx, res.locals.apiKey as ApiKey);
      next(new TooManyRequestsError('rate_limited', `this API key may make ${limit} requests per minute: retry after the Retry-After seconds`));
    },
  });
  // A key without a limit never reaches the library: counting costs on every request.
  const middleware: RequestHandler = (req, res, next) =>
    limitOf(ctx, res.locals.apiKey as ApiKey) === null ? next() : limiter(req, res, next);
  return { middleware, close: () => store.shutdown() };
}
