import type { Writable } from 'node:stream';
import winston from 'winston';

export type Logger = winston.Logger;

/** Keys whose values are phone numbers: logged as +1555***0123. */
const PHONE_KEYS = new Set(['phone', 'from', 'to', 'From', 'To', 'number', 'phoneNumber', 'phone_number', 'recipient']);
/** Keys whose values are message texts (or derived from them): only their length is logged. */
const TEXT_KEYS = new Set(['body', 'Body', 'text', 'reply', 'rawText', 'normalised', 'matched', 'note']);
const SECRET_KEYS = /(token|secret|password|passwd|authorization|api_?key|cookie|signature|credential|private_?key|signing_?key)/i;

/**
 * A phone number in free text, in any of the forms it reaches a log in: E.164 (+14155550134),
 * URL-encoded (%2B14155550134, %28415%29%20555-0134), national ((415) 555-0134, 415-555-0134,
 * 415.555.0134, 4155550134), with spaces or form-encoded spaces (415+555+0134). It starts where no
 * letter or digit precedes (or right after an encoded +) and runs over digits and up to three
 * separators between them; the replacer masks it from 10 digits (8 after a +) and leaves dates,
 * shorter counters and IPv4 addresses alone. Separators and digits are disjoint, so the
 * match is linear in the length of the text.
 */
