import { once } from 'node:events';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { hasScope } from '../auth/api-keys';
import type { AuthFailureGate } from '../auth/limits';
import { findApiKey } from '../auth/api-keys';
import { CATEGORIES, categorySchema, type Category } from '../consent/categories';
import { verifyLedger } from '../consent/checkpoints';
import { safeText } from '../consent/export-format';
import { optInRequestSchema } from '../consent/schemas';
import { getConsentDetail, recordApiOptIn, type ConsentDetail } from '../consent/service';
import { eraseNumber, exportNumberData, recordStaffOptOut, type StaffOptOutChannel } from '../consent/staff';
import { activeSuppression, erasedPlaceholder, phoneHash } from '../consent/suppression';
import type { AppContext } from '../context';
import type { ConsentChannel, ConsentEventRow } from '../db/tables/consent-event';
import type { MessageRow } from '../db/tables/message';
import type { ReviewItemRow } from '../db/tables/review-item';
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors';
import { toAppError } from '../http/error-middleware';
import { rejectNul } from '../http/reject-nul';
import { requireE164, toE164 } from '../phone';
import { listReviewItems, resolveReviewItem } from '../review/service';
import { explainSend } from '../sending/service';
import { lastVerification, listAudit, recordAudit, recordNumbersShown } from './audit';
import { legend, stackedBarChart, tabulate, utcDays } from './charts';
import {
  ledgerStatus,
  oldestPendingReview,
  numberStatus,
  optOutsPerDay,
  pendingReviewCount,
  recentOptOuts,
  recentInboundTexts,
  recentRefusals,
  refusalReasons,
  reviewItemsForPhone,
  sendsPerDay,
  type OptOutFilters,
  type RefusalCursor,
  type RefusalFilters,
} from './queries';
import {
  clearCookie,
  endSession,
  findSession,
  openSession,
  randomToken,
  readCookies,
  sameToken,
  SESSION_COOKIE,
  setCookie,
  SIGN_IN_COOKIE,
  touchSession,
  type StaffSession,
} from './sessions';
import { dateIn, isDate, isTime, utcDayStart, zonedInstant } from './time';
import { createRenderer, readAsset, trusted, type Renderer } from './views';

/**
 * Console pages load only what /console/assets serves: no inline script or style, no other origin.
 * Forms post only to this origin; nothing may frame the console.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "script-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Form bodies: nothing the console posts is larger than an opt-in's consent text and a note. */
export const CONSOLE_FORM_LIMIT = '64kb';
const TIMELINE_PAGE = 50;
const LIST_PAGE = 50;
const REVIEW_PAGE = 25;
const AUDIT_PAGE = 100;
const CSV_PAGE = 1_000;
const OVERVIEW_DAYS = 30;

/** Messages shown after an action redirects (the query names one; no text travels in the URL). */
const FLASH: Record<string, string> = {
  opt_out: 'Opt-out recorded.',
  opt_in: 'Consent recorded.',
  resolved: 'Review item resolved.',
  verified: 'Ledger verification run: see the result below.',
};

const CHANNELS: ConsentChannel[] = ['sms_keyword', 'twilio_advanced_opt_out', 'api', 'email', 'phone_call', 'web', 'staff', 'carrier', 'import'];

const formText = (max: number) => z.string().max(max);
const dayField = z.string().refine(isDate, 'must be a date (YYYY-MM-DD)');
const optionalDay = z.union([z.literal(''), dayField]).optional();
const timeField = z.string().refine(isTime, 'must be a time (HH:MM)');

const optOutForm = z.object({
  how: z.enum(['email', 'phone_call', 'letter', 'web', 'staff']),
  receivedDate: dayField,
  receivedTime: z.union([z.literal(''), timeField]).optional(),
  note: formText(2_000).optional(),
  sendConfirmation: z.literal('yes').optional(),
});

const optInForm = z.object({
  source: formText(64),
  // Required: consent for no category ticked must not default to every category (marketing included).
  categories: z.union([categorySchema, z.array(categorySchema).min(1)], { message: 'tick at least one category the person consented to' }),
  consentText: formText(5_000),
  capturedDate: dayField,
  capturedTime: timeField,
  formUrl: formText(2_000).optional(),
});

const eraseForm = z.object({ confirmDigits: formText(10), note: formText(2_000).optional() });

