import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '../../src/config';
import { generateSigningKey } from '../../src/consent/signing-key';

// Docker cannot run on these machines: these tests check what can be checked without it.
const DOCKER = join(__dirname, '..', '..', 'docker');
const read = (file: string) => readFileSync(join(DOCKER, file), 'utf8');

function exampleEnv(): Record<string, string> {
  return Object.fromEntries(
    read('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Compose's ${VAR} and ${VAR:-default} interpolation. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => env[name] ?? fallback ?? '');
}

describe('docker/compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; build?: { dockerfile: string }; healthcheck?: unknown }>;
  };
  const gateways = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'docker/Dockerfile');

  it('runs two gateway instances, PostgreSQL and a reverse proxy', () => {
    expect(gateways.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2']);
    expect(compose.services.postgres).toBeDefined();
    expect(compose.services.proxy).toBeDefined();
  });

  // The example cannot ship a usable private key: it names the command that makes one.
  const filledIn = () => ({ ...exampleEnv(), LEDGER_SIGNING_KEY: generateSigningKey().privateKeyText });

  it.each(['gateway-1', 'gateway-2'])("%s's environment passes the gateway's own config schema", (name) => {
    const raw = compose.services[name]!.environment!;
    const env = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v), filledIn())]));
    for (const key of Object.keys(env)) expect(ENV_VARIABLES).toContain(key);
    const config = loadConfig(env);
    expect(config.env).toBe('production');
    expect(config.database).toMatchObject({ dialect: 'postgres', url: expect.stringContaining('@postgres:5432/gateway') });
    expect(config.twilio.messagingServiceSid).toMatch(/^MG/);
    expect(config.apiKeys.length).toBeGreaterThan(0);
    // Behind nginx: the failed-login gate and rate limits must see the caller, not the proxy.
    expect(config.limits.trustProxy).toBe(1);
  });

  it('refuses to start with the example signing key left in place', () => {
    const raw = compose.services['gateway-1']!.environment!;
    const env = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v), exampleEnv())]));
    expect(() => loadConfig(env)).toThrow(/LEDGER_SIGNING_KEY: is not a private key/);
  });

  it('the proxy spreads requests over exactly those instances', () => {
    const upstreams = [...read('nginx.conf').matchAll(/server (gateway-\d):3000/g)].map((m) => m[1]);
    expect(upstreams).toEqual(gateways.map(([name]) => name));
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };

  it('is multi-stage and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });

  it('runs what npm start runs, and checks /readyz', () => {
    const started = /^CMD \["node", "([^"]+)"\]$/m.exec(dockerfile)?.[1];
    expect(pkg.scripts.start).toBe(`node ${started}`);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/readyz/);
  });
});
