import { Router } from 'express';
import { z } from 'zod';
import { apiKeyOf, requireScope } from '../auth/middleware';
import type { AppContext } from '../context';
import { ValidationError } from '../errors';
import { listReviewItems, resolveReviewItem } from './service';

const listSchema = z.object({
  status: z.enum(['pending', 'revocation', 'not_revocation']).default('pending'),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  after: z.coerce.number().int().min(0).default(0),
});

const resolveSchema = z.object({
  resolution: z.enum(['revocation', 'not_revocation']),
  note: z.string().trim().max(2_000).optional(),
  sendConfirmation: z.boolean().optional(),
});

export function createReviewRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/review', requireScope(ctx, 'ledger.read'), async (req, res) => {
    const query = listSchema.parse(req.query);
    const items = await listReviewItems(ctx, query.status, query.limit, query.after);
    const last = items[items.length - 1];
    res.json({ items, next: items.length === query.limit && last ? last.id : null });
  });

  router.post('/review/:id', requireScope(ctx, 'ledger.write'), async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new ValidationError('the review id must be a positive integer');
    const resolution = resolveSchema.parse(req.body);
    res.json(await resolveReviewItem(ctx, id, resolution, apiKeyOf(res).label));
  });

  return router;
}
