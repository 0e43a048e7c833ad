/**
 * Typed errors with stable `code` strings. The HTTP status lives here, and only the error
 * middleware (src/http/error-middleware.ts) turns them into responses.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('validation_error', 400, message, details);
  }
}

export class InvalidPhoneError extends AppError {
  constructor(input: string) {
    super('invalid_phone', 400, `"${truncate(input, 40)}" is not a phone number that can be parsed`);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'a valid API key is required: Authorization: Bearer <key>') {
    super('unauthorized', 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

export class InvalidSignatureError extends AppError {
  constructor(message: string) {
    super('invalid_signature', 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'no such resource') {
    super('not_found', 404, message);
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, 409, message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(code: 'rate_limited' | 'too_many_auth_failures', message: string) {
    super(code, 429, message);
  }
}

/**
 * The database cannot be reached or did not answer in time (PostgreSQL down, restarted, a dropped
 * connection, a network partition, a lock or statement timeout). Nothing was acknowledged: the
 * caller (Twilio included) should retry.
 */
export class DatabaseUnavailableError extends AppError {
  constructor(message = 'the database is unavailable; retry later', override readonly cause?: unknown) {
    super('database_unavailable', 503, message);
  }
}

/**
 * The SQLite ledger cannot take writes: the disk is full, an I/O error, a read-only file, or the
 * file was deleted or replaced under the running gateway. Nothing was acknowledged.
 */
export class StorageUnavailableError extends AppError {
  constructor(message = 'the ledger storage cannot take writes; retry later', override readonly cause?: unknown) {
    super('storage_unavailable', 503, message);
  }
}
