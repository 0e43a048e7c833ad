import { activeSuppression, erasedPlaceholder, isErasedPlaceholder, phoneHash } from '../consent/suppression';
import type { AppContext } from '../context';
import type { StaffAuditRow } from '../db/tables/staff-audit';

/** Who a console request acts as: the signed-in key. */
export interface AuditActor {
  label: string;
  key: { id: string };
}

export interface AuditEntry {
  action: string;
  phone?: string | null;
  outcome?: string;
  detail?: Record<string, unknown>;
}

/**
 * Records one staff read or action. Reads are recorded before the data is shown: if the audit
 * cannot be written, the page is not shown either.
 */
export async function recordAudit(ctx: AppContext, actor: AuditActor, entry: AuditEntry): Promise<void> {
  const phone = entry.phone ? await asAudited(ctx, entry.phone) : null;
  await ctx.transactions.runStatement((db) =>
    db
      .insertInto('staff_audit')
      .values({
        at: ctx.clock().toISOString(),
        actor: actor.label,
        key_id: actor.key.id,
        action: entry.action,
        phone,
        outcome: entry.outcome ?? 'ok',
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      })
      .execute(),
  );
}

/**
 * Records that a page showed these numbers (the review queue, a list page): one row per number,
 * in one statement, so that a data-protection officer filtering the audit by a number finds
 * every page that showed it. The numbers come from the ledger's own rows, where an erased
 * number is already its placeholder.
 */
export async function recordNumbersShown(ctx: AppContext, actor: AuditActor, action: string, phones: readonly string[], detail?: Record<string, unknown>): Promise<void> {
  const distinct = [...new Set(phones)];
  if (distinct.length === 0) return;
  const at = ctx.clock().toISOString();
  const json = detail ? JSON.stringify(detail) : null;
  await ctx.transactions.runStatement((db) =>
    db
      .insertInto('staff_audit')
      .values(distinct.map((phone) => ({ at, actor: actor.label, key_id: actor.key.id, action, phone, outcome: 'ok', detail: json })))
      .execute(),
  );
}

/**
 * The number as the audit keeps it: an erased number (looked up to check that the erasure worked)
 * is written as its erased placeholder, so that looking never writes it back into the database.
 */
async function asAudited(ctx: AppContext, phone: string): Promise<string> {
  if (isErasedPlaceholder(phone)) return phone;
  const hash = phoneHash(ctx.config.erasureHashKey, phone);
  return (await activeSuppression(ctx.committedReads, hash)) ? erasedPlaceholder(hash) : phone;
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  phone?: string;
  since?: string;
  until?: string;
}

/** Newest first, before `beforeId` (keyset). */
export async function listAudit(ctx: AppContext, filters: AuditFilters, limit: number, beforeId?: number): Promise<StaffAuditRow[]> {
  let query = ctx.committedReads.selectFrom('staff_audit').selectAll();
  if (filters.actor) query = query.where('actor', '=', filters.actor);
  if (filters.action) query = query.where('action', '=', filters.action);
  if (filters.phone) query = query.where('phone', '=', filters.phone);
  if (filters.since) query = query.where('at', '>=', filters.since);
  if (filters.until) query = query.where('at', '<', filters.until);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/** The latest ledger verification run from the console, if any. */
export async function lastVerification(ctx: AppContext): Promise<StaffAuditRow | undefined> {
  return ctx.committedReads
    .selectFrom('staff_audit')
    .selectAll()
    .where('action', '=', 'ledger.verify')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
