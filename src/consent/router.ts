import { Router } from 'express';
import { apiKeyOf, requireScope } from '../auth/middleware';
import type { AppContext } from '../context';
import { requireE164 } from '../phone';
import { optInRequestSchema } from './schemas';
import { getConsentView, recordApiOptIn } from './service';

export function createConsentRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/consent/:phone', requireScope(ctx, 'ledger.read'), async (req, res) => {
    const phone = requireE164(String(req.params.phone));
    res.json(await getConsentView(ctx.db, phone));
  });

  router.post('/consent/:phone/opt-in', requireScope(ctx, 'ledger.write'), async (req, res) => {
    const phone = requireE164(String(req.params.phone));
    const request = optInRequestSchema.parse(req.body);
    res.status(201).json(await recordApiOptIn(ctx, phone, request, apiKeyOf(res).label));
  });

  return router;
}
