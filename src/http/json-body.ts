import express, { type RequestHandler } from 'express';
import { AppError } from '../errors';

/**
 * Deepest nesting of arrays and objects a JSON request may have. Nothing the API takes is deeper
 * than 2 (an opt-in's evidence object); a deeply nested body only costs the parser and the
 * garbage collector.
 */
export const MAX_JSON_DEPTH = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * The deepest nesting in raw JSON text, or maxDepth + 1 as soon as it is exceeded: one pass over
 * the bytes (UTF-8) or code units (other encodings), no allocation, before JSON.parse builds anything. Brackets inside strings do not
 * count; UTF-8 continuation bytes never equal these ASCII codes, so scanning bytes is exact.
 */
export function jsonDepthExceeds(body: Uint8Array | string, maxDepth: number): boolean {
  const codeAt = typeof body === 'string' ? (i: number) => body.charCodeAt(i) : (i: number) => body[i];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = codeAt(i);
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** express.json with the body size limit and a nesting-depth check before parsing. */
export function jsonBody(limit: string): RequestHandler {
  return express.json({
    limit,
    verify: (_req, _res, body, encoding) => {
      // body-parser also accepts UTF-16 and -32, whose code units can hold these byte values.
      const text = /^utf-?8$/i.test(encoding) ? body : new TextDecoder(encoding).decode(body);
      if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
        throw new AppError('json_too_deep', 400, `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
    },
  });
}
