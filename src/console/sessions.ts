import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ApiKey } from '../auth/api-keys';
import type { AppContext } from '../context';

/** The session cookie: a random id; the database keeps only its SHA-256. */
export const SESSION_COOKIE = 'console_session';
/** Before sign-in: the double-submit token of the sign-in form (login CSRF). */
export const SIGN_IN_COOKIE = 'console_signin';
export const COOKIE_PATH = '/console';
/** A session's expiry is pushed forward at most this often: one write a minute, not one a request. */
const TOUCH_EVERY_MS = 60_000;

export interface StaffSession {
  idHash: string;
  csrfToken: string;
  key: ApiKey;
  label: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Compares two tokens in constant time (for equal lengths; a length mismatch is a plain no). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Cookies of a request, without a dependency: names and values as sent (values URI-decoded). */
export function readCookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const header = req.get('Cookie');
  if (!header || header.length > 8_192) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      // a malformed value is ignored, as if absent
    }
  }
  return out;
}

/** HttpOnly, SameSite=Strict, scoped to /console; Secure when the request came over https. */
export function setCookie(req: Request, res: Response, name: string, value: string, maxAgeMs?: number): void {
  res.cookie(name, value, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: COOKIE_PATH,
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  });
}

export function clearCookie(req: Request, res: Response, name: string): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: COOKIE_PATH });
}

/**
 * Opens a session for a key: the id goes to the cookie, its hash to the database, so a session
 * opened on one instance is valid on every instance sharing the database. Sessions that ended or
 * expired are deleted on the way (nothing else needs them: the audit says who did what).
 */
export async function openSession(ctx: AppContext, key: ApiKey): Promise<{ token: string; session: StaffSession }> {
  const now = ctx.clock();
  const nowIso = now.toISOString();
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + Math.min(ctx.config.console.sessionIdleMs, ctx.config.console.sessionMaxMs)).toISOString();
  const session: StaffSession = {
    idHash: hashToken(token),
    csrfToken: randomToken(),
    key,
    label: key.label,
    createdAt: nowIso,
    lastSeenAt: nowIso,
    expiresAt,
  };
  await ctx.transactions.run(async (trx) => {
    await trx
      .deleteFrom('console_sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', nowIso), eb('ended_at', 'is not', null)]))
      .execute();
    await trx
      .insertInto('console_sessions')
      .values({
        id_hash: session.idHash,
        csrf_token: session.csrfToken,
        key_id: key.id,
        key_label: key.label,
        created_at: nowIso,
        last_seen_at: nowIso,
        expires_at: expiresAt,
        ended_at: null,
      })
      .execute();
  });
  return { token, session };
}

/**
 * The live session a cookie names, or undefined: unknown, signed out, expired, or its key no
 * longer configured. The key's scopes are today's configuration, not the sign-in's.
 */
export async function findSession(ctx: AppContext, token: string | undefined): Promise<StaffSession | undefined> {
  if (!token || token.length > 100) return undefined;
  const row = await ctx.committedReads.selectFrom('console_sessions').selectAll().where('id_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row || row.ended_at !== null) return undefined;
  if (row.expires_at <= ctx.clock().toISOString()) return undefined;
  const key = ctx.config.apiKeys.find((k) => k.id === row.key_id);
  if (!key) return undefined;
  return {
    idHash: row.id_hash,
    csrfToken: row.csrf_token,
    key,
    label: row.key_label,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

/** Slides the idle expiry forward (never past the maximum length), at most once a minute. */
export async function touchSession(ctx: AppContext, session: StaffSession): Promise<void> {
  const now = ctx.clock();
  if (now.getTime() - Date.parse(session.lastSeenAt) < TOUCH_EVERY_MS) return;
  const hardEnd = Date.parse(session.createdAt) + ctx.config.console.sessionMaxMs;
  const expiresAt = new Date(Math.min(now.getTime() + ctx.config.console.sessionIdleMs, hardEnd)).toISOString();
  await ctx.transactions.runStatement((db) =>
    db
      .updateTable('console_sessions')
      .set({ last_seen_at: now.toISOString(), expires_at: expiresAt })
      .where('id_hash', '=', session.idHash)
      .where('ended_at', 'is', null)
      .execute(),
  );
}

export async function endSession(ctx: AppContext, session: StaffSession): Promise<void> {
  await ctx.transactions.runStatement((db) =>
    db.updateTable('console_sessions').set({ ended_at: ctx.clock().toISOString() }).where('id_hash', '=', session.idHash).execute(),
  );
}
