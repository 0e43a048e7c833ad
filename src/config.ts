import { z } from 'zod';
import { parseApiKeys, rateLimitSchema, type ApiKey, type RateLimitPerMinute } from './auth/api-keys';
import { categorySchema, type Category } from './consent/categories';
import { parsePublicKeys, parseSigningKey, type PublicKey, type SigningKey } from './consent/signing-key';

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The one place that reads the environment. Everything else receives a typed `Config`.
 * Defaults for the program texts come from the privacy policy, section 7.
 */

const emptyAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

const positiveInt = (fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().default(fallback));

/**
 * Requests per minute per API key, unless the key sets its own: off, so one marketing tool sending
 * a campaign at the gateway's full speed is never throttled, and a key without a limit costs
 * nothing per request (counting with express-rate-limit took 15 % of a send's CPU).
 */
export const DEFAULT_API_RATE_LIMIT_PER_MINUTE: RateLimitPerMinute = null;

const envSchema = z
  .object({
    NODE_ENV: z.preprocess(
      emptyAsUndefined,
      z.enum(['development', 'production', 'test']).default('development'),
    ),
    PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
    HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
    LOG_LEVEL: z.preprocess(
      emptyAsUndefined,
      z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
    ),
    DATABASE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine((url) => /^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(url), {
          message: 'must start with sqlite: or postgres://',
        })
        .optional(),
    ),
    DATABASE_SCHEMA: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier')
        .optional(),
    ),
    DATABASE_POOL_SIZE: positiveInt(10),
    DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(5_000),
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM_NUMBER: optionalString,
    TWILIO_MESSAGING_SERVICE_SID: optionalString,
    TWILIO_API_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    PUBLIC_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    API_KEYS: z.preprocess(emptyAsUndefined, z.string().default('')),
    PROGRAM_NAME: z.preprocess(emptyAsUndefined, z.string().max(60).default('MedSpa Scale Systems')),
    PROGRAM_HELP_CONTACT: z.preprocess(
      emptyAsUndefined,
      z.string().max(80).default('medspascalesystems.com'),
    ),
    FREQUENCY_CAP_PER_MONTH: positiveInt(8),
    HELP_REPLIES_PER_DAY: positiveInt(3),
    PROGRAM_TIMEZONE: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine(isTimeZone, { message: 'must be an IANA time zone such as America/New_York' })
        .default('America/New_York'),
    ),
    CAP_CATEGORIES: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default('marketing,informational')
        .transform((list) => list.split(',').map((c) => c.trim()).filter(Boolean))
        .pipe(z.array(categorySchema)),
    ),
    OPT_OUT_LANGUAGE: z.preprocess(emptyAsUndefined, z.string().max(80).default(' Reply STOP to opt out.')),
    ALLOWED_COUNTRIES: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default('US,PR,VI,GU,MP,AS')
        .transform((list) => list.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))
        .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 two-letter codes')).min(1)),
    ),
    QUIET_HOURS: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
    TRANSACTIONAL_QUIET_HOURS: z.preprocess(emptyAsUndefined, z.enum(['exempt', 'apply']).default('exempt')),
    SCHEDULER_INTERVAL_MS: positiveInt(1_000),
    REVIEW_POLICY: z.preprocess(emptyAsUndefined, z.enum(['suppress', 'opt_out', 'ignore']).default('suppress')),
    ERASURE_HASH_KEY: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
    TWILIO_TIMEOUT_MS: positiveInt(10_000),
    TWILIO_MAX_RETRIES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(5).default(2)),
    TWILIO_AUTH_TOKEN_PREVIOUS: optionalString,
    SENDER_NUMBERS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default('')
        .transform((list) => list.split(',').map((n) => n.trim()).filter(Boolean))
        .pipe(z.array(z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164 numbers such as +14155550100, comma-separated'))),
    ),
    LEDGER_SIGNING_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
    LEDGER_PUBLIC_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
    // setInterval fires at once for a delay past 2^31 - 1 ms: a day is the longest that makes sense.
    LEDGER_CHECKPOINT_INTERVAL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1_000).max(86_400_000).default(3_600_000)),
    API_RATE_LIMIT_PER_MINUTE: z.preprocess(emptyAsUndefined, rateLimitSchema.default(DEFAULT_API_RATE_LIMIT_PER_MINUTE)),
    AUTH_FAILURES_PER_WINDOW: positiveInt(30),
    AUTH_FAILURE_WINDOW_MS: positiveInt(15 * 60 * 1000),
    TRUST_PROXY: z.preprocess(emptyAsUndefined, z.string().max(200).default('false')),
    CONSOLE_SESSION_IDLE_MINUTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(24 * 60).default(30)),
    CONSOLE_SESSION_MAX_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(7 * 24).default(12)),
    OPT_IN_CONFIRMATIONS_PER_DAY: positiveInt(3),
    DATABASE_CONNECT_TIMEOUT_MS: positiveInt(3_000),
    DATABASE_LOCK_TIMEOUT_MS: positiveInt(3_000),
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt(10_000),
    DATABASE_APPLICATION_NAME: z.preprocess(
      emptyAsUndefined,
      z.string().regex(/^[\x20-\x7e]{1,63}$/, 'printable ASCII, at most 63 characters').default('sms-compliance-gateway'),
    ),
    DATABASE_CREATE: z.preprocess(emptyAsUndefined, z.enum(['0', '1']).optional()),
    SQLITE_MIN_FREE_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(8 * 1024 * 1024)),
  })
  .superRefine((env, issue) => {
    if (env.NODE_ENV === 'production' && !env.TWILIO_AUTH_TOKEN) {
      issue.addIssue({
        code: 'custom',
        path: ['TWILIO_AUTH_TOKEN'],
        message: 'is required when NODE_ENV=production (webhook signatures cannot be verified without it)',
      });
    }
    if (env.NODE_ENV === 'production' && !env.ERASURE_HASH_KEY) {
      issue.addIssue({
        code: 'custom',
        path: ['ERASURE_HASH_KEY'],
        message: 'is required when NODE_ENV=production (it keys the hashes that keep erased numbers suppressed)',
      });
    }
    if (env.TWILIO_AUTH_TOKEN && !env.PUBLIC_BASE_URL) {
      issue.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: 'is required with TWILIO_AUTH_TOKEN: it is the URL Twilio signs webhooks for',
      });
    }
    if (env.TWILIO_AUTH_TOKEN_PREVIOUS && !env.TWILIO_AUTH_TOKEN) {
      issue.addIssue({
        code: 'custom',
        path: ['TWILIO_AUTH_TOKEN_PREVIOUS'],
        message: 'only applies beside TWILIO_AUTH_TOKEN (the token being rotated out)',
      });
    }
    if (env.TWILIO_ACCOUNT_SID && !env.TWILIO_AUTH_TOKEN) {
      issue.addIssue({
        code: 'custom',
        path: ['TWILIO_AUTH_TOKEN'],
        message: 'is required with TWILIO_ACCOUNT_SID',
      });
    }
    if (env.TWILIO_ACCOUNT_SID && !env.TWILIO_FROM_NUMBER && !env.TWILIO_MESSAGING_SERVICE_SID) {
      issue.addIssue({
        code: 'custom',
        path: ['TWILIO_FROM_NUMBER'],
        message: 'sending through Twilio needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID',
      });
    }
    if (env.NODE_ENV === 'production' && !env.LEDGER_SIGNING_KEY) {
      issue.addIssue({
        code: 'custom',
        path: ['LEDGER_SIGNING_KEY'],
        message: 'is required when NODE_ENV=production (it signs the ledger checkpoints; generate one with `npm run ledger -- signing-key new`)',
      });
    }
    // The messages name what is wrong with a key, never the key.
    for (const [name, parse] of [
      ['LEDGER_SIGNING_KEY', parseSigningKey],
      ['LEDGER_PUBLIC_KEY', parsePublicKeys],
    ] as const) {
      const value = env[name];
      if (!value) continue;
      try {
        parse(value);
      } catch (err) {
        issue.addIssue({ code: 'custom', path: [name], message: (err as Error).message });
      }
    }
    if (env.DATABASE_SCHEMA && !(env.DATABASE_URL ?? '').startsWith('postgres')) {
      issue.addIssue({
        code: 'custom',
        path: ['DATABASE_SCHEMA'],
        message: 'only applies to a postgres:// DATABASE_URL',
      });
    }
  });

