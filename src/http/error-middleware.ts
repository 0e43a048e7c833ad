import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { databaseFault } from '../db/errors';
import { AppError, NotFoundError } from '../errors';
import type { Logger } from '../logger';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const fault = databaseFault(err);
  if (fault) return fault;
  if (err instanceof z.ZodError) {
    return new AppError('validation_error', 400, 'the request is not valid', err.issues);
  }
  const bodyError = err as BodyParserError;
  switch (bodyError?.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 413, `the request body is over ${bodyError.limit} bytes`);
    case 'entity.parse.failed':
      return new AppError('invalid_body', 400, 'the request body could not be parsed');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_encoding', 415, bodyError.message);
    case 'parameters.too.many':
      return new AppError('too_many_parameters', 413, 'the request has too many parameters');
    case 'request.aborted':
      return new AppError('request_aborted', 400, 'the request was aborted');
    default:
      if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
        return new AppError('bad_request', bodyError.status, bodyError.message);
      }
      return undefined;
  }
}

export function notFoundHandler(): RequestHandler {
  return (req) => {
    throw new NotFoundError(`no route for ${req.method} ${req.path}`);
  };
}

/** The single place that maps errors to HTTP. Unknown errors are 500 and logged; details never leak. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toAppError(err);
    if (res.headersSent) {
      logger.error('error after response started', { err, path: req.path });
      res.end();
      return;
    }
    if (!known) {
      logger.error('unhandled error', { err, method: req.method, path: req.path });
      const body: ErrorBody = { error: { code: 'internal_error', message: 'internal error' } };
      res.status(500).json(body);
      return;
    }
    if (known.status >= 500) {
      // The cause (a driver's error) is what an operator needs: SQLITE_FULL, ECONNREFUSED, …
      const cause = (known as { cause?: unknown }).cause;
      logger.error(known.message, {
        code: known.code,
        path: req.path,
        ...(cause === undefined ? {} : { err: cause, causeCode: (cause as { code?: unknown }).code }),
      });
    }
    // A 503 is temporary by definition: Twilio and API clients retry it.
    if (known.status === 503) res.setHeader('Retry-After', '5');
    const body: ErrorBody = { error: { code: known.code, message: known.message } };
    if (known.details !== undefined) body.error.details = known.details;
    res.status(known.status).json(body);
  };
}
