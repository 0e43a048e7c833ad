import winston from 'winston';

export type Logger = winston.Logger;

/** Keys whose values are phone numbers: logged as +1555***0123. */
const PHONE_KEYS = new Set(['phone', 'from', 'to', 'From', 'To', 'number']);
/** Keys whose values are message texts or secrets: only their length is logged. */
const TEXT_KEYS = new Set(['body', 'Body', 'text', 'reply', 'rawText']);
const SECRET_KEYS = /(token|secret|password|authorization|api_?key)/i;
const PHONE_IN_TEXT = /\+\d{8,15}\b|\b\d{10,11}\b/g;

export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 6) return '***';
  return `${value.startsWith('+') ? '+' : ''}${digits.slice(0, 4)}***${digits.slice(-2)}`;
}

function maskValue(key: string, value: unknown, depth: number): unknown {
  if (value === null || value === undefined) return value;
  if (SECRET_KEYS.test(key)) return '[secret]';
  if (typeof value === 'string') {
    if (PHONE_KEYS.has(key)) return maskPhone(value);
    if (TEXT_KEYS.has(key)) return `[${value.length} chars]`;
    return value.replace(PHONE_IN_TEXT, (m) => maskPhone(m));
  }
  if (value instanceof Error) {
    return { name: value.name, message: maskValue('message', value.message, depth), stack: value.stack };
  }
  if (typeof value === 'object' && depth < 4) {
    if (Array.isArray(value)) return value.map((v) => maskValue(key, v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskValue(k, v, depth + 1);
    return out;
  }
  return value;
}

/** Masks phone numbers and message bodies anywhere in a log entry; secrets are never written. */
export const maskSensitive = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    (info as Record<string, unknown>)[key] = maskValue(key, info[key], 0);
  }
  return info;
});

export function createLogger(options: { level: string; silent?: boolean }): Logger {
  return winston.createLogger({
    level: options.level,
    silent: options.silent,
    format: winston.format.combine(maskSensitive(), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