/** Every variable the gateway reads: anything else in its environment is ignored. */
export const ENV_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type DatabaseConfig =
  | {
      dialect: 'sqlite';
      path: string;
      /**
       * May a missing ledger file be created? Yes in development and tests (a fresh clone starts
       * with `npm start`); in production only with DATABASE_CREATE=1, so a lost or misplaced file
       * never silently becomes an empty ledger.
       */
      createIfMissing: boolean;
      /** /readyz answers 503 when the ledger's file system has less free space than this. */
      minFreeBytes: number;
    }
  | {
      dialect: 'postgres';
      url: string;
      schema?: string;
      poolSize: number;
      statementTimeoutMs: number;
      /** Connecting, or waiting for a pooled connection, gives up after this. */
      connectTimeoutMs: number;
      /** A statement waiting for a lock (row, table, advisory) gives up after this. */
      lockTimeoutMs: number;
      /** The server ends a session left idle inside a transaction (its locks freed) after this. */
      idleInTransactionTimeoutMs: number;
      /** Shown in pg_stat_activity: how operators (and the tests) find the gateway's sessions. */
      applicationName: string;
    };

export interface ProgramConfig {
  name: string;
  helpContact: string;
  frequencyCapPerMonth: number;
  helpRepliesPerDay: number;
  /** Calendar months for the cap are counted in this zone. */
  timeZone: string;
  /** Which categories count toward the monthly cap. */
  capCategories: Category[];
  /** Appended to marketing texts that carry no STOP instruction. */
  optOutLanguage: string;
  /**
   * What an ambiguous text ("can I cancel my appointment?") does until staff decide:
   * suppress (default): every send to the number is refused (pending_review), no confirmation;
   * opt_out: treated as an opt-out at once, confirmation included; ignore: only queued for review.
   */
  reviewPolicy: 'suppress' | 'opt_out' | 'ignore';
  /**
   * Opt-in confirmations per number per 24 h (the first always goes). Opt-out confirmations are
   * never throttled: each follows a change to opted out, and the person is owed exactly one.
   */
  optInConfirmationsPerDay: number;
}

