import { ConfigError, loadConfig } from './config';
import { ListenError, startServer } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const running = await startServer(config);
  const stop = (signal: string) => {
    running.ctx.logger.info('shutting down', { signal });
    running.shutdown().then(
      () => process.exit(0),
      (err) => {
        running.ctx.logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Printed plainly too, so a person (or a test) starting the gateway sees where it serves.
  process.stdout.write(`gateway listening on ${running.url}\n`);
}

main().catch((err) => {
  // A listen error is fully described by its message; anything else keeps its stack.
  const detail = err instanceof ListenError ? err.message : ((err as Error).stack ?? String(err));
  process.stderr.write(`gateway failed to start: ${detail}\n`);
  process.exit(1);
});
