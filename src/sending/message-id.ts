import { randomUUID } from 'node:crypto';

/**
 * 80 random bits as 20 hex digits, taken from a v4 UUID where all its digits are random (it has
 * 30 such; the version and variant digits are skipped). randomUUID draws on a pool Node keeps
 * filled, where randomBytes calls into OpenSSL each time: several microseconds per send under load.
 */
export function randomHex80(): string {
  const uuid = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(24, 32);
}

/**
 * `msg_` and 32 hex digits: the creation time in milliseconds (12 digits), then 80 random bits.
 * Time first, so each new id lands at the end of the primary-key index rather than at a random
 * page of it (one page fewer to write per send), and ids sort in the order they were made.
 */
export function newMessageId(now: Date): string {
  return `msg_${now.getTime().toString(16).padStart(12, '0')}${randomHex80()}`;
}
