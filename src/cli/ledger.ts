import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createApp, type App } from '../app';
import {
  checkpointLine,
  createCheckpoint,
  iterateCheckpoints,
  parseCheckpointLines,
  verifyLedger,
  type Checkpoint,
  type LedgerVerification,
} from '../consent/checkpoints';
import { generateSigningKey, parsePublicKey, type PublicKey } from '../consent/signing-key';
import { exportHeader, formatPage, type ExportFormat, type ExportKind } from '../consent/export-format';
import { exportQuerySchema } from '../consent/schemas';
import { iterateEvents, iterateNumbers } from '../consent/staff';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { copyDatabase } from './copy-database';
import { importOptOuts } from './import-opt-outs';
import { ledgerStats } from './stats';

/**
 * Staff's command-line tool: `npm run ledger -- <command>`. It uses the gateway's own composition
 * root and configuration (DATABASE_URL…), so it reads and writes exactly what the gateway does.
 */
async function withGateway<T>(run: (gateway: App) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // A gateway may be live on this database: its sends in flight are not the CLI's to mark unknown.
  const gateway = await createApp(config, { logger: createLogger({ level: 'warn' }), skipStartupReconciliation: true });
  try {
    return await run(gateway);
  } finally {
    await gateway.close();
  }
}

const program = new Command()
  .name('ledger')
  .description('Consent ledger tools for compliance staff (uses DATABASE_URL like the gateway)')
  .showHelpAfterError()
  // A usage error exits 2 like every other failure to start, so that 1 keeps its meaning per command
  // (verify: the chain is broken; import: nothing could be imported).
  .exitOverride();

const collect = (value: string, previous: string[]) => [...previous, value];

function describeCheckpoint(c: Checkpoint): string {
  return `checkpoint ${c.id} (event ${c.last_event_id}, signed ${c.signed_at}, key ${c.key_id})`;
}

function reportVerification(result: LedgerVerification): void {
  const { chain, checkpoints } = result;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (!chain.ok) {
    out(`LEDGER BROKEN at event ${chain.firstBroken!.id}: ${chain.firstBroken!.reason} (${chain.checked} events verified before it)`);
  } else if (checkpoints.unsigned) {
    out(`hash chain consistent: ${chain.checked} events, chain head ${chain.head}; but no signed checkpoint vouches for it:`);
  } else if (checkpoints.failures.length > 0) {
    out(`hash chain consistent: ${chain.checked} events, chain head ${chain.head}; but the signed checkpoints do not match it:`);
  } else {
    out(`ledger verified: ${chain.checked} events, chain head ${chain.head}`);
  }
  const first = checkpoints.failures[0];
  if (first) {
    out(`LEDGER BROKEN at ${describeCheckpoint(first.checkpoint)}, ${first.source}: ${first.reason}`);
    if (checkpoints.failures.length > 1) out(`  and ${checkpoints.failures.length - 1} more checkpoint failure(s)`);
  }
  const copy = checkpoints.exported === undefined ? '' : `; exported copy: ${checkpoints.exported} checkpoints`;
  if (checkpoints.unsigned) {
    out(
      `LEDGER NOT SIGNED: ${chain.checked} events and not one signed checkpoint: they were deleted, or no gateway with LEDGER_SIGNING_KEY ever signed this ledger; ` +
        'nothing vouches that the events were not rewritten (verify with --checkpoints against the exported copy)',
    );
    return;
  }
  if (checkpoints.stored + (checkpoints.exported ?? 0) === 0) {
    out(
      'no signed checkpoints: the chain catches accidental damage, but whoever can write the database can recompute it (set LEDGER_SIGNING_KEY and run `ledger checkpoint`)',
    );
    return;
  }
  const latest = checkpoints.latest;
  const since = latest && chain.ok ? `; ${chain.checked - latest.event_count} events after it are not signed yet` : '';
  out(
    `checkpoints verified: ${checkpoints.verified} (${checkpoints.stored} in the database${copy}${checkpoints.unchecked ? `, ${checkpoints.unchecked} past the broken event not checked` : ''})` +
      (latest ? `; latest ${describeCheckpoint(latest)}${since}` : ''),
  );
}

program
  .command('verify')
  .description(
    'check the hash chain of every consent event and every signed checkpoint against it; exit 1 at the first failure',
  )
  .option('--public-key <key>', 'a trusted public key (repeat for older keys); default LEDGER_PUBLIC_KEY and the signing key\'s own', collect, [])
  .option('--checkpoints <file>', 'an exported copy of the checkpoints (JSON lines) kept off this machine, checked too')
  .action(async (options: { publicKey: string[]; checkpoints?: string }) => {
    let publicKeys: PublicKey[] | undefined;
    try {
      if (options.publicKey.length > 0) publicKeys = options.publicKey.flatMap((list) => list.split(',').filter((k) => k.trim()).map(parsePublicKey));
    } catch (err) {
      throw new Error(`--public-key ${(err as Error).message}`);
    }
    const exported = options.checkpoints ? parseCheckpointLines(readFileSync(options.checkpoints, 'utf8')) : undefined;
    const result = await withGateway((g) =>
      verifyLedger(g.ctx.db, { publicKeys: publicKeys ?? g.ctx.config.ledger.publicKeys, exported }),
    );
    reportVerification(result);
    if (!result.ok) process.exitCode = 1;
  });

