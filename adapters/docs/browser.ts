/**
 * Opens pages of the built docs in Debian's Chromium through playwright-core and reports what a reader would
 * see: the diagram's state names, console errors, and every request, flagging any that leaves 127.0.0.1.
 * Requests to other hosts are recorded, then aborted, so a page cannot hang on the network it must not use.
 *
 * @module
 */
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, root-friendly headless Chromium (CI runs as root, hence `--no-sandbox`). */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
]);

/** Launches Chromium from {@link CHROMIUM_PATH} with {@link CHROMIUM_ARGS}. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 20_000 });
}

/** What one page showed. */
export interface PageVisit {
  readonly url: string;
  /** Number of `<svg>` elements inside `.dl-diagram`. */
  readonly diagrams: number;
  /** Text of every `<text>` element of the diagrams, trimmed. */
  readonly diagramTexts: readonly string[];
  readonly consoleErrors: readonly string[];
  readonly requests: readonly string[];
  /** Requests to any host other than 127.0.0.1 (aborted). */
  readonly foreignRequests: readonly string[];
}

/** Whether a request URL stays on loopback (or is inline data). */
export function isLocalRequest(url: string): boolean {
  if (/^(data|blob|about):/.test(url)) return true;
  try {
    return new URL(url).hostname === '127.0.0.1';
  } catch {
    return false;
  }
}

/** Opens `url` in a fresh context and collects a {@link PageVisit}. */
export async function visitPage(browser: Browser, url: string): Promise<PageVisit> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const requests: string[] = [];
  const foreignRequests: string[] = [];
  const consoleErrors: string[] = [];
  await context.route('**/*', (route) => {
    const target = route.request().url();
    if (isLocalRequest(target)) return route.continue();
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    requests.push(request.url());
    if (!isLocalRequest(request.url())) foreignRequests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
    // typedoc's scripts build the navigation after load; give them a moment to fail loudly if they will.
    await page.waitForTimeout(300);
    const diagrams = await page.locator('.dl-diagram svg').count();
    const diagramTexts = await page
      .locator('.dl-diagram svg text')
      .evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
    return { url, diagrams, diagramTexts, consoleErrors, requests, foreignRequests };
  } finally {
    await context.close();
  }
}
