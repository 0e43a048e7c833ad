import { Router } from 'express';
import type { AppContext } from '../context';
import { databaseFault } from '../db/errors';
import { AppError } from '../errors';

/**
 * Ready means a write would land now: the ledger storage checks out (SQLite: the file we write is
 * still the one on disk, its file system has room) and a one-row upsert commits. A read alone
 * says "ready" on a full disk, a read-only file or a deleted ledger while every STOP fails.
 */
async function probeWrite(ctx: AppContext): Promise<void> {
  ctx.checkStorage();
  const checkedAt = ctx.clock().toISOString();
  await ctx.transactions.runStatement((db) =>
    db
      .insertInto('health_probe')
      .values({ name: 'readyz', checked_at: checkedAt })
      .onConflict((oc) => oc.column('name').doUpdateSet({ checked_at: checkedAt }))
      .execute(),
  );
}

export function createHealthRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await probeWrite(ctx);
      res.json({ status: 'ready', database: ctx.dialect });
    } catch (err) {
      const fault = err instanceof AppError ? err : databaseFault(err);
      const cause = (fault as { cause?: unknown } | undefined)?.cause ?? err;
      ctx.logger.error('readiness check failed', { err: cause, code: fault?.code, causeCode: (cause as { code?: unknown })?.code });
      res.status(503).json({
        status: 'unavailable',
        database: ctx.dialect,
        reason: fault?.code ?? 'internal_error',
        message: fault?.message ?? 'the readiness check failed',
      });
    }
  });
  return router;
}
