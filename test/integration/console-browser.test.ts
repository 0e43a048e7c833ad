import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DIALECTS } from '../helpers/databases';
import { bearer, inbound, KEYS, listenOnLoopback, optIn, startHarness, uniquePhone, type Harness } from '../helpers/harness';

/**
 * The console in a real browser: Debian's Chromium (`apt-get install -y chromium`) driven by
 * playwright-core, which downloads no browser. One browser for the whole file; each dialect gets
 * its own gateway on a loopback port and its own browser contexts.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const XSS = '<img src=x onerror=alert(1)>';

jest.setTimeout(120_000);

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machines have no internet: without these Chromium's own connections are refused noisily.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
});

async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.waitForURL(/\/console\/sign-in$/);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/$/);
}

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core on the page (injected: this context bypasses the CSP for the injection only). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

describe.each(DIALECTS)('compliance console in Chromium (%s)', (dialect) => {
  let h: Harness;
  let server: { port: number; close(): Promise<void> };
  let base: string;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];
  const stopper = uniquePhone('646');
  const byEmail = uniquePhone('646');
  const ambiguous = uniquePhone('646');
  const attacker = uniquePhone('646');

  beforeAll(async () => {
    h = await startHarness(dialect, { now: '2026-11-25T20:00:00.000Z' });
    server = await listenOnLoopback(h);
    base = `http://127.0.0.1:${server.port}`;
    for (const phone of [stopper, byEmail, ambiguous, attacker]) await optIn(h, phone);
    await inbound(h, stopper, 'STOP');
    await inbound(h, ambiguous, 'Can I cancel?');
    await inbound(h, attacker, XSS);
    context = await browser.newContext();
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
    await h?.stop();
  });

  it('signs in with a key and looks up a number that texted STOP (typed in national format)', async () => {
    await signIn(page, base, KEYS.writer);
    await page.getByRole('link', { name: 'Look up a number' }).click();
    await page.getByLabel('Phone number').fill(`(${stopper.slice(2, 5)}) ${stopper.slice(5, 8)}-${stopper.slice(8)}`);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForURL(new RegExp(`/console/numbers/${encodeURIComponent(stopper).replace('+', '\\+')}$`));
    await expectText(page.locator('#status'), 'opted_out');
    await expectText(page.locator('#timeline'), 'Opt-out via sms_keyword');
    await expectText(page.locator('#timeline blockquote').first(), 'STOP');
  });

  it('records an e-mail opt-out; the page and the API then refuse sends', async () => {
    await page.goto(`${base}/console/numbers/${encodeURIComponent(byEmail)}`);
    await page.getByLabel('Received by').selectOption('email');
    await page.getByLabel('Note').first().fill('asked by e-mail on Monday');
    await page.getByRole('button', { name: 'Record opt-out' }).click();
    await expectText(page.getByRole('status'), 'Opt-out recorded.');
    await expectText(page.locator('#status'), 'opted_out');
    await expectText(page.locator('#explain-h + table'), 'opted_out');
    const send = await h.http.post('/v1/messages').set(bearer(KEYS.sender)).send({ to: byEmail, body: 'Sale!', category: 'transactional' });
    expect(send.status).toBe(403);
    expect(send.body.error.code).toBe('opted_out');
  });

  it('resolves a review item as a revocation, and the count in the navigation drops', async () => {
    await page.getByRole('link', { name: /Review queue/ }).click();
    const before = Number(await page.locator('#pending-count').textContent());
    const item = page.locator('article.review-item', { hasText: 'Can I cancel?' });
    await item.getByLabel('Revocation: opt the number out').check();
    await item.getByLabel('Note').fill('wants out');
    await item.getByRole('button', { name: /Resolve/ }).click();
    await expectText(page.getByRole('status'), 'Review item resolved.');
    expect(Number(await page.locator('#pending-count').textContent())).toBe(before - 1);
    expect((await h.http.get(`/v1/consent/${encodeURIComponent(ambiguous)}`).set(bearer(KEYS.reader))).body.status).toBe('opted_out');
  });

  it('downloads the opt-out list as CSV with exactly the filtered rows', async () => {
    await page.getByRole('link', { name: 'Opt-outs' }).click();
    await page.getByLabel('Channel').selectOption('email');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expectText(page.locator('#list'), byEmail);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-link').click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('recorded at,occurred at,number,channel,actor,rule or keyword,text,note');
    expect(csv.slice(1).map((line) => line.split(',')[2])).toEqual([byEmail]);
  });

  it('shows an attacker\'s text as text: no image element, no dialog', async () => {
    await page.goto(`${base}/console/numbers/${encodeURIComponent(attacker)}`);
    await expectText(page.locator('#timeline blockquote').first(), XSS);
    expect(await page.locator('#timeline img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('the real CSP blocks an inline script', async () => {
    await page.addScriptTag({ content: 'window.__inlineRan = true;' }).catch(() => undefined);
    expect(await page.evaluate(() => (globalThis as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in\?signedOut=1$/);
    await expectText(page.getByRole('alert'), 'You are signed out.');
    await page.goto(`${base}/console/review`);
    await page.waitForURL(/\/console\/sign-in$/);
  });

  it('passes axe-core on every page', async () => {
    const axeContext = await browser.newContext({ bypassCSP: true });
    try {
      const axePage = await axeContext.newPage();
      await axePage.goto(`${base}/console/sign-in`);
      const failures: Record<string, string[]> = { 'sign-in': await axeViolations(axePage) };
      await signIn(axePage, base, KEYS.writer);
      const pages = [
        '/console/',
        '/console/lookup',
        `/console/numbers/${encodeURIComponent(stopper)}`,
        `/console/numbers/${encodeURIComponent(attacker)}/erase`,
        '/console/review',
        '/console/lists/opt-outs',
        '/console/lists/refusals',
        '/console/audit',
        '/console/no-such-page',
      ];
      for (const path of pages) {
        await axePage.goto(`${base}${path}`);
        failures[path] = await axeViolations(axePage);
      }
      expect(Object.fromEntries(Object.entries(failures).filter(([, v]) => v.length > 0))).toEqual({});

      // The checks can fail: without the CSP an inline script runs, and axe finds an image without alt text.
      await axePage.addScriptTag({ content: 'window.__inlineRan = true;' });
      expect(await axePage.evaluate(() => (globalThis as unknown as { __inlineRan?: boolean }).__inlineRan)).toBe(true);
      await axePage.evaluate(() => {
        const doc = (globalThis as unknown as { document: { createElement(t: string): { setAttribute(k: string, v: string): void }; querySelector(s: string): { append(n: unknown): void } } }).document;
        const img = doc.createElement('img');
        img.setAttribute('src', '/console/assets/console.css');
        doc.querySelector('main').append(img);
      });
      expect((await axeViolations(axePage)).some((v) => v.startsWith('image-alt'))).toBe(true);
    } finally {
      await axeContext.close();
    }
  });
});

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: 10_000 });
  expect(await locator.first().textContent()).toContain(text);
}
