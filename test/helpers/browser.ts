// A real browser for the report tests: Debian's chromium (apt, installed by scripts/setup.sh) driven by
// playwright-core, which downloads no browser of its own. One browser per test file (launching takes ~1 s); each
// page gets a fresh context that lets through only the page's own file:// URL and records what else was asked for.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.NBPROV_CHROMIUM ?? '/usr/bin/chromium';

/** A page opened from a file, with everything it did besides rendering. */
export interface OpenedPage {
  page: Page;
  url: string;
  /** Every request the page made, its own document included. */
  requests: string[];
  /** Requests for anything but the page itself (all of them blocked). */
  foreign: string[];
  /** Console messages of type error, uncaught exceptions, and dialogs (alert/confirm/prompt) opened. */
  errors: string[];
  close(): Promise<void>;
}

export class TestBrowser {
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<TestBrowser> {
    // as root, Chromium refuses to start with its sandbox; containers often have a 64 MB /dev/shm, too small for it
    const args = ['--disable-dev-shm-usage', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
    return new TestBrowser(await chromium.launch({ executablePath: CHROMIUM, headless: true, args }));
  }

  /** Opens `file` and waits for `load`; `viewport` defaults to a laptop screen. */
  async open(file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
    const url = pathToFileURL(file).href;
    const context = await this.browser.newContext({ viewport, offline: true, serviceWorkers: 'block' });
    const opened = await watch(context, url);
    await opened.page.goto(url, { waitUntil: 'load' });
    return opened;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

async function watch(context: BrowserContext, url: string): Promise<OpenedPage> {
  const requests: string[] = [];
  const foreign: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const asked = route.request().url();
    return asked === url ? route.continue() : route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    requests.push(request.url());
    if (request.url() !== url) foreign.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { page, url, requests, foreign, errors, close: () => context.close() };
}

/** Saves a screenshot of the first element matching `selector` as `dir/name.png`; returns its path. */
export async function screenshotElement(page: Page, selector: string, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.locator(selector).first().screenshot({ path, animations: 'disabled' });
  return path;
}

/** Saves a screenshot of the whole page (beyond the viewport) to `path`. */
export async function screenshotPage(page: Page, path: string): Promise<string> {
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