const resolveForm = z.object({
  resolution: z.enum(['revocation', 'not_revocation']),
  note: formText(2_000).optional(),
  sendConfirmation: z.literal('yes').optional(),
});

const listFilterSchema = z.object({
  since: optionalDay,
  until: optionalDay,
  category: z.union([z.literal(''), categorySchema]).optional(),
  channel: z.union([z.literal(''), z.enum(CHANNELS as [ConsentChannel, ...ConsentChannel[]])]).optional(),
  reason: z.union([z.literal(''), z.string().regex(/^[a-z_]{1,64}$/)]).optional(),
  before: z.string().max(200).optional(),
});

const auditFilterSchema = z.object({
  actor: formText(64).optional(),
  action: formText(64).optional(),
  phone: formText(64).optional(),
  since: optionalDay,
  until: optionalDay,
  before: z.coerce.number().int().positive().optional(),
});

export interface ConsoleOptions {
  /** The API's failed-authentication counter: a key guessed at the sign-in form counts the same. */
  authFailures?: AuthFailureGate;
  renderer?: Renderer;
}

function sessionOf(res: Response): StaffSession {
  const session = res.locals.staffSession as StaffSession | undefined;
  if (!session) throw new UnauthorizedError('sign in first');
  return session;
}

function canWrite(session: StaffSession): boolean {
  return hasScope(session.key, 'ledger.write');
}

/** Writes with backpressure, as the API's export does. */
async function write(res: Response, chunk: string): Promise<void> {
  if (chunk && !res.write(chunk)) await once(res, 'drain');
}

