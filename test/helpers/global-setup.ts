import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Builds dist/ once per run, for the tests that start the real gateway as a child process. */
export default function globalSetup(): void {
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
