import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A test that reads the wall clock passes on the day it was written and fails on a later one (the
 * suite went red on 2026-11-27 that way). Tests take time from the harness clock (`h.ctx.clock()`,
 * `h.setNow`) or a fixed literal; only the helpers may touch the real clock.
 */
const ROOT = join(__dirname, '..');
const WALL_CLOCK = /new Date\(\s*\)|Date\.now\(\s*\)/;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'helpers' ? [] : testFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('tests never read the wall clock', () => {
  it('no test file outside test/helpers constructs a Date of the current instant or calls Date.now', () => {
    const offenders = testFiles(ROOT).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${relative(ROOT, file)}:${i + 1}` }))
        .filter(({ line }) => WALL_CLOCK.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the guard itself catches a wall-clock read', () => {
    // Written in pieces so that this file does not trip its own guard.
    expect(WALL_CLOCK.test(`const t = new ${'Date'}();`)).toBe(true);
    expect(WALL_CLOCK.test(`stamp(${'Date'}.now())`)).toBe(true);
    expect(WALL_CLOCK.test("new Date('2026-11-25T20:00:00Z')")).toBe(false);
  });
});
