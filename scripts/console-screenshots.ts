/**
 * Screenshots of the compliance console for the README (docs/console/*.png): a gateway on a
 * throwaway SQLite file with a little history, photographed by Debian's Chromium.
 * Run: npx ts-node --transpile-only scripts/console-screenshots.ts
 */
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { bearer, inbound, KEYS, listenOnLoopback, optIn, startHarness } from '../test/helpers/harness';

async function main(): Promise<void> {
  const h = await startHarness('sqlite', { now: '2026-11-25T20:00:00.000Z' });
  const server = await listenOnLoopback(h);
  const base = `http://127.0.0.1:${server.port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const numbers = ['+14155550101', '+14155550102', '+14155550103', '+12125550104', '+16465550105'];
    for (const [i, phone] of numbers.entries()) {
      h.setNow(`2026-11-${String(10 + i * 3).padStart(2, '0')}T15:00:00.000Z`);
      await optIn(h, phone);
      await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: phone, body: 'Your appointment is tomorrow at 3pm', category: 'transactional' });
    }
    h.setNow('2026-11-24T16:00:00.000Z');
    await inbound(h, numbers[0]!, 'STOP');
    await inbound(h, numbers[1]!, 'Can I cancel?');
    await inbound(h, numbers[2]!, '<img src=x onerror=alert(1)>');
    h.setNow('2026-11-25T20:00:00.000Z');
    await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: numbers[0], body: 'Sale today!', category: 'marketing' });
    await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: '+13105550199', body: 'Sale today!', category: 'marketing' });
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await page.goto(`${base}/console/sign-in`);
    await page.getByLabel('API key').fill(KEYS.writer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/$/);
    const out = join(__dirname, '..', 'docs', 'console');
    await page.screenshot({ path: join(out, 'overview.png'), fullPage: true });
    await page.goto(`${base}/console/numbers/${encodeURIComponent(numbers[0]!)}`);
    await page.screenshot({ path: join(out, 'number.png'), fullPage: true });
    await page.goto(`${base}/console/review`);
    await page.screenshot({ path: join(out, 'review.png'), fullPage: true });
    await page.goto(`${base}/console/lists/refusals`);
    await page.screenshot({ path: join(out, 'refusals.png'), fullPage: true });
  } finally {
    await browser.close();
    await server.close();
    await h.stop();
  }
}

void main();
