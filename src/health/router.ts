import { Router } from 'express';
import { sql } from 'kysely';
import type { AppContext } from '../context';

export function createHealthRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await sql`select 1`.execute(ctx.db);
      res.json({ status: 'ready', database: ctx.dialect });
    } catch (err) {
      ctx.logger.warn('readiness check failed', { err });
      res.status(503).json({ status: 'unavailable', database: ctx.dialect });
    }
  });
  return router;
}