export interface AbuseLimitsConfig {
  /** Requests per minute for an API key without its own limit; null: unlimited. */
  apiRateLimitPerMinute: RateLimitPerMinute;
  /** Failed authentications from one client address within the window before it is refused 429. */
  authFailuresPerWindow: number;
  authFailureWindowMs: number;
  /** Express's `trust proxy`: which hops' X-Forwarded-For to believe for the client address. */
  trustProxy: boolean | number | string;
}

/** The compliance console's sessions (src/console). */
export interface ConsoleConfig {
  /** A session unused this long ends. */
  sessionIdleMs: number;
  /** A session ends this long after sign-in, however busy. */
  sessionMaxMs: number;
}

export interface SendingConfig {
  /** ISO country codes a send may go to (libphonenumber's region of the number). */
  allowedCountries: string[];
  /** QUIET_HOURS=off disables the time windows (programs that are exempt). */
  quietHours: boolean;
  /** Transactional texts are exempt from quiet hours and daily limits unless TRANSACTIONAL_QUIET_HOURS=apply. */
  transactionalExempt: boolean;
  /** How often the gateway looks for scheduled sends that have become due. */
  schedulerIntervalMs: number;
}

export interface TwilioConfig {
  accountSid?: string;
  authToken?: string;
  /**
   * During a rotation of the auth token: the old one, still accepted on webhook signatures (never
   * used to call Twilio), so requests signed just before the switch are not refused.
   */
  previousAuthToken?: string;
  fromNumber?: string;
  messagingServiceSid?: string;
  apiBaseUrl?: string;
  timeoutMs: number;
  /** Retries of a 429 answer only, with backoff: a 5xx or a timeout is never retried (it may have been sent). */
  maxRetries: number;
  /** Numbers the business sends from beside fromNumber (a Messaging Service's pool): `ledger import` never opts them out. */
  senderNumbers: string[];
}

export interface LedgerSigningConfig {
  /** From LEDGER_SIGNING_KEY: signs checkpoints of the hash chain. Absent: no checkpoints are made. */
  signingKey?: SigningKey;
  /**
   * The keys `ledger verify` accepts checkpoints from: LEDGER_PUBLIC_KEY (a list, for rotations)
   * and the signing key's own public key.
   */
  publicKeys: PublicKey[];
  /** How often the gateway signs a checkpoint (only when the chain head moved). */
  checkpointIntervalMs: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  database: DatabaseConfig;
  twilio: TwilioConfig;
  /** The public URL Twilio signs; webhook signatures are checked against it, never the Host header. */
  publicBaseUrl?: string;
  apiKeys: ApiKey[];
  /** Keys the hash that keeps an erased number suppressed. Must never change once used. */
  erasureHashKey: string;
  /** True when no ERASURE_HASH_KEY was given and a development key is in use. */
  erasureHashKeyIsDevelopmentDefault: boolean;
  program: ProgramConfig;
  sending: SendingConfig;
  ledger: LedgerSigningConfig;
  limits: AbuseLimitsConfig;
  console: ConsoleConfig;
}

