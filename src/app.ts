import express, { type Express } from 'express';
import helmet from 'helmet';
import { apiKeyRateLimit, authenticate, AuthFailureGate } from './auth/limits';
import type { Config } from './config';
import { sealUnchainedEvents } from './consent/chain';
import { createConsentRouter } from './consent/router';
import { createConsoleRouter } from './console/router';
import type { AppContext, Clock } from './context';
import { migrateToLatest, openDatabase, type DatabaseHandle } from './db';
import { createTransactionRunner } from './db/transactions';
import { createHealthRouter } from './health/router';
import { errorMiddleware, notFoundHandler } from './http/error-middleware';
import { jsonBody } from './http/json-body';
import { rejectNul } from './http/reject-nul';
import { createLogger, type Logger } from './logger';
import { programMessages } from './program/messages';
import { createReviewRouter } from './review/router';
import { markAbandonedSendsUnknown } from './sending/reconcile';
import { createSendingRouter } from './sending/router';
import { createOutboxTransport } from './transport/outbox';
import type { SmsTransport } from './transport/transport';
import { createTwilioTransport } from './transport/twilio';
import { createWebhookRouter } from './webhooks/router';

/** JSON API requests: nothing the API takes is larger. */
export const API_BODY_LIMIT = '1mb';

export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  database?: DatabaseHandle;
  transport?: SmsTransport;
  /**
   * Skips marking abandoned `pending` sends `unknown` at start-up. For the ledger CLI: it opens the
   * database while a gateway may be live, and must not touch that gateway's sends in flight.
   */
  skipStartupReconciliation?: boolean;
}

function createTransport(config: Config, logger: Logger): SmsTransport {
  const { accountSid, authToken } = config.twilio;
  if (!accountSid || !authToken) return createOutboxTransport(logger);
  return createTwilioTransport({
    config: { ...config.twilio, accountSid, authToken },
    statusCallbackUrl: config.publicBaseUrl ? `${config.publicBaseUrl}/webhooks/twilio/status` : undefined,
    logger,
  });
}

export interface App {
  app: Express;
  ctx: AppContext;
  /** Closes the database (the HTTP server, if any, is closed by its owner first). */
  close(): Promise<void>;
}

/** The composition root: builds the database, logger and routers into one typed context. */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, silent: config.env === 'test' });
  const database =
    overrides.database ?? openDatabase(config.database, (message, err) => logger.error(message, { err, code: 'database_fault' }));
  try {
    await migrateToLatest(database, config.database.dialect === 'postgres' ? config.database.schema : undefined);
    const sealed = await sealUnchainedEvents(database.db, database.dialect);
    if (sealed > 0) logger.info('sealed consent events written before the hash chain existed', { sealed });
  } catch (err) {
    await database.close();
    throw err;
  }

  const ctx: AppContext = {
    config,
    logger,
    db: database.db,
    committedReads: database.committedReads,
    dialect: database.dialect,
    checkStorage: () => database.checkStorage(),
    transactions: createTransactionRunner(database.db, database.dialect),
    clock: overrides.clock ?? (() => new Date()),
    messages: programMessages(config.program),
    transport: overrides.transport ?? createTransport(config, logger),
  };

  try {
    if (!overrides.skipStartupReconciliation) await markAbandonedSendsUnknown(ctx);
  } catch (err) {
    await database.close();
    throw err;
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.limits.trustProxy);
  // Every answer: nosniff, no framing, no referrer, HTTPS only, a CSP that allows nothing (these
  // are JSON and TwiML, never pages); and never cached, since most carry phone numbers, consent
  // records or message texts (webhook answers, errors and /healthz included). Helmet's headers for
  // pages (cross-origin policies, DNS prefetch, download options...) are left out: each costs a
  // call per request on the hot paths and protects nothing here.
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
    (_req, res, next) => {
      res.set('Cache-Control', 'no-store');
      next();
    },
  );
  const authFailures = new AuthFailureGate(ctx);
  const rateLimit = apiKeyRateLimit(ctx);
  // Hottest paths first: a request walks every route mounted before the one that answers it.
  app.use('/webhooks/twilio', createWebhookRouter(ctx));
  // Authenticated from the headers and rate-limited before the body is read and parsed.
  app.use(
    '/v1',
    authFailures.refuseBlocked(),
    authenticate(ctx, authFailures),
    rateLimit.middleware,
    jsonBody(API_BODY_LIMIT),
    rejectNul(),
    createSendingRouter(ctx),
    createConsentRouter(ctx),
    createReviewRouter(ctx),
  );
  // The compliance console: pages for staff, signed in with a ledger.read key (src/console).
  app.use('/console', createConsoleRouter(ctx, { authFailures }));
  app.use(createHealthRouter(ctx));
  app.use(notFoundHandler());
  app.use(errorMiddleware(logger));

  return {
    app,
    ctx,
    close: async () => {
      rateLimit.close();
      await database.close();
    },
  };
}
