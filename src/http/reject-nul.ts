import type { RequestHandler } from 'express';
import { NUL_MESSAGE } from '../db/errors';
import { ValidationError } from '../errors';

const MAX_DEPTH = 64;

function findNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.some((v) => findNul(v, depth + 1));
  for (const [key, v] of Object.entries(value)) if (key.includes('\0') || findNul(v, depth + 1)) return true;
  return false;
}

/**
 * The API's rule for NUL (U+0000): refused anywhere in a request (path, query string, JSON body,
 * keys included) with 400 validation_error, on both dialects alike. PostgreSQL cannot store it and
 * nothing legitimate sends it; refusing says so to the client, where stripping would change its
 * data silently. (Carrier webhooks strip it instead: a text cannot be sent back.)
 */
export function rejectNul(): RequestHandler {
  return (req, _res, next) => {
    if (/%00/i.test(req.originalUrl) || findNul(req.body)) {
      next(new ValidationError(NUL_MESSAGE));
      return;
    }
    next();
  };
}
