import type { AddressInfo } from 'node:net';
import request from 'supertest';
import twilio from 'twilio';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Clock } from '../../src/context';
import { createTestDatabase, type TestDatabase, type TestDialect } from './databases';

export const KEYS = {
  admin: 'admin-secret-0123456789',
  reader: 'reader-secret-0123456789',
  writer: 'writer-secret-0123456789',
  sender: 'sender-secret-0123456789',
};

export const TEST_API_KEYS = [
  `${KEYS.admin}:admin:compliance-admin`,
  `${KEYS.reader}:ledger.read:auditor`,
  `${KEYS.writer}:ledger.read+ledger.write:crm-sync`,
  `${KEYS.sender}:send:campaigns`,
].join(',');

export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const PUBLIC_BASE_URL = 'https://sms.example.com';

export interface Harness extends App {
  http: ReturnType<typeof request>;
  database: TestDatabase;
  /** Moves the pinned clock. */
  setNow(iso: string): void;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  now?: string;
}

export async function startHarness(dialect: TestDialect, options: HarnessOptions = {}): Promise<Harness> {
  const database = await createTestDatabase(dialect);
  const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEYS, ...database.env, ...options.env });
  let now = new Date(options.now ?? '2026-11-25T20:00:00.000Z');
  const clock: Clock = () => new Date(now);
  const gateway = await createApp(config, { clock });
  return {
    ...gateway,
    http: request(gateway.app),
    database,
    setNow: (iso) => {
      now = new Date(iso);
    },
    stop: async () => {
      await gateway.close();
      await database.drop();
    },
  };
}

let sidCounter = 0;
export function nextSid(): string {
  sidCounter += 1;
  return `SM${String(process.pid).padStart(8, '0')}${String(sidCounter).padStart(24, '0')}`;
}

export interface InboundForm extends Record<string, string> {
  MessageSid: string;
  From: string;
  Body: string;
}

export function inboundParams(from: string, body: string, extra: Record<string, string> = {}): InboundForm {
  return {
    MessageSid: nextSid(),
    AccountSid: 'AC00000000000000000000000000000000',
    From: from,
    To: '+15005550006',
    Body: body,
    ...extra,
  };
}

export function sign(url: string, params: Record<string, string>, token = AUTH_TOKEN): string {
  return twilio.getExpectedTwilioSignature(token, url, params);
}

/** The <Message> text of a TwiML answer, or null for an empty <Response/>. */
export function replyOf(twiml: string): string | null {
  const match = /<Message>([\s\S]*)<\/Message>/.exec(twiml);
  if (!match?.[1]) return null;
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return match[1].replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => entities[name] ?? '');
}

export function bearer(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

export const EVIDENCE = {
  consentText: 'I agree to receive marketing texts from MedSpa Scale Systems. Consent is not a condition of purchase.',
  formUrl: 'https://medspascalesystems.com/join',
  ip: '203.0.113.7',
};

/** Records an opt-in through the API, as a CRM would. */
export async function optIn(h: Harness, phone: string, categories?: string[]): Promise<void> {
  const res = await h.http
    .post(`/v1/consent/${encodeURIComponent(phone)}/opt-in`)
    .set(bearer(KEYS.writer))
    .send({ source: 'web_form', evidence: EVIDENCE, ...(categories ? { categories } : {}) });
  if (res.status !== 201) throw new Error(`opt-in answered ${res.status}: ${res.text}`);
}

/** Sends an inbound text through the webhook (local mode: unsigned). */
export async function inbound(h: Harness, from: string, body: string): Promise<string> {
  const res = await h.http.post('/webhooks/twilio/sms').type('form').send(inboundParams(from, body));
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${res.text}`);
  return res.text;
}

let phoneCounter = 0;
/** A distinct valid US number per call within a test file. */
export function uniquePhone(areaCode = '415'): string {
  phoneCounter += 1;
  return `+1${areaCode}555${String(phoneCounter % 10000).padStart(4, '0')}`;
}

/** The harness's app on a real loopback port (for tests that need real sockets, not supertest). */
export async function listenOnLoopback(h: Harness): Promise<{ port: number; close(): Promise<void> }> {
  const server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