const PHONE_IN_TEXT = /(?:(?<=%2[Bb])|(?<![\p{L}\p{N}_]))(?:\+|%2[Bb])?(?:\(|%28)?\d(?:(?:[\s\-\u2010-\u2015.()/+]|%(?:20|2[89BbDdEe])){0,3}\d){6,}/gu;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const DATE = /^\d{4}-\d\d-\d\d(?!\d)/;

/** Secrets inside text: credentials in URLs and query strings, bearer tokens, JSON-ish "token":"…". */
const SECRET_HINT = /bearer|basic|token|secret|pass|key|auth|sig|cred|@/i;
const SECRET_IN_TEXT: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic|Token)\s+[^\s"',;]+/gi, '$1 [secret]'],
  [/(\/\/[^\s/:@]*:)[^\s/@]+@/g, '$1[secret]@'],
  [/((?:^|[?&;,\s])[\w.-]*(?:token|secret|password|passwd|pwd|signature|sig|key|auth|credential)[\w.-]*=)[^&\s#"',;]*/gi, '$1[secret]'],
  [/("[\w.-]*(?:token|secret|password|authorization|api_?key|signature)[\w.-]*"\s*:\s*")[^"]*"/gi, '$1[secret]"'],
];

/** A message text inside a form-encoded string (a raw webhook body): Body=…, as long as it runs. */
const BODY_PARAM = /((?:^|[?&])(?:Body|body|text)=)[^&\s]*/g;

/** JSON.parse quotes the text it could not parse, a request body: `Unexpected token 'S', "STOP…" is not valid JSON`. */
const JSON_SNIPPET = /, ".*"(?= is not valid JSON)/gs;

/** Deeper than this, an object is not walked (nor written): a log line is not a data dump. */
const MAX_DEPTH = 8;

export function maskPhone(value: string): string {
  const digits = value.replace(PERCENT_ESCAPE, '').replace(/\D/g, '');
  if (digits.length < 6) return '***';
  const plus = value.startsWith('+') || /^%2b/i.test(value);
  return `${plus ? '+' : ''}${digits.slice(0, 4)}***${digits.slice(-2)}`;
}

function maskPhoneMatch(match: string): string {
  // "2026-11-27 06:45": the date stays, whatever follows it is looked at on its own.
  const date = DATE.exec(match);
  if (date) return date[0] + match.slice(date[0].length).replace(PHONE_IN_TEXT, maskPhoneMatch);
  const digits = match.replace(PERCENT_ESCAPE, '').replace(/\D/g, '').length;
  const plus = match.startsWith('+') || /^%2b/i.test(match);
  if (digits < (plus ? 8 : 10) || IPV4.test(match)) return match;
  return maskPhone(match);
}

/** Text that may hold digits or separators outside ASCII, raw or percent-encoded as UTF-8. */
const NON_ASCII = /[^\x00-\x7f]|%[89A-Fa-f][0-9A-Fa-f]/;
const ENCODED_NON_ASCII_RUN = /(?:%[89A-Fa-f][0-9A-Fa-f])+/g;

/**
 * A run of digits and separators of any script, full-width forms included (（４１５）５５５．０１７７,
 * 415ー555ー0177): where a number written outside ASCII can hide.
 */
const DIGIT_RUN = /[\p{Nd}\p{Zs}\p{Pd}\uFF01-\uFF5E\u30FC().\/+%]{7,}/gu;

/**
 * A number written with other digits or separators (full-width or Arabic-Indic digits, en dashes,
 * no-break spaces; libphonenumber reads them all) is brought to ASCII first, so the phone pattern
 * sees it; only such runs change. Full-width forms become their ASCII selves (NFKC); other digits
 * become 0 (what is logged must not reveal them), other dashes and spaces their ASCII ones.
 */
function toAsciiForMasking(text: string): string {
  const decoded = text.replace(ENCODED_NON_ASCII_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
  return decoded.replace(DIGIT_RUN, (run) =>
    /[^\x00-\x7f]/.test(run) && /\p{Nd}/u.test(run)
      ? run
          .normalize('NFKC')
          .replace(/(?![0-9])\p{Nd}/gu, '0')
          .replace(/\p{Zs}/gu, ' ')
          .replace(/[\p{Pd}\u30FC]/gu, '-')
      : run,
  );
}

/** Masks phone numbers and secrets in free text (messages, stack traces, paths, error details). */
export function maskText(value: string): string {
  let out = NON_ASCII.test(value) ? toAsciiForMasking(value) : value;
  if (SECRET_HINT.test(out)) for (const [pattern, replacement] of SECRET_IN_TEXT) out = out.replace(pattern, replacement);
  if (out.includes('ody=') || out.includes('text=')) out = out.replace(BODY_PARAM, '$1[masked]');
  if (out.includes('not valid JSON')) out = out.replace(JSON_SNIPPET, ', "…"');
  if (/\d/.test(out)) out = out.replace(PHONE_IN_TEXT, maskPhoneMatch);
  return out;
}

/** A PostgreSQL error's detail quotes the row: "Key (phone)=(+1…) already exists", "Failing row contains (…)". */
function maskDetail(value: string): string {
  return maskText(value.replace(/(=|contains )\(.*\)/s, '$1(…)'));
}

function maskError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: maskText(err.message) };
  for (const [k, v] of Object.entries(err)) {
    if (k !== 'name' && k !== 'message' && k !== 'stack') out[k] = maskValue(k, v, depth + 1, seen);
  }
  if (err.cause !== undefined) out.cause = maskValue('cause', err.cause, depth + 1, seen);
  if (err instanceof AggregateError) out.errors = maskValue('errors', err.errors, depth + 1, seen);
  if (err.stack) out.stack = maskText(err.stack);
  return out;
}

function maskValue(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || value === undefined) return value;
  if (SECRET_KEYS.test(key)) return '[secret]';
  if (typeof value === 'string') {
    if (PHONE_KEYS.has(key)) return maskPhone(value);
    if (TEXT_KEYS.has(key)) return `[${value.length} chars]`;
    if (key === 'detail') return maskDetail(value);
    return maskText(value);
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return PHONE_KEYS.has(key) && String(value).length >= 7 ? maskPhone(String(value)) : value;
  }
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  // `seen` holds the objects on the path from the entry down to here: a cycle, not a repeat.
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) return maskError(value, depth, seen);
    if (Array.isArray(value)) return value.map((v) => maskValue(key, v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskValue(k, v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Masks phone numbers (any form, any depth, stack traces and error details included) and message
 * bodies anywhere in a log entry; secrets are never written.
 */
export const maskSensitive = winston.format((info) => {
  const seen = new WeakSet<object>();
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    (info as Record<string, unknown>)[key] = maskValue(key, info[key], 0, seen);
  }
  return info;
});

/** The format every log line goes through: masking first, then a timestamp, then JSON. */
export function logFormat(): winston.Logform.Format {
  return winston.format.combine(maskSensitive(), winston.format.timestamp(), winston.format.json());
}

export function createLogger(options: { level: string; silent?: boolean; stream?: Writable }): Logger {
  return winston.createLogger({
    level: options.level,
    silent: options.silent,
    format: logFormat(),
    transports: [
      options.stream
        ? new winston.transports.Stream({ stream: options.stream })
        : new winston.transports.Console({ stderrLevels: ['error', 'warn'] }),
    ],
  });
}
