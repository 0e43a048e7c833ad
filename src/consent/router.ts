import { once } from 'node:events';
import { Router, type Response } from 'express';
import { apiKeyOf, requireScope } from '../auth/middleware';
import type { AppContext } from '../context';
import { ValidationError } from '../errors';
import { requireE164 } from '../phone';
import { exportHeader, formatPage, type ExportFormat, type ExportKind } from './export-format';
import { erasureSchema, exportQuerySchema, listQuerySchema, optInRequestSchema, staffOptOutSchema } from './schemas';
import { getConsentDetail, recordApiOptIn } from './service';
import {
  decodeCursor,
  encodeCursor,
  eraseNumber,
  exportNumberData,
  iterateEvents,
  iterateNumbers,
  listNumbers,
  recordStaffOptOut,
  toNumberItem,
} from './staff';

/** Writes with backpressure: waits for the socket to drain instead of buffering the export. */
async function write(res: Response, chunk: string): Promise<void> {
  if (chunk && !res.write(chunk)) await once(res, 'drain');
}

export function createConsentRouter(ctx: AppContext): Router {
  const router = Router();
  const read = requireScope(ctx, 'ledger.read');
  const writeScope = requireScope(ctx, 'ledger.write');

  router.get('/consent', read, async (req, res) => {
    const query = listQuerySchema.parse(req.query);
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !cursor) throw new ValidationError('cursor is not one this API gave out');
    const rows = await listNumbers(ctx, query, query.limit + 1, cursor);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map(toNumberItem),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ updatedAt: last.updated_at, phone: last.phone }) : null,
    });
  });

  // Registered before /consent/:phone, which would otherwise read "export" as a number.
  router.get('/consent/export', read, async (req, res) => {
    const { format, kind, ...filters } = exportQuerySchema.parse(req.query);
    const pages = kind === 'numbers' ? iterateNumbers(ctx, filters) : iterateEvents(ctx, filters);
    res.status(200);
    res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="consent-${kind}.${format}"`);
    res.set('Cache-Control', 'no-store');
    try {
      await write(res, exportHeader(kind as ExportKind, format as ExportFormat));
      for await (const page of pages) {
        if (res.destroyed) return;
        await write(res, formatPage(kind as ExportKind, format as ExportFormat, page));
      }
      res.end();
    } catch (err) {
      // Headers are gone: cut the stream short so the client sees an incomplete export, never a silent truncation.
      ctx.logger.error('export failed mid-stream', { err });
      res.destroy(err as Error);
    }
  });

  router.get('/consent/:phone', read, async (req, res) => {
    res.json(await getConsentDetail(ctx, requireE164(String(req.params.phone))));
  });

  router.get('/consent/:phone/export', read, async (req, res) => {
    const phone = requireE164(String(req.params.phone));
    res.set('Content-Disposition', `attachment; filename="subject-export.json"`);
    res.json(await exportNumberData(ctx, phone));
  });

  router.post('/consent/:phone/opt-in', writeScope, async (req, res) => {
    const phone = requireE164(String(req.params.phone));
    const request = optInRequestSchema.parse(req.body);
    res.status(201).json(await recordApiOptIn(ctx, phone, request, apiKeyOf(res).label));
  });

  router.post('/consent/:phone/opt-out', writeScope, async (req, res) => {
    const phone = requireE164(String(req.params.phone));
    const request = staffOptOutSchema.parse(req.body);
    res.status(201).json(await recordStaffOptOut(ctx, phone, request, apiKeyOf(res).label));
  });

  router.delete('/consent/:phone', writeScope, async (req, res) => {
    const phone = requireE164(String(req.params.phone));
    const { note } = erasureSchema.parse(req.body);
    res.json(await eraseNumber(ctx, phone, apiKeyOf(res).label, note ?? null));
  });

  return router;
}