program
  .command('checkpoint')
  .description(
    'sign the current chain head with LEDGER_SIGNING_KEY now (the gateway also does it periodically); ' +
      'also signs the first checkpoint of a ledger older than the gateway will sign on its own',
  )
  .action(async () => {
    const outcome = await withGateway((g) => createCheckpoint(g.ctx, { allowFirstOverOldLedger: true }));
    if (outcome.created) process.stdout.write(`signed ${describeCheckpoint(outcome.checkpoint)}: ${outcome.checkpoint.event_count} events, chain head ${outcome.checkpoint.chain_head}\n`);
    else if (outcome.reason === 'empty_ledger') process.stdout.write('the ledger is empty: nothing to sign\n');
    else process.stdout.write(`the chain head has not moved since ${describeCheckpoint(outcome.checkpoint)}\n`);
  });

const checkpoints = program.command('checkpoints').description('the signed checkpoints of the ledger');
checkpoints
  .command('export')
  .description('print the checkpoints as JSON lines, to keep a copy off this machine (`verify --checkpoints FILE` checks against it)')
  .option('--out <file>', 'write to a file instead of standard output')
  .option('--after <id>', 'only checkpoints with a larger id (to append to an earlier export)', '0')
  .action(async (options: { out?: string; after: string }) => {
    const after = Number(options.after);
    if (!Number.isSafeInteger(after) || after < 0) throw new Error('--after takes a checkpoint id (a whole number)');
    await withGateway(async ({ ctx }) => {
      const out: NodeJS.WritableStream = options.out ? createWriteStream(options.out) : process.stdout;
      for await (const c of iterateCheckpoints(ctx.db, after)) {
        if (!out.write(`${checkpointLine(c)}\n`)) await once(out, 'drain');
      }
      if (out !== process.stdout) await new Promise<void>((resolve) => out.end(() => resolve()));
    });
  });

const signingKey = program.command('signing-key').description('the Ed25519 key that signs checkpoints');
signingKey
  .command('new')
  .description('generate a key pair: the private key for the gateway\'s environment, the public key for auditors (nothing is stored)')
  .action(() => {
    const { privateKeyText, publicKey } = generateSigningKey();
    process.stdout.write(
      [
        '# The private key: put this line in the gateway\'s environment (a secret store), nowhere else.',
        '# Whoever holds it can sign checkpoints. It is not written anywhere by this command.',
        `LEDGER_SIGNING_KEY=${privateKeyText}`,
        '',
        `# The public key (key id ${publicKey.id}): give it to auditors and keep it with the exported checkpoints;`,
        '# `ledger verify --public-key KEY` (or LEDGER_PUBLIC_KEY) checks checkpoints without the private key.',
        `LEDGER_PUBLIC_KEY=${publicKey.text}`,
        '',
      ].join('\n'),
    );
  });
signingKey
  .command('public')
  .description('print the public key and key id of the configured LEDGER_SIGNING_KEY')
  .action(() => {
    const key = loadConfig().ledger.signingKey;
    if (!key) throw new Error('LEDGER_SIGNING_KEY is not set');
    process.stdout.write(`LEDGER_PUBLIC_KEY=${key.publicKey.text}\n# key id ${key.publicKey.id}\n`);
  });

program
  .command('export')
  .description('export numbers or events as CSV or NDJSON')
  .addOption(new Option('--format <format>', 'csv or ndjson').choices(['csv', 'ndjson']).default('csv'))
  .addOption(new Option('--kind <kind>', 'numbers or events').choices(['numbers', 'events']).default('numbers'))
  .option('--status <status>', 'opted_in or opted_out')
  .option('--since <iso>', 'changed at or after')
  .option('--until <iso>', 'changed before')
  .option('--out <file>', 'write to a file instead of standard output')
  .action(async (options: Record<string, string | undefined>) => {
    const { format, kind, ...filters } = exportQuerySchema.parse(options);
    await withGateway(async ({ ctx }) => {
      const out: NodeJS.WritableStream = options.out ? createWriteStream(options.out) : process.stdout;
      const write = async (chunk: string) => {
        if (chunk && !out.write(chunk)) await once(out, 'drain');
      };
      await write(exportHeader(kind as ExportKind, format as ExportFormat));
      const pages = kind === 'numbers' ? iterateNumbers(ctx, filters) : iterateEvents(ctx, filters);
      for await (const page of pages) await write(formatPage(kind as ExportKind, format as ExportFormat, page));
      if (out !== process.stdout) await new Promise<void>((resolve) => out.end(() => resolve()));
    });
  });

