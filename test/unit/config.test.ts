import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';
import { generateSigningKey } from '../../src/consent/signing-key';
import { findApiKey, hasScope, parseApiKeys } from '../../src/auth/api-keys';

describe('loadConfig', () => {
  it('defaults to SQLite at ./data/gateway.db on 127.0.0.1:3000 with the policy texts', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      database: { dialect: 'sqlite', path: './data/gateway.db' },
      program: { name: 'MedSpa Scale Systems', frequencyCapPerMonth: 8 },
      apiKeys: [],
    });
  });

  it('reads sqlite: and postgres:// URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).database).toMatchObject({ dialect: 'sqlite', path: '/tmp/x.db' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d', DATABASE_POOL_SIZE: '4' }).database).toMatchObject({
      dialect: 'postgres',
      url: 'postgres://u@h:5432/d',
      poolSize: 4,
    });
  });

  it('creates a missing SQLite ledger in development only; production needs DATABASE_CREATE=1', () => {
    expect(loadConfig({}).database).toMatchObject({ createIfMissing: true });
    const production = {
      NODE_ENV: 'production',
      TWILIO_AUTH_TOKEN: 't',
      PUBLIC_BASE_URL: 'https://x.example',
      ERASURE_HASH_KEY: 'k'.repeat(16),
      LEDGER_SIGNING_KEY: generateSigningKey().privateKeyText,
    };
    expect(loadConfig(production).database).toMatchObject({ createIfMissing: false });
    expect(loadConfig({ ...production, DATABASE_CREATE: '1' }).database).toMatchObject({ createIfMissing: true });
  });

  it('bounds every PostgreSQL wait well under Twilio\'s 15 s webhook timeout by default', () => {
    const database = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d' }).database;
    expect(database).toMatchObject({ statementTimeoutMs: 5_000, connectTimeoutMs: 3_000, lockTimeoutMs: 3_000 });
    if (database.dialect !== 'postgres') throw new Error('postgres expected');
    // Waiting for a connection, then one statement that hangs (our query timeout is 1 s longer).
    expect(database.connectTimeoutMs + database.statementTimeoutMs + 1_000).toBeLessThan(15_000);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'production' }, 'TWILIO_AUTH_TOKEN'],
    [{ NODE_ENV: 'production' }, 'LEDGER_SIGNING_KEY'],
    [{ LEDGER_SIGNING_KEY: 'not-a-key' }, 'LEDGER_SIGNING_KEY'],
    [{ LEDGER_PUBLIC_KEY: 'bm90IGEga2V5' }, 'LEDGER_PUBLIC_KEY'],
    [{ LEDGER_CHECKPOINT_INTERVAL_MS: '0' }, 'LEDGER_CHECKPOINT_INTERVAL_MS'],
    [{ LEDGER_CHECKPOINT_INTERVAL_MS: '3000000000' }, 'LEDGER_CHECKPOINT_INTERVAL_MS'],
    [{ TWILIO_AUTH_TOKEN: 'abc' }, 'PUBLIC_BASE_URL'],
    [{ PUBLIC_BASE_URL: 'not a url' }, 'PUBLIC_BASE_URL'],
    [{ API_KEYS: 'short:send' }, 'API_KEYS'],
    [{ API_KEYS: 'a-long-enough-secret-1:launch' }, 'API_KEYS'],
    [{ FREQUENCY_CAP_PER_MONTH: '0' }, 'FREQUENCY_CAP_PER_MONTH'],
  ])('%j is refused naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('never puts a secret in an error message', () => {
    try {
      loadConfig({ API_KEYS: 'super-secret-value-123:nonsense' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as Error).message).not.toContain('super-secret-value-123');
    }
  });
});

