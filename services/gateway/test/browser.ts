import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; playwright-core never downloads a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Flags every test browser starts with. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** `<repo>/test-artifacts/screenshots`, from this file's place in services/gateway/dist/test. */
export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../test-artifacts/screenshots');

/** A headless Chromium with a fresh profile; `close()` ends it and removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Starts Debian's Chromium through playwright-core with a fresh --user-data-dir. */
export async function launchBrowser(options: { baseURL?: string } = {}): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'msec-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
  });
  // Two integration files run at once on a 2-core machine: a page can take far longer than playwright's 30 s default to settle.
  context.setDefaultTimeout(90_000);
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      // A page that never renders fails a test only by timing out: say why in the test output.
      page.on('pageerror', (error) => process.stderr.write(`browser page error: ${error.message}\n`));
      page.on('console', (message) => {
        if (message.type() === 'error') process.stderr.write(`browser console error: ${message.text()}\n`);
      });
      page.on('requestfailed', (request) => {
        const reason = request.failure()?.errorText ?? '?';
        // Navigation cancels the live-update stream: expected, not a cause.
        if (reason !== 'net::ERR_ABORTED')
          process.stderr.write(`browser request failed: ${request.method()} ${request.url()} (${reason})\n`);
      });
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Opens the console and signs in through the login form (the page then shows the dashboard or the forced password change). */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
