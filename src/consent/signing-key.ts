import { createPrivateKey, createPublicKey, generateKeyPairSync, hash, type KeyObject } from 'node:crypto';

/**
 * The Ed25519 key that signs ledger checkpoints (src/consent/checkpoints.ts). The private key
 * lives only in the gateway's environment (LEDGER_SIGNING_KEY), never in the database, so
 * whoever can write the database cannot sign. Keys travel as one line of base64 DER (PKCS#8 for
 * the private key, SPKI for the public one), which fits an environment variable; PEM is read too.
 */
export interface PublicKey {
  key: KeyObject;
  /** Base64 of the SPKI DER encoding: what `ledger signing-key new` prints for auditors. */
  text: string;
  /** Names the key in each checkpoint: the first 16 hex digits of SHA-256 of the SPKI DER. */
  id: string;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: PublicKey;
}

function describePublic(key: KeyObject): PublicKey {
  const der = key.export({ type: 'spki', format: 'der' });
  return { key, text: der.toString('base64'), id: hash('sha256', der, 'hex').slice(0, 16) };
}

const isPem = (text: string) => text.trimStart().startsWith('-----BEGIN');

/** The text of a PEM taken from an environment variable, where newlines are often written \n. */
const pemText = (text: string) => text.trim().replace(/\\n/g, '\n');

function decodeBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new Error('not base64 or PEM');
  return Buffer.from(compact, 'base64');
}

function assertEd25519(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
}

/** Reads LEDGER_SIGNING_KEY; throws (without echoing the key) if it is not an Ed25519 private key. */
export function parseSigningKey(text: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = isPem(text)
      ? createPrivateKey({ key: pemText(text), format: 'pem' })
      : createPrivateKey({ key: decodeBase64(text), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('is not a private key (expected base64 PKCS#8 DER or PEM, as printed by `ledger signing-key new`)');
  }
  assertEd25519(privateKey);
  return { privateKey, publicKey: describePublic(createPublicKey(privateKey)) };
}

/** Reads a public key (LEDGER_PUBLIC_KEY, `verify --public-key`): base64 SPKI DER or PEM. */
export function parsePublicKey(text: string): PublicKey {
  let key: KeyObject;
  try {
    key = isPem(text)
      ? createPublicKey({ key: pemText(text), format: 'pem' })
      : createPublicKey({ key: decodeBase64(text), format: 'der', type: 'spki' });
  } catch {
    throw new Error('is not a public key (expected base64 SPKI DER or PEM, as printed by `ledger signing-key new`)');
  }
  assertEd25519(key);
  return describePublic(key);
}

/** A comma-separated list of public keys (the current one, and older ones during a rotation). */
export function parsePublicKeys(list: string): PublicKey[] {
  return list
    .split(',')
    .map((text) => text.trim())
    .filter(Boolean)
    .map(parsePublicKey);
}

/** A fresh key pair, as the environment variables that carry it. */
export function generateSigningKey(): { privateKeyText: string; publicKey: PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyText: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: describePublic(publicKey),
  };
}
