import { seedLedger } from './seed';

/**
 * `npm run bench:seed -- --numbers 1000000 --events 10000000` seeds the ledger that DATABASE_URL
 * (and DATABASE_SCHEMA) point at, for trying the gateway at scale by hand.
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
seedLedger({
  env,
  numbers: arg('numbers', 1_000_000),
  events: arg('events', 10_000_000),
  onProgress: (n) => process.stderr.write(`\r${n.toLocaleString('en-US')} events`),
}).then(
  () => process.stderr.write('\nseeded\n'),
  (err: unknown) => {
    process.stderr.write(`seed failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