function evidenceOf(row: ConsentEventRow): Record<string, unknown> {
  try {
    return JSON.parse(row.evidence) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const str = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

const OPT_OUT_COLUMNS = ['recorded at', 'occurred at', 'number', 'channel', 'actor', 'rule or keyword', 'text', 'note'];
function optOutRow(row: ConsentEventRow): string[] {
  const evidence = evidenceOf(row);
  return [row.recorded_at, row.occurred_at, row.phone, row.channel, row.actor, str(row.keyword ?? evidence.rule), str(row.raw_text), str(evidence.note)];
}

const REFUSAL_COLUMNS = ['at', 'number', 'category', 'reason', 'by', 'message id'];
function refusalRow(row: MessageRow): string[] {
  return [row.created_at, row.phone, row.category, str(row.refusal_code), row.actor, row.id];
}

function encodeRefusalCursor(row: MessageRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function decodeRefusalCursor(text: string | undefined): RefusalCursor | undefined {
  if (!text) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through
  }
  throw new ValidationError('that page link is not one this console gave out');
}

interface TimelineEntry {
  at: string;
  kind: string;
  title: string;
  text?: string | null;
  facts: { label: string; value: string }[];
  evidence?: string;
}

function fact(label: string, value: unknown): { label: string; value: string } | undefined {
  return value === null || value === undefined || value === '' ? undefined : { label, value: str(value) };
}

/** The number's whole story, newest first: the API's history and the review decisions. */
function buildTimeline(detail: ConsentDetail, reviews: ReviewItemRow[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const h of detail.history) {
    if (h.kind === 'consent_event') {
      entries.push({
        at: h.at,
        kind: h.kind,
        title: `${h.type === 'opt_out' ? 'Opt-out' : 'Opt-in'} via ${h.channel}`,
        text: h.rawText,
        facts: [
          fact('Status', `${h.previousStatus} → ${h.status}`),
          fact('Categories', h.categories.join(', ')),
          fact('Keyword or rule', h.keyword),
          fact('Actor', h.actor),
          fact('Occurred', h.occurredAt),
          fact('Recorded', h.recordedAt),
          fact('Event', `#${h.id}`),
        ].filter((f): f is { label: string; value: string } => f !== undefined),
        evidence: JSON.stringify(h.evidence, null, 2),
      });
    } else if (h.kind === 'inbound') {
      entries.push({
        at: h.at,
        kind: h.kind,
        title: `Text received: decided ${h.intent}`,
        text: h.body,
        facts: [fact('Rule', h.rule), fact('Keyword', h.keyword), fact('Reply', h.reply), fact('Note', h.note), fact('Message SID', h.messageSid)].filter(
          (f): f is { label: string; value: string } => f !== undefined,
        ),
      });
    } else {
      entries.push({
        at: h.at,
        kind: h.kind,
        title: `${h.status === 'refused' ? 'Send refused' : 'Send'} (${h.category}): ${h.status}`,
        text: h.body,
        facts: [fact('Reason', h.refusalCode), fact('Error', h.errorCode), fact('Why', h.statusReason), fact('Scheduled for', h.scheduledFor), fact('Message', h.id)].filter(
          (f): f is { label: string; value: string } => f !== undefined,
        ),
      });
    }
  }
  for (const r of reviews) {
    entries.push({
      at: r.created_at,
      kind: 'review',
      title: `Sent to review (#${r.id})`,
      facts: [fact('Rule', r.rule), fact('Matched', r.matched)].filter((f): f is { label: string; value: string } => f !== undefined),
    });
    if (r.resolved_at) {
      entries.push({
        at: r.resolved_at,
        kind: 'review',
        title: `Review #${r.id} resolved: ${r.status}`,
        text: r.note,
        facts: [fact('By', r.resolved_by)].filter((f): f is { label: string; value: string } => f !== undefined),
      });
    }
  }
  // Newest first; entries of the same instant keep the API's order (stable sort).
  return entries.reverse().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** The compliance console: server-rendered pages over the same services as /v1. */
export function createConsoleRouter(ctx: AppContext, options: ConsoleOptions = {}): Router {
  const router = Router();
  const render = options.renderer ?? createRenderer();
  const css = readAsset('console.css');

  const show = async (req: Request, res: Response, status: number, page: string, data: Record<string, unknown> = {}) => {
    const session = res.locals.staffSession as StaffSession | undefined;
    const done = typeof req.query.done === 'string' && Object.hasOwn(FLASH, req.query.done) ? FLASH[req.query.done] : undefined;
    const html = render(page, {
      programName: ctx.config.program.name,
      session,
      canWrite: session ? canWrite(session) : false,
      csrf: session?.csrfToken,
      pendingCount: session ? await pendingReviewCount(ctx) : undefined,
      flash: done,
      ...data,
    });
    res.status(status).type('html').send(html);
  };

  const audit = (res: Response, action: string, phone: string | null, detail?: Record<string, unknown>, outcome = 'ok') =>
    recordAudit(ctx, sessionOf(res), { action, phone, detail, outcome });

  /** Runs a staff action and audits it, whatever its outcome; actions need ledger.write. */
  const act = async <T>(res: Response, action: string, phone: string | null, detail: Record<string, unknown>, run: () => Promise<T>): Promise<T> => {
    const session = sessionOf(res);
    try {
      if (!canWrite(session)) throw new ForbiddenError('this key lacks the "ledger.write" scope: it can look, not act');
      const result = await run();
      await audit(res, action, phone, detail);
      return result;
    } catch (err) {
      const code = toAppError(err)?.code ?? 'internal_error';
      await audit(res, action, phone, detail, code).catch((auditErr: unknown) => ctx.logger.error('console audit not written', { err: auditErr, action }));
      throw err;
    }
  };

  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', CONSOLE_CSP);
    res.set('Referrer-Policy', 'no-referrer');
    res.set('X-Frame-Options', 'DENY');
    next();
  });

  router.get('/assets/console.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=300').send(css);
  });

  router.use(express.urlencoded({ extended: false, limit: CONSOLE_FORM_LIMIT, parameterLimit: 100 }), rejectNul());

  // ---- signing in and out ------------------------------------------------------------------

  const signInPage = async (req: Request, res: Response, status: number, message?: string) => {
    const token = randomToken();
    setCookie(req, res, SIGN_IN_COOKIE, token, 30 * 60_000);
    await show(req, res, status, 'sign-in', { title: 'Sign in', signInToken: token, message });
  };

  router.get('/sign-in', async (req, res) => {
    const message = req.query.expired === '1' ? 'Your session ended: sign in again.' : req.query.signedOut === '1' ? 'You are signed out.' : undefined;
    await signInPage(req, res, 200, message);
  });

  const refuseBlocked = options.authFailures?.refuseBlocked() ?? ((_req: Request, _res: Response, next: NextFunction) => next());
  router.post('/sign-in', refuseBlocked, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const cookies = readCookies(req);
    if (!sameToken(typeof body._csrf === 'string' ? body._csrf : undefined, cookies[SIGN_IN_COOKIE])) {
      await signInPage(req, res, 403, 'The sign-in form expired: try again.');
      return;
    }
    const presented = typeof body.key === 'string' ? body.key.trim() : '';
    const key = presented && presented.length <= 512 ? findApiKey(ctx.config.apiKeys, presented) : undefined;
    if (!key) {
      options.authFailures?.recordFailure(req);
      await signInPage(req, res, 401, 'That key is not valid.');
      return;
    }
    if (!hasScope(key, 'ledger.read')) {
      await recordAudit(ctx, { label: key.label, key }, { action: 'session.sign_in', outcome: 'forbidden' });
      await signInPage(req, res, 403, 'That key has no "ledger.read" scope: it cannot open the console.');
      return;
    }
    const { token } = await openSession(ctx, key);
    await recordAudit(ctx, { label: key.label, key }, { action: 'session.sign_in' });
    clearCookie(req, res, SIGN_IN_COOKIE);
    setCookie(req, res, SESSION_COOKIE, token);
    res.redirect(303, '/console/');
  });

  // ---- everything else needs a session -----------------------------------------------------

  router.use(async (req, res, next) => {
    const token = readCookies(req)[SESSION_COOKIE];
    const session = await findSession(ctx, token);
    if (!session) {
      if (token) clearCookie(req, res, SESSION_COOKIE);
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.redirect(303, token ? '/console/sign-in?expired=1' : '/console/sign-in');
        return;
      }
      throw new UnauthorizedError('your session ended: sign in again');
    }
    res.locals.staffSession = session;
    if (req.method === 'POST') {
      const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (!sameToken(typeof sent === 'string' ? sent : undefined, session.csrfToken)) {
        // The form's path without the number in it: the audit's number column is what an erasure scrubs.
        const form = req.path.replace(/^\/numbers\/[^/]+/, '/numbers/:phone').slice(0, 100);
        await recordAudit(ctx, session, { action: 'form.post', outcome: 'csrf_refused', detail: { form } });
        throw new AppError('csrf_refused', 403, 'this form was not issued by this session (missing or wrong CSRF token): reload the page and try again');
      }
    }
    await touchSession(ctx, session);
    next();
  });

  router.post('/sign-out', async (req, res) => {
    const session = sessionOf(res);
    await endSession(ctx, session);
    await audit(res, 'session.sign_out', null);
    clearCookie(req, res, SESSION_COOKIE);
    res.redirect(303, '/console/sign-in?signedOut=1');
  });

  // ---- overview ----------------------------------------------------------------------------

  router.get('/', async (req, res) => {
    await audit(res, 'overview.view', null);
    const now = ctx.clock();
    const days = utcDays(new Date(now.getTime() - (OVERVIEW_DAYS - 1) * 86_400_000), OVERVIEW_DAYS);
    const since = `${days[0]}T00:00:00.000Z`;
    const [optOuts, sends, ledger, verification, oldestPending] = await Promise.all([
      optOutsPerDay(ctx, since),
      sendsPerDay(ctx, since),
      ledgerStatus(ctx),
      lastVerification(ctx),
      oldestPendingReview(ctx),
    ]);
    const charts = [
      { title: `Opt-outs per day by channel (last ${OVERVIEW_DAYS} UTC days)`, table: tabulate(days, optOuts) },
      { title: `Sends and refusals per day by reason (last ${OVERVIEW_DAYS} UTC days)`, table: tabulate(days, sends) },
    ].map((c) => ({ ...c, svg: trusted(stackedBarChart(c.title, c.table)), legend: legend(c.table) }));
    const verified = verification?.detail ? (JSON.parse(verification.detail) as { summary?: string }) : undefined;
    await show(req, res, 200, 'overview', {
      title: 'Overview',
      nav: 'overview',
      charts,
      ledger,
      oldestPending,
      verification: verification ? { at: verification.at, actor: verification.actor, result: verified?.summary ?? verification.outcome } : undefined,
    });
  });

  router.post('/ledger/verify', async (_req, res) => {
    // Read-only, but it reads the whole ledger on the event loop: staff who act may run it, not every reader.
    if (!canWrite(sessionOf(res))) {
      await audit(res, 'ledger.verify', null, {}, 'forbidden');
      throw new ForbiddenError('this key lacks the "ledger.write" scope: it cannot run the verification');
    }
    const result = await verifyLedger(ctx.committedReads, { publicKeys: ctx.config.ledger.publicKeys });
    const summary = result.ok
      ? `passed: ${result.chain.checked} events, ${result.checkpoints.verified} signed checkpoints verified`
      : `FAILED: ${result.chain.firstBroken ? `event ${result.chain.firstBroken.id}: ${result.chain.firstBroken.reason}` : result.checkpoints.unsigned ? 'no signed checkpoint' : (result.checkpoints.failures[0]?.reason ?? 'see npm run ledger -- verify')}`;
    await audit(res, 'ledger.verify', null, { ok: result.ok, summary }, result.ok ? 'ok' : 'verify_failed');
    res.redirect(303, '/console/?done=verified');
  });

  // ---- a number ----------------------------------------------------------------------------

  router.get('/lookup', async (req, res) => {
    const input = typeof req.query.phone === 'string' ? req.query.phone.slice(0, 64) : '';
    if (!input) {
      await show(req, res, 200, 'lookup', { title: 'Look up a number', nav: 'lookup' });
      return;
    }
    const phone = toE164(input);
    if (!phone) {
      await show(req, res, 400, 'lookup', { title: 'Look up a number', nav: 'lookup', input, message: `"${input}" is not a phone number that can be read.` });
      return;
    }
    res.redirect(303, `/console/numbers/${encodeURIComponent(phone)}`);
  });

  const phoneParam = (req: Request) => requireE164(String(req.params.phone));

  router.get('/numbers/:phone', async (req, res) => {
    const phone = phoneParam(req);
    const page = Math.max(1, Math.min(1_000_000, Number.parseInt(String(req.query.page ?? '1'), 10) || 1));
    await audit(res, 'number.view', phone, { page });
    const [detail, reviews, suppression] = await Promise.all([
      getConsentDetail(ctx, phone),
      reviewItemsForPhone(ctx, phone),
      activeSuppression(ctx.committedReads, phoneHash(ctx.config.erasureHashKey, phone)),
    ]);
    const explain = [];
    for (const category of CATEGORIES) {
      try {
        const decision = await explainSend(ctx, { to: phone, body: 'explain', category });
        explain.push({ category, allowed: decision.allowed, code: decision.code, message: decision.message, retryAfter: decision.retryAfter });
      } catch (err) {
        const known = toAppError(err);
        if (!known || known.status >= 500) throw err;
        explain.push({ category, allowed: false, code: known.code, message: known.message, retryAfter: null });
      }
    }
    const timeline = buildTimeline(detail, reviews);
    const pages = Math.max(1, Math.ceil(timeline.length / TIMELINE_PAGE));
    const current = Math.min(page, pages);
    const now = ctx.clock();
    await show(req, res, 200, 'number', {
      title: `Number ${phone}`,
      nav: 'lookup',
      phone,
      state: detail,
      perCategory: CATEGORIES.map((name) => ({ name, value: detail.perCategory[name] })),
      suppression,
      pendingReview: reviews.some((r) => r.status === 'pending'),
      explain,
      now: now.toISOString(),
      entries: timeline.slice((current - 1) * TIMELINE_PAGE, current * TIMELINE_PAGE),
      total: timeline.length,
      page: current,
      pages,
      prevPage: current > 1 ? current - 1 : null,
      nextPage: current < pages ? current + 1 : null,
      timeZone: ctx.config.program.timeZone,
      today: dateIn(ctx.config.program.timeZone, now),
    });
  });

  router.get('/numbers/:phone/export', async (req, res) => {
    const phone = phoneParam(req);
    await audit(res, 'number.export', phone);
    const document = await exportNumberData(ctx, phone);
    res.set('Content-Disposition', `attachment; filename="subject-export-${phone.replace(/\D/g, '')}.json"`);
    res.type('application/json').send(JSON.stringify(document, null, 2));
  });

  router.post('/numbers/:phone/opt-out', async (req, res) => {
    const phone = phoneParam(req);
    const form = optOutForm.parse(req.body);
    const zone = ctx.config.program.timeZone;
    const now = ctx.clock();
    // Today without a time: received now. Any other day: its start (the earlier reading holds more sends back).
    const receivedAt =
      form.receivedTime || form.receivedDate !== dateIn(zone, now) ? zonedInstant(form.receivedDate, form.receivedTime ?? '', zone).toISOString() : undefined;
    const channel: StaffOptOutChannel = form.how === 'letter' ? 'staff' : form.how;
    const note = [form.how === 'letter' ? 'Received by letter.' : '', form.note?.trim() ?? ''].filter(Boolean).join(' ');
    await act(res, 'number.opt_out', phone, { channel, how: form.how, receivedAt: receivedAt ?? null, confirmation: form.sendConfirmation === 'yes' }, () =>
      recordStaffOptOut(ctx, phone, { channel, note: note || undefined, sendConfirmation: form.sendConfirmation === 'yes', receivedAt }, sessionOf(res).label),
    );
    res.redirect(303, `/console/numbers/${encodeURIComponent(phone)}?done=opt_out`);
  });

  router.post('/numbers/:phone/opt-in', async (req, res) => {
    const phone = phoneParam(req);
    const form = optInForm.parse(req.body);
    const categories = Array.isArray(form.categories) ? form.categories : [form.categories];
    const capturedAt = zonedInstant(form.capturedDate, form.capturedTime, ctx.config.program.timeZone).toISOString();
    const request = optInRequestSchema.parse({
      source: form.source,
      ...(categories ? { categories } : {}),
      evidence: { consentText: form.consentText, capturedAt, ...(form.formUrl ? { formUrl: form.formUrl } : {}), recordedVia: 'console' },
    });
    await act(res, 'number.opt_in', phone, { source: request.source, categories: request.categories ?? [...CATEGORIES], capturedAt }, () =>
      recordApiOptIn(ctx, phone, request, sessionOf(res).label),
    );
    res.redirect(303, `/console/numbers/${encodeURIComponent(phone)}?done=opt_in`);
  });

  router.get('/numbers/:phone/erase', async (req, res) => {
    const phone = phoneParam(req);
    if (!canWrite(sessionOf(res))) throw new ForbiddenError('this key lacks the "ledger.write" scope: it cannot erase');
    await audit(res, 'number.erase_confirm', phone);
    await show(req, res, 200, 'erase', { title: `Erase ${phone}?`, nav: 'lookup', phone });
  });

  router.post('/numbers/:phone/erase', async (req, res) => {
    const phone = phoneParam(req);
    const form = eraseForm.parse(req.body);
    // The audit keeps the erased placeholder, never the number (the erasure scrubs older rows too).
    const placeholder = erasedPlaceholder(phoneHash(ctx.config.erasureHashKey, phone));
    const result = await act(res, 'number.erase', placeholder, {}, async () => {
      if (form.confirmDigits.trim() !== phone.slice(-4)) {
        throw new AppError('confirmation_mismatch', 400, 'the four digits typed are not the end of this number: nothing was erased');
      }
      return eraseNumber(ctx, phone, sessionOf(res).label, form.note?.trim() || null);
    });
    await show(req, res, 200, 'erased', {
      title: 'Number erased',
      nav: 'lookup',
      result,
      redacted: Object.entries(result.redacted).map(([name, count]) => ({ name, count })),
    });
  });

  // ---- review queue ------------------------------------------------------------------------

  router.get('/review', async (req, res) => {
    const after = Number(req.query.after ?? 0);
    if (!Number.isSafeInteger(after) || after < 0 || after > 2 ** 53 - 1) throw new ValidationError('that page link is not one this console gave out');
    await audit(res, 'review.view', null, { after });
    const items = await listReviewItems(ctx, 'pending', REVIEW_PAGE, after);
    await recordNumbersShown(ctx, sessionOf(res), 'review.view.number', items.map((i) => i.phone), { after });
    // Each item's context is bounded (its number's status and last five other texts): a number with
    // a long history must not make the queue load it whole.
    const withContext = await Promise.all(
      items.map(async (item) => {
        const [status, recent] = await Promise.all([numberStatus(ctx, item.phone), recentInboundTexts(ctx, item.phone, item.messageSid, 5)]);
        return { ...item, numberStatus: status, recent };
      }),
    );
    const last = items[items.length - 1];
    await show(req, res, 200, 'review', { title: 'Review queue', nav: 'review', items: withContext, next: items.length === REVIEW_PAGE && last ? last.id : null });
  });

  router.post('/review/:id', async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new ValidationError('the review id must be a positive integer');
    const form = resolveForm.parse(req.body);
    const item = await ctx.committedReads.selectFrom('review_items').select('phone').where('id', '=', id).executeTakeFirst();
    if (!item) throw new NotFoundError(`no review item ${id}`);
    await act(res, 'review.resolve', item.phone, { id, resolution: form.resolution }, () =>
      resolveReviewItem(
        ctx,
        id,
        { resolution: form.resolution, note: form.note?.trim() || undefined, sendConfirmation: form.sendConfirmation === 'yes' },
        sessionOf(res).label,
      ),
    );
    res.redirect(303, '/console/review?done=resolved');
  });

  // ---- lists -------------------------------------------------------------------------------

  const parseListFilters = (req: Request) => {
    const query = listFilterSchema.parse(req.query);
    return {
      query,
      since: query.since ? utcDayStart(query.since) : undefined,
      until: query.until ? utcDayStart(query.until, true) : undefined,
      category: (query.category || undefined) as Category | undefined,
    };
  };

  const queryString = (params: Record<string, string | undefined>) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
    const text = search.toString();
    return text ? `?${text}` : '';
  };

  const optOutFilters = (req: Request): { filters: OptOutFilters; raw: ReturnType<typeof parseListFilters>['query']; before?: number } => {
    const { query, since, until, category } = parseListFilters(req);
    const before = query.before ? Number(query.before) : undefined;
    if (before !== undefined && (!Number.isSafeInteger(before) || before <= 0)) throw new ValidationError('that page link is not one this console gave out');
    return { filters: { since, until, category, channel: query.channel || undefined }, raw: query, before };
  };

  router.get('/lists/opt-outs', async (req, res) => {
    const { filters, raw, before } = optOutFilters(req);
    await audit(res, 'list.opt_outs', null, { ...raw });
    const rows = await recentOptOuts(ctx, filters, LIST_PAGE + 1, before);
    const page = rows.slice(0, LIST_PAGE);
    await recordNumbersShown(ctx, sessionOf(res), 'list.opt_outs.number', page.map((r) => r.phone));
    const base = { since: raw.since, until: raw.until, channel: raw.channel, category: raw.category };
    await show(req, res, 200, 'list', {
      title: 'Recent opt-outs',
      heading: 'Recent opt-outs',
      nav: 'opt-outs',
      action: '/console/lists/opt-outs',
      filters: raw,
      channels: CHANNELS,
      categories: CATEGORIES,
      columns: OPT_OUT_COLUMNS,
      rows: page.map(optOutRow),
      csvUrl: `/console/lists/opt-outs.csv${queryString(base)}`,
      nextUrl: rows.length > LIST_PAGE ? `/console/lists/opt-outs${queryString({ ...base, before: String(page[page.length - 1]!.id) })}` : null,
    });
  });

  router.get('/lists/opt-outs.csv', async (req, res) => {
    const { filters, raw } = optOutFilters(req);
    await audit(res, 'list.opt_outs.csv', null, { ...raw });
    await streamCsv(res, 'opt-outs.csv', OPT_OUT_COLUMNS, async function* () {
      let before: number | undefined;
      for (;;) {
        const page = await recentOptOuts(ctx, filters, CSV_PAGE, before);
        if (page.length === 0) return;
        yield page.map(optOutRow);
        before = page[page.length - 1]!.id;
        if (page.length < CSV_PAGE) return;
      }
    });
  });

  const refusalFilters = (req: Request): { filters: RefusalFilters; raw: ReturnType<typeof parseListFilters>['query']; cursor?: RefusalCursor } => {
    const { query, since, until, category } = parseListFilters(req);
    return { filters: { since, until, category, reason: query.reason || undefined }, raw: query, cursor: decodeRefusalCursor(query.before) };
  };

  router.get('/lists/refusals', async (req, res) => {
    const { filters, raw, cursor } = refusalFilters(req);
    await audit(res, 'list.refusals', null, { ...raw });
    const [rows, reasons] = await Promise.all([recentRefusals(ctx, filters, LIST_PAGE + 1, cursor), refusalReasons(ctx)]);
    const page = rows.slice(0, LIST_PAGE);
    await recordNumbersShown(ctx, sessionOf(res), 'list.refusals.number', page.map((r) => r.phone));
    const base = { since: raw.since, until: raw.until, reason: raw.reason, category: raw.category };
    await show(req, res, 200, 'list', {
      title: 'Recent refusals',
      heading: 'Recent refusals',
      nav: 'refusals',
      action: '/console/lists/refusals',
      filters: raw,
      reasons,
      categories: CATEGORIES,
      columns: REFUSAL_COLUMNS,
      rows: page.map(refusalRow),
      csvUrl: `/console/lists/refusals.csv${queryString(base)}`,
      nextUrl: rows.length > LIST_PAGE ? `/console/lists/refusals${queryString({ ...base, before: encodeRefusalCursor(page[page.length - 1]!) })}` : null,
    });
  });

  router.get('/lists/refusals.csv', async (req, res) => {
    const { filters, raw } = refusalFilters(req);
    await audit(res, 'list.refusals.csv', null, { ...raw });
    await streamCsv(res, 'refusals.csv', REFUSAL_COLUMNS, async function* () {
      let cursor: RefusalCursor | undefined;
      for (;;) {
        const page = await recentRefusals(ctx, filters, CSV_PAGE, cursor);
        if (page.length === 0) return;
        yield page.map(refusalRow);
        const last = page[page.length - 1]!;
        cursor = { createdAt: last.created_at, id: last.id };
        if (page.length < CSV_PAGE) return;
      }
    });
  });

  /** The table's columns and rows as CSV, page by page with backpressure; formula-like text quoted. */
  async function streamCsv(res: Response, filename: string, columns: string[], pages: () => AsyncGenerator<string[][]>): Promise<void> {
    res.status(200).type('text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${filename}"`);
    try {
      await write(res, stringify([columns]));
      for await (const rows of pages()) {
        if (res.destroyed) return;
        await write(res, stringify(rows.map((row) => row.map((cell, i) => (columns[i] === 'number' ? cell : safeText(cell))))));
      }
      res.end();
    } catch (err) {
      ctx.logger.error('console CSV failed mid-stream', { err });
      res.destroy(err as Error);
    }
  }

  // ---- audit -------------------------------------------------------------------------------

  router.get('/audit', async (req, res) => {
    const query = auditFilterSchema.parse(req.query);
    const phone = query.phone ? toE164(query.phone) : undefined;
    if (query.phone && !phone) throw new ValidationError(`"${query.phone}" is not a phone number that can be read`);
    await audit(res, 'audit.view', phone ?? null, { actor: query.actor, action: query.action, since: query.since, until: query.until });
    const filters = {
      actor: query.actor || undefined,
      action: query.action || undefined,
      phone,
      since: query.since ? utcDayStart(query.since) : undefined,
      until: query.until ? utcDayStart(query.until, true) : undefined,
    };
    const rows = await listAudit(ctx, filters, AUDIT_PAGE + 1, query.before);
    const page = rows.slice(0, AUDIT_PAGE);
    const base = { actor: query.actor, action: query.action, phone: query.phone, since: query.since, until: query.until };
    await show(req, res, 200, 'audit', {
      title: 'Staff audit',
      nav: 'audit',
      filters: { ...query, phoneInput: query.phone },
      rows: page,
      nextUrl: rows.length > AUDIT_PAGE ? `/console/audit${queryString({ ...base, before: String(page[page.length - 1]!.id) })}` : null,
    });
  });

  // ---- not found and errors: pages, not JSON -----------------------------------------------

  router.use(() => {
    throw new NotFoundError('no such console page');
  });

  router.use(async (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = toAppError(err);
    if (res.headersSent) {
      ctx.logger.error('console error after the response started', { err, path: req.path });
      res.end();
      return;
    }
    if (!known || known.status >= 500) ctx.logger.error('console error', { err, code: known?.code, path: req.path });
    const status = known?.status ?? 500;
    if (status === 503) res.set('Retry-After', '5');
    const details =
      err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`) : undefined;
    const numberPath = /^\/numbers\/([^/]+)\/(?:opt-out|opt-in|erase)$/.exec(req.path);
    const back = numberPath ? `/console/numbers/${numberPath[1]}` : req.path.startsWith('/review/') ? '/console/review' : undefined;
    try {
      await show(req, res, status, 'error', {
        title: 'Error',
        heading: status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'That did not work',
        message: known && status < 500 ? known.message : known?.status === 503 ? known.message : 'internal error',
        details,
        back,
      });
    } catch (renderErr) {
      ctx.logger.error('console error page failed', { err: renderErr });
      res.status(status).type('text').send(known?.message ?? 'internal error');
    }
  });

  return router;
}
