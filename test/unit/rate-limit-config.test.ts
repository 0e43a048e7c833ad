import { parseApiKeys } from '../../src/auth/api-keys';
import { jsonDepthExceeds } from '../../src/http/json-body';
import { DEFAULT_API_RATE_LIMIT_PER_MINUTE, loadConfig } from '../../src/config';

const SECRET = 'a-secret-of-16-chars-at-least';

describe('API_KEYS: an optional fourth field is the key own rate limit', () => {
  it('SECRET:SCOPES and SECRET:SCOPES:LABEL keep working and take the default', () => {
    const [plain, labelled] = parseApiKeys(`${SECRET}:send,${SECRET}-2:send:campaigns`);
    expect(plain!.rateLimitPerMinute).toBeUndefined();
    expect(labelled).toMatchObject({ label: 'campaigns' });
    expect(labelled!.rateLimitPerMinute).toBeUndefined();
  });

  it('a number is requests per minute, off is unlimited, an empty label keeps the default label', () => {
    const [limited, unlimited] = parseApiKeys(`${SECRET}:send:campaigns:600,${SECRET}-2:send::off`);
    expect(limited).toMatchObject({ label: 'campaigns', rateLimitPerMinute: 600 });
    expect(unlimited!.rateLimitPerMinute).toBeNull();
    expect(unlimited!.label).toMatch(/^key-[0-9a-f]{8}$/);
  });

  it.each(['0', '-1', '1.5', 'lots', '', '99999999999'])('a rate of %j is refused without naming the secret', (rate) => {
    expect(() => parseApiKeys(`${SECRET}:send:x:${rate}`)).toThrow(/rate limit/);
    try {
      parseApiKeys(`${SECRET}:send:x:${rate}`);
    } catch (err) {
      expect((err as Error).message).not.toContain(SECRET);
    }
  });
});

describe('limits configuration', () => {
  it('defaults: no per-key request limit, 30 failed authentications per 15 minutes, no proxy trusted', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.limits).toEqual({
      apiRateLimitPerMinute: DEFAULT_API_RATE_LIMIT_PER_MINUTE,
      authFailuresPerWindow: 30,
      authFailureWindowMs: 900_000,
      trustProxy: false,
    });
    expect(DEFAULT_API_RATE_LIMIT_PER_MINUTE).toBeNull();
    expect(config.program.optInConfirmationsPerDay).toBe(3);
  });

  it('API_RATE_LIMIT_PER_MINUTE takes a number or off; TRUST_PROXY a hop count or a list', () => {
    expect(loadConfig({ API_RATE_LIMIT_PER_MINUTE: 'off' }).limits.apiRateLimitPerMinute).toBeNull();
    expect(loadConfig({ API_RATE_LIMIT_PER_MINUTE: '6000' }).limits.apiRateLimitPerMinute).toBe(6000);
    expect(() => loadConfig({ API_RATE_LIMIT_PER_MINUTE: 'fast' })).toThrow(/API_RATE_LIMIT_PER_MINUTE/);
    expect(loadConfig({ TRUST_PROXY: '1' }).limits.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).limits.trustProxy).toBe('loopback, 10.0.0.0/8');
  });
});

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings or after escaped quotes', () => {
    expect(jsonDepthExceeds(Buffer.from('{"a":[{"b":[1]}]}'), 4)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a":[{"b":[[1]]}]}'), 4)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'['.repeat(50)}\\"${'{'.repeat(50)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(`[${'"é[",'.repeat(10)}[[]]]`, 3)).toBe(false);
    expect(jsonDepthExceeds(`[${'"é[",'.repeat(10)}[[[]]]]`, 3)).toBe(true);
  });
});
