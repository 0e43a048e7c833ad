import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

export interface Running {
  url: string;
  pid: number;
  child: ChildProcess;
  /** ms from spawn to "listening". */
  startMs: number;
  stop(): Promise<void>;
}

/** Starts a server process that prints "gateway listening on URL", and waits for it. */
export async function startServer(args: string[], env: Record<string, string>): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept only until the server listens: after that its output is drained and dropped, so the
  // benchmark process spends nothing on it.
  let output = '';
  let keep = true;
  child.stdout!.on('data', (d: Buffer) => keep && (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => keep && (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 120 s:\n${output}`)), 120_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        keep = false;
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening:\n${output}`));
    });
  });
  const startMs = performance.now() - started;
  return {
    url,
    pid: child.pid!,
    child,
    startMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const gatewayArgs = [join(ROOT, 'dist', 'src', 'main.js')];
export const baselineArgs = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'bench', 'baseline-server.ts')];

/** Current and peak resident memory of a process, in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
