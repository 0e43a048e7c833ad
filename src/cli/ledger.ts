import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createApp, type App } from '../app';
import { verifyChain } from '../consent/chain';
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
  const gateway = await createApp(config, { logger: createLogger({ level: 'warn' }) });
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

program
  .command('verify')
  .description('check the hash chain of every consent event; exit 1 at the first broken one')
  .action(async () => {
    const result = await withGateway((g) => verifyChain(g.ctx.db));
    if (result.ok) {
      process.stdout.write(`ledger verified: ${result.checked} events, chain head ${result.head}\n`);
      return;
    }
    process.stdout.write(
      `LEDGER BROKEN at event ${result.firstBroken!.id}: ${result.firstBroken!.reason} (${result.checked} events verified before it)\n`,
    );
    process.exitCode = 1;
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

const collect = (value: string, previous: string[]) => [...previous, value];

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
      const target = await createApp(targetConfig, { logger: createLogger({ level: 'warn' }) });
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
