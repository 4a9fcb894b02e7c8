/**
 * Opens pages of the built docs in Debian's Chromium through playwright-core and reports what a reader would
 * see: the diagram's state names, console errors, and every request, flagging any that leaves 127.0.0.1.
 * Requests to other hosts are recorded, then aborted, so a page cannot hang on the network it must not use.
 *
 * @module
 */
import { type Browser, chromium, type Page } from 'playwright-core';

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

/**
 * Opens `url` in a fresh context that lets only loopback requests through, pushing the page's uncaught errors
 * into `pageErrors`; the page stays open for the test to drive.
 */
export async function openLocalPage(browser: Browser, url: string, pageErrors: string[]): Promise<Page> {
  const context = await browser.newContext();
  await context.route('**/*', (route) =>
    isLocalRequest(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  return page;
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

/** A rendered diagram label: its text, its on-screen font size and box (CSS px). */
export interface RenderedLabel {
  readonly text: string;
  readonly fontPx: number;
  readonly box: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}

/** What a page looks like at a given window width. */
export interface PageLayout {
  /** The document's full height. */
  readonly height: number;
  /** How far (px) the content column's content sticks out of its right edge (0 when it fits). */
  readonly contentOverflow: number;
  /** Elements inside the content column sticking out of its right edge, as `tag.class "text…"`. */
  readonly overflowing: readonly string[];
  /** Every diagram view (`.dl-view`, each shown in turn through its `#dl-view-…` hash) and its rendered labels. */
  readonly views: readonly { readonly id: string; readonly labels: readonly RenderedLabel[] }[];
}

/** Opens `url` at `width` × 900 and measures {@link PageLayout}. */
export async function measurePage(browser: Browser, url: string, width = 1280): Promise<PageLayout> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
    await page.waitForTimeout(100);
    const ids = await page.locator('.dl-view').evaluateAll((nodes) => nodes.map((n) => n.id));
    const views: { id: string; labels: RenderedLabel[] }[] = [];
    for (const id of ids) {
      await page.evaluate((hash) => {
        location.hash = hash;
      }, id);
      await page.waitForFunction(
        (hash) => !(document.getElementById(hash) as HTMLElement | null)?.hidden,
        id,
      );
      views.push({ id, labels: await page.evaluate(visibleLabels) });
    }
    const first = ids[0];
    if (first !== undefined) {
      await page.evaluate((hash) => {
        location.hash = hash;
      }, first);
    }
    const layout = await page.evaluate(() => {
      const col = document.querySelector('.col-content') as HTMLElement;
      const right = col.getBoundingClientRect().right;
      const overflowing: string[] = [];
      let overflow = 0;
      for (const el of col.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= right + 1) continue;
        // typedoc's heading anchors carry an icon that stays invisible until hovered: theirs, not content.
        if (el.closest('.tsd-anchor-link, .tsd-anchor-icon')) continue;
        // Inside a scrolling or clipping box (a pan/zoom viewport) sticking out is not overflow.
        let clipped = false;
        for (let p = el.parentElement; p && p !== col; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o !== 'visible' && p.getBoundingClientRect().right <= right + 1) clipped = true;
        }
        if (clipped) continue;
        overflow = Math.max(overflow, r.right - right);
        overflowing.push(
          `${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').replace(/\s+/g, '.')} "${(el.textContent ?? '').slice(0, 40)}"`,
        );
      }
      return {
        height: document.documentElement.scrollHeight,
        contentOverflow: Math.round(overflow),
        overflowing: overflowing.slice(0, 20),
      };
    });
    return { ...layout, views };
  } finally {
    await context.close();
  }
}

/** The labels of the shown diagram view: text, on-screen font size (font size × the SVG's scale) and box. */
function visibleLabels(): RenderedLabel[] {
  return [...document.querySelectorAll('.dl-view:not([hidden]) svg text')].flatMap((node) => {
    const t = node as SVGTextElement;
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return [];
    const ctm = t.getScreenCTM();
    const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    const fontPx = Number.parseFloat(getComputedStyle(t).fontSize) * scale;
    return [
      {
        text: (t.textContent ?? '').trim(),
        fontPx,
        box: { x: r.x, y: r.y, width: r.width, height: r.height },
      },
    ];
  });
}

/** Pairs of labels whose boxes overlap by more than `slack` px in both directions. */
export function overlappingLabels(labels: readonly RenderedLabel[], slack = 1): string[] {
  const out: string[] = [];
  for (let i = 0; i < labels.length; i += 1) {
    for (let j = i + 1; j < labels.length; j += 1) {
      const a = labels[i]!.box;
      const b = labels[j]!.box;
      const dx = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (dx > slack && dy > slack) out.push(`"${labels[i]!.text}" × "${labels[j]!.text}"`);
    }
  }
  return out;
}