export const DEFAULT_SQLITE_PATH = './data/gateway.db';
const DEVELOPMENT_ERASURE_KEY = 'development-only-erasure-hash-key';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function databaseConfig(env: z.infer<typeof envSchema>): DatabaseConfig {
  const url = env.DATABASE_URL;
  const sqlite = (path: string): DatabaseConfig => ({
    dialect: 'sqlite',
    path,
    createIfMissing: env.DATABASE_CREATE ? env.DATABASE_CREATE === '1' : env.NODE_ENV !== 'production',
    minFreeBytes: env.SQLITE_MIN_FREE_BYTES,
  });
  if (!url) return sqlite(DEFAULT_SQLITE_PATH);
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return sqlite(path || DEFAULT_SQLITE_PATH);
  }
  return {
    dialect: 'postgres',
    url,
    schema: env.DATABASE_SCHEMA,
    poolSize: env.DATABASE_POOL_SIZE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    lockTimeoutMs: env.DATABASE_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    applicationName: env.DATABASE_APPLICATION_NAME,
  };
}

/** `false`/`true`, a hop count, or Express's own list (`loopback`, `10.0.0.0/8, uniquelocal`...). */
function parseTrustProxy(raw: string): boolean | number | string {
  const value = raw.trim();
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  let apiKeys: ApiKey[];
  try {
    apiKeys = parseApiKeys(e.API_KEYS);
  } catch (err) {
    throw new ConfigError([`API_KEYS: ${(err as Error).message}`]);
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    database: databaseConfig(e),
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      previousAuthToken: e.TWILIO_AUTH_TOKEN_PREVIOUS,
      fromNumber: e.TWILIO_FROM_NUMBER,
      messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
      apiBaseUrl: e.TWILIO_API_BASE_URL?.replace(/\/+$/, ''),
      timeoutMs: e.TWILIO_TIMEOUT_MS,
      maxRetries: e.TWILIO_MAX_RETRIES,
      senderNumbers: e.SENDER_NUMBERS,
    },
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    apiKeys,
    erasureHashKey: e.ERASURE_HASH_KEY ?? DEVELOPMENT_ERASURE_KEY,
    erasureHashKeyIsDevelopmentDefault: !e.ERASURE_HASH_KEY,
    program: {
      name: e.PROGRAM_NAME,
      helpContact: e.PROGRAM_HELP_CONTACT,
      frequencyCapPerMonth: e.FREQUENCY_CAP_PER_MONTH,
      helpRepliesPerDay: e.HELP_REPLIES_PER_DAY,
      timeZone: e.PROGRAM_TIMEZONE,
      capCategories: e.CAP_CATEGORIES,
      optOutLanguage: e.OPT_OUT_LANGUAGE,
      reviewPolicy: e.REVIEW_POLICY,
      optInConfirmationsPerDay: e.OPT_IN_CONFIRMATIONS_PER_DAY,
    },
    sending: {
      allowedCountries: e.ALLOWED_COUNTRIES,
      quietHours: e.QUIET_HOURS === 'on',
      transactionalExempt: e.TRANSACTIONAL_QUIET_HOURS === 'exempt',
      schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
    },
    ledger: ledgerSigningConfig(e),
    limits: {
      apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
      authFailuresPerWindow: e.AUTH_FAILURES_PER_WINDOW,
      authFailureWindowMs: e.AUTH_FAILURE_WINDOW_MS,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
    },
    console: {
      sessionIdleMs: e.CONSOLE_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: e.CONSOLE_SESSION_MAX_HOURS * 3_600_000,
    },
  };
}

function ledgerSigningConfig(e: z.infer<typeof envSchema>): LedgerSigningConfig {
  const signingKey = e.LEDGER_SIGNING_KEY ? parseSigningKey(e.LEDGER_SIGNING_KEY) : undefined;
  const publicKeys = e.LEDGER_PUBLIC_KEY ? parsePublicKeys(e.LEDGER_PUBLIC_KEY) : [];
  if (signingKey && !publicKeys.some((k) => k.id === signingKey.publicKey.id)) publicKeys.push(signingKey.publicKey);
  return { signingKey, publicKeys, checkpointIntervalMs: e.LEDGER_CHECKPOINT_INTERVAL_MS };
}
