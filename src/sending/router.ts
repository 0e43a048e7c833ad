import { Router } from 'express';
import { z } from 'zod';
import { apiKeyOf, requireScope } from '../auth/middleware';
import { categorySchema } from '../consent/categories';
import type { AppContext } from '../context';
import { ValidationError } from '../errors';
import { checkSendable, MAX_CHECK_PHONES } from './check';
import { explainSend, getMessage, MAX_BODY_LENGTH, sendMessage } from './service';

const sendSchema = z.object({
  to: z.string().min(1).max(64),
  body: z.string().min(1).max(MAX_BODY_LENGTH),
  category: categorySchema,
  deferUntilAllowed: z.boolean().optional(),
});

const checkSchema = z.object({
  category: categorySchema,
  phones: z.array(z.string().max(64)).min(1).max(MAX_CHECK_PHONES),
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function createSendingRouter(ctx: AppContext): Router {
  const router = Router();
  const send = requireScope(ctx, 'send');

  router.post('/messages', send, async (req, res) => {
    const request = sendSchema.parse(req.body);
    const idempotencyKey = req.get('Idempotency-Key') ?? null;
    if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationError('Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const { message, replayed } = await sendMessage(ctx, apiKeyOf(res), request, idempotencyKey);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    if (message.status === 'scheduled' && message.scheduledFor) res.set('Retry-After', new Date(message.scheduledFor).toUTCString());
    res.status(202).json(message);
  });

  router.post('/messages/explain', send, async (req, res) => {
    res.json(await explainSend(ctx, sendSchema.parse(req.body)));
  });

  router.get('/messages/:id', send, async (req, res) => {
    res.json(await getMessage(ctx, String(req.params.id)));
  });

  router.post('/consent/check', send, async (req, res) => {
    const { category, phones } = checkSchema.parse(req.body);
    res.json({ category, results: await checkSendable(ctx, category, phones) });
  });

  return router;
}
