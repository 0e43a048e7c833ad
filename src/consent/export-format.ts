import { stringify } from 'csv-stringify/sync';
import type { ConsentEventRow } from '../db/tables/consent-event';
import type { ConsentStateRow } from '../db/tables/consent-state';
import { CATEGORIES, parseCategories } from './categories';

export type ExportFormat = 'csv' | 'ndjson';
export type ExportKind = 'numbers' | 'events';

export const NUMBER_COLUMNS = ['phone', 'status', ...CATEGORIES, 'updated_at', 'last_channel', 'last_event_id'] as const;
export const EVENT_COLUMNS = [
  'id', 'phone', 'event_type', 'previous_status', 'status', 'categories', 'channel', 'keyword',
  'raw_text', 'message_sid', 'evidence', 'actor', 'occurred_at', 'recorded_at', 'chain_hash',
] as const;

/**
 * Free text that starts like a formula is prefixed with a quote, so a CSV opened in a spreadsheet
 * cannot run anything (CSV injection). Phone numbers are E.164 and left alone.
 */
export function safeText(value: string | null): string {
  if (value === null) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function numberRecord(row: ConsentStateRow): Record<string, unknown> {
  const held = row.status === 'opted_in' ? parseCategories(row.categories) : [];
  return {
    phone: row.phone,
    status: row.status,
    ...Object.fromEntries(CATEGORIES.map((c) => [c, held.includes(c)])),
    updated_at: row.updated_at,
    last_channel: row.last_channel,
    last_event_id: row.last_event_id,
  };
}

function eventRecord(row: ConsentEventRow): Record<string, unknown> {
  return {
    id: row.id,
    phone: row.phone,
    event_type: row.event_type,
    previous_status: row.previous_status,
    status: row.status,
    categories: parseCategories(row.categories),
    channel: row.channel,
    keyword: row.keyword,
    raw_text: row.raw_text,
    message_sid: row.message_sid,
    evidence: JSON.parse(row.evidence) as unknown,
    actor: row.actor,
    occurred_at: row.occurred_at,
    recorded_at: row.recorded_at,
    chain_hash: row.chain_hash,
  };
}

export function exportHeader(kind: ExportKind, format: ExportFormat): string {
  if (format === 'ndjson') return '';
  return stringify([kind === 'numbers' ? [...NUMBER_COLUMNS] : [...EVENT_COLUMNS]]);
}

/** Formats one page of rows as CSV lines or NDJSON lines. */
export function formatPage(kind: ExportKind, format: ExportFormat, rows: ConsentStateRow[] | ConsentEventRow[]): string {
  const records =
    kind === 'numbers'
      ? (rows as ConsentStateRow[]).map(numberRecord)
      : (rows as ConsentEventRow[]).map(eventRecord);
  if (format === 'ndjson') return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const columns = kind === 'numbers' ? NUMBER_COLUMNS : EVENT_COLUMNS;
  return stringify(
    records.map((r) =>
      columns.map((c) => {
        const v = r[c];
        if (v === null || v === undefined) return '';
        if (typeof v === 'boolean') return v ? 'yes' : 'no';
        if (Array.isArray(v)) return v.join(';');
        if (typeof v === 'object') return safeText(JSON.stringify(v));
        return c === 'phone' ? String(v) : safeText(String(v));
      }),
    ),
  );
}