program
  .command('import')
  .summary('import existing opt-outs from a CSV file')
  .description(
    'import existing opt-outs from a CSV file with a header row (a phone column, optionally a date and a note). ' +
      'Exit 0: rows imported or already there; 1: nothing could be imported; 2: the import did not start (file, columns, options)',
  )
  .argument('<file>', 'the CSV file')
  .option('--actor <label>', 'recorded as the actor of each imported event', 'import')
  .option('--phone-column <header>', "the column holding the person's number (else guessed only when exactly one header fits)")
  .option('--date-column <header>', "the column holding the opt-out's date, ISO 8601 or RFC 2822 (else guessed likewise)")
  .option('--note-column <header>', 'a column kept as a note in the evidence')
  .option('--exclude-number <number>', 'a number the business sends from, never opted out (repeatable; TWILIO_FROM_NUMBER and SENDER_NUMBERS are always excluded)', collect, [])
  .option('--json', 'print the summary as JSON')
  .action(
    async (
      file: string,
      options: { actor: string; json?: boolean; phoneColumn?: string; dateColumn?: string; noteColumn?: string; excludeNumber: string[] },
    ) => {
      const bar = new cliProgress.SingleBar(
        { format: 'importing {value} rows', stream: process.stderr, noTTYOutput: false },
        cliProgress.Presets.shades_classic,
      );
      bar.start(0, 0);
      const summary = await withGateway((g) =>
        importOptOuts(g.ctx, file, {
          actor: `import:${options.actor}`,
          phoneColumn: options.phoneColumn,
          dateColumn: options.dateColumn,
          noteColumn: options.noteColumn,
          excludeNumbers: options.excludeNumber,
          onProgress: (done) => bar.update(done),
        }),
      ).finally(() => bar.stop());
      if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `rows: ${summary.rows}, imported: ${summary.imported}, skipped: ${summary.skipped}, rejected: ${summary.rejected}\n`,
        );
        for (const [reason, n] of Object.entries(summary.skippedReasons)) process.stdout.write(`  skipped ${n}: ${reason}\n`);
        for (const r of summary.rejections) process.stdout.write(`  rejected line ${r.line}: ${r.reason}\n`);
      }
      // Skipped rows are in the ledger already (or in this file twice): only a file none of whose rows
      // is usable imported nothing, and a script running the import must see that.
      if (summary.imported + summary.skipped === 0) {
        const first = summary.rejections.slice(0, 3).map((r) => `line ${r.line}: ${r.reason}`);
        process.stderr.write(
          `ledger import: nothing could be imported: ${summary.rows} rows, ${summary.rejected} rejected${first.length ? ` (${first.join('; ')})` : ''}\n`,
        );
        process.exitCode = 1;
      } else if (summary.rejected > 0) {
        process.stderr.write(`ledger import: ${summary.rejected} of ${summary.rows} rows rejected (see the reasons in the summary)\n`);
      }
    },
  );

program
  .command('copy-to')
  .description('copy the whole ledger into another, empty database (e.g. SQLite into PostgreSQL), then verify it')
  .argument('<database-url>', 'the target: postgres://… or sqlite:PATH')
  .option('--schema <name>', 'PostgreSQL schema of the target')
  .action(async (targetUrl: string, options: { schema?: string }) => {
    const targetConfig = loadConfig({ ...process.env, DATABASE_URL: targetUrl, DATABASE_SCHEMA: options.schema });
    const result = await withGateway(async (source) => {
      const target = await createApp(targetConfig, { logger: createLogger({ level: 'warn' }), skipStartupReconciliation: true });
      try {
        return await copyDatabase(source, target, (table, n) => process.stderr.write(`\r${table}: ${n} rows`));
      } finally {
        process.stderr.write('\n');
        await target.close();
      }
    });
    for (const [table, n] of Object.entries(result.copied)) process.stdout.write(`${table}: ${n} rows copied\n`);
    if (!result.target.ok) {
      process.stdout.write(`TARGET DOES NOT VERIFY at event ${result.target.firstBroken?.id}: ${result.target.firstBroken?.reason}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`target verified: ${result.target.checked} events, chain head ${result.target.head} (same as the source)\n`);
  });

program
  .command('stats')
  .description('counts of numbers, events, this month\'s messages and suppressions')
  .action(async () => {
    const stats = await withGateway((g) => ledgerStats(g.ctx));
    process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  // Commander has printed the message (or the help) already.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`ledger: ${(err as Error).message ?? err}\n`);
  process.exit(2);
});