describe('the ledger signing key', () => {
  const { privateKeyText, publicKey } = generateSigningKey();

  it('derives the public key and trusts it, with the LEDGER_PUBLIC_KEY list (older keys during a rotation)', () => {
    const older = generateSigningKey().publicKey;
    const config = loadConfig({ LEDGER_SIGNING_KEY: privateKeyText, LEDGER_PUBLIC_KEY: older.text });
    expect(config.ledger.signingKey?.publicKey.id).toBe(publicKey.id);
    expect(config.ledger.publicKeys.map((k) => k.id)).toEqual([older.id, publicKey.id]);
    expect(config.ledger.checkpointIntervalMs).toBe(3_600_000);
    expect(loadConfig({}).ledger).toMatchObject({ signingKey: undefined, publicKeys: [] });
  });

  it('reads PEM too, with the newlines an environment file writes as \\n', () => {
    const pem = createPrivateKey({ key: Buffer.from(privateKeyText, 'base64'), format: 'der', type: 'pkcs8' })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(loadConfig({ LEDGER_SIGNING_KEY: pem }).ledger.signingKey?.publicKey.id).toBe(publicKey.id);
    expect(loadConfig({ LEDGER_SIGNING_KEY: pem.replace(/\n/g, '\\n') }).ledger.signingKey?.publicKey.id).toBe(publicKey.id);
  });

  it('refuses a key of another type, or a public key in place of the private one, without echoing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(() => loadConfig({ LEDGER_SIGNING_KEY: rsa })).toThrow(/LEDGER_SIGNING_KEY: an rsa key, not Ed25519/);
    expect(() => loadConfig({ LEDGER_SIGNING_KEY: publicKey.text })).toThrow(/LEDGER_SIGNING_KEY: is not a private key/);
    expect(() => loadConfig({ LEDGER_PUBLIC_KEY: privateKeyText })).toThrow(/LEDGER_PUBLIC_KEY: is not a public key/);
    const damaged = `${privateKeyText.slice(0, -8)}AAAA`;
    expect(() => loadConfig({ LEDGER_SIGNING_KEY: damaged })).toThrow(ConfigError);
    try {
      loadConfig({ LEDGER_SIGNING_KEY: damaged });
    } catch (err) {
      expect((err as Error).message).not.toContain(damaged.slice(0, 20));
    }
  });
});

describe('API keys', () => {
  const keys = parseApiKeys('first-secret-000000:send+ledger.read:campaigns, second-secret-00000:admin');

  it('parses scopes and labels, with a fingerprint as the default label', () => {
    expect(keys[0]?.label).toBe('campaigns');
    expect(keys[1]?.label).toMatch(/^key-[0-9a-f]{8}$/);
    expect([...(keys[0]?.scopes ?? [])]).toEqual(['send', 'ledger.read']);
  });

  it('finds a key by its secret, and only by it', () => {
    expect(findApiKey(keys, 'first-secret-000000')?.label).toBe('campaigns');
    expect(findApiKey(keys, 'first-secret-000001')).toBeUndefined();
    expect(findApiKey(keys, '')).toBeUndefined();
  });

  it('admin holds every scope', () => {
    const admin = findApiKey(keys, 'second-secret-00000')!;
    expect(hasScope(admin, 'ledger.write')).toBe(true);
    expect(hasScope(keys[0]!, 'ledger.write')).toBe(false);
  });

  it('refuses a secret listed twice', () => {
    expect(() => parseApiKeys('same-secret-0000000:send,same-secret-0000000:admin')).toThrow(/twice/);
  });
});

describe('SENDER_NUMBERS', () => {
  it('is a comma-separated list of E.164 numbers, empty by default', () => {
    expect(loadConfig({}).twilio.senderNumbers).toEqual([]);
    expect(loadConfig({ SENDER_NUMBERS: '+14155550198, +14155550199' }).twilio.senderNumbers).toEqual(['+14155550198', '+14155550199']);
  });

  it('refuses a number that is not E.164, naming the variable', () => {
    expect(() => loadConfig({ SENDER_NUMBERS: '+14155550198,(415) 555-0199' })).toThrow(/SENDER_NUMBERS/);
  });
});
