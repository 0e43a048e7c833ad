import { createServer, type Server } from 'node:http';
import { createApp, type App } from './app';
import type { Config } from './config';
import { startCheckpointer } from './consent/checkpoints';
import { startReconciler } from './sending/reconcile';
import { startScheduler } from './sending/scheduler';

export interface RunningServer extends App {
  server: Server;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  shutdown(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const gateway = await createApp(config);
  const { logger } = gateway.ctx;
  if (!config.twilio.authToken) {
    logger.warn(
      'LOCAL MODE: TWILIO_AUTH_TOKEN is not set, so webhook signatures are NOT verified. Never expose this instance to the internet.',
    );
  }
  if (config.erasureHashKeyIsDevelopmentDefault) {
    logger.warn('ERASURE_HASH_KEY is not set: erased numbers are hashed with a development key. Set it before real use, and never change it.');
  }
  if (!config.ledger.signingKey) {
    logger.warn(
      'LEDGER_SIGNING_KEY is not set: no signed checkpoints are made, so whoever can write the database could rewrite the consent ledger undetected. Generate one with `npm run ledger -- signing-key new`.',
    );
  }
  if (config.apiKeys.length === 0) {
    logger.warn('API_KEYS is empty: every /v1 request will be refused with 401');
  }
  let server: Server;
  try {
    server = await listen(gateway.app, config.port, config.host);
  } catch (err) {
    await gateway.close();
    throw err;
  }
  // After listening, an error (such as failing to accept a connection) is logged, never fatal.
  server.on('error', (err) => logger.error('http server error', { err }));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  logger.info('gateway listening', { url, database: gateway.ctx.dialect, transport: gateway.ctx.transport.name });

  const scheduler = startScheduler(gateway.ctx);
  const checkpointer = config.ledger.signingKey ? startCheckpointer(gateway.ctx) : undefined;
  const reconciler = startReconciler(gateway.ctx);
  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await scheduler.stop();
      await checkpointer?.stop();
      await reconciler.stop();
      await gateway.close();
      logger.info('gateway stopped');
    })();
    return closing;
  };
  return { ...gateway, server, url, shutdown };
}

export class ListenError extends Error {
  constructor(
    readonly address: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    const reason = cause.code === 'EADDRINUSE' ? 'the address is already in use' : cause.code === 'EACCES' ? 'permission denied' : cause.message;
    super(`cannot listen on ${address}: ${reason} (${cause.code ?? cause.message})`);
    this.name = 'ListenError';
  }
}

/**
 * Resolves once the server listens, rejects with the cause when it cannot. Not app.listen: Express 5
 * passes a listen error to the callback, which would have taken it for success.
 */
function listen(handler: Parameters<typeof createServer>[1], port: number, host: string): Promise<Server> {
  const server = createServer(handler);
  return new Promise<Server>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ListenError(`${host}:${port}`, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
