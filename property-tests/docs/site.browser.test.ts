/**
 * The built docs in Debian's Chromium: `npm run docs`'s build runs into a temporary folder, a loopback static
 * server serves it, and every machine's spec page must show an inline SVG diagram naming every state of that
 * machine, log no console error and request nothing outside 127.0.0.1. Without Chromium the suite is skipped
 * with a message — except under CI, where a missing browser fails it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_PATH,
  launchChromium,
  measurePage,
  overlappingLabels,
  visitPage,
} from '../../adapters/docs/browser.js';
import { stateAnchor } from '../../adapters/docs/elk-diagram.js';
import { projectLifecycle } from '../../adapters/docs/lifecycle.js';
import { type BuiltSite, buildSite, format } from '../../adapters/docs/site.js';
import { type StaticServer, serveDirectory } from '../../adapters/docs/static-server.js';
import { diagramViews } from '../../adapters/docs/views.js';
import { CLAUSES } from '../../machines/clauses.js';
import { describeMachine } from '../../machines/describe.js';
import { MACHINES } from '../../machines/registry.js';
import { clauseSource } from '../../machines/sources.js';

/** The distinct line counts of the elements' text (an id that never breaks has exactly one line). */
async function idLines(page: Page, selector: string): Promise<number[]> {
  const counts = await page.locator(selector).evaluateAll((nodes) =>
    nodes.map((n) => {
      const range = document.createRange();
      range.selectNodeContents(n);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    }),
  );
  return [...new Set(counts)].sort();
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasChromium = existsSync(CHROMIUM_PATH);

describe.skipIf(!hasChromium)('built docs in Chromium', () => {
  let work = '';
  let site: BuiltSite;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dlstate-docs-'));
    site = await buildSite({ root, out: join(work, 'site'), src: join(work, 'src') });
    server = await serveDirectory(site.out);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds into the folders it is given (a temporary one, not a copy of its path under the repository)', () => {
    expect(site.out).toBe(join(work, 'site'));
    expect(existsSync(join(work, 'src', 'index.md'))).toBe(true);
  });

  it('typedoc reports no warning about the generated pages', () => {
    const titles = ['Spec:', 'Clause matrix', 'Editorial notes', 'Getting started', 'site-src'];
    const ours = site.messages.filter((m) => titles.some((t) => m.text.includes(t)));
    expect(format(ours)).toBe('');
  });

  it('has one spec page per registered machine', () => {
    expect([...site.specPages.keys()].sort()).toEqual(MACHINES.map((m) => m.id).sort());
  });

  for (const entry of MACHINES) {
    it(`spec page of ${entry.id}: an SVG with every state, no console error, no request off 127.0.0.1`, async () => {
      const page = site.specPages.get(entry.id);
      expect(page, `no spec page for ${entry.id}`).toBeDefined();
      const visit = await visitPage(browser, new URL(page!, server.url).href);
      const views = diagramViews(describeMachine(entry.machine));
      expect(visit.diagrams).toBe(views.length); // Figure 12 sits outside .dl-diagram
      const texts = new Set(visit.diagramTexts.map((t) => t.replace(/ ▸$/, ''))); // ▸ marks a compound state
      const missing = describeMachine(entry.machine)
        .states.filter((s) => !texts.has(s.key))
        .map((s) => s.id);
      expect(missing).toEqual([]);
      expect(visit.consoleErrors).toEqual([]);
      expect(visit.foreignRequests).toEqual([]);
      expect(visit.requests.length).toBeGreaterThan(1); // the page and its own assets, all on loopback
    });
  }

  for (const entry of MACHINES) {
    it(`spec page of ${entry.id} at 1280 px: labels ≥ 11 px in every view, none overlapping, nothing past the column`, async () => {
      const layout = await measurePage(
        browser,
        new URL(site.specPages.get(entry.id)!, server.url).href,
        1280,
      );
      const d = describeMachine(entry.machine);
      // Every view of the chart, plus the DAE Figure 12 where the chart reports observable states.
      expect(layout.views.length).toBe(diagramViews(d).length + (projectLifecycle(d) ? 1 : 0));
      for (const view of layout.views) {
        expect(view.labels.length, view.id).toBeGreaterThan(0);
        expect(Math.min(...view.labels.map((l) => l.fontPx)), view.id).toBeGreaterThanOrEqual(11);
        expect(overlappingLabels(view.labels), view.id).toEqual([]);
      }
      expect(layout.overflowing).toEqual([]);
      expect(layout.contentOverflow).toBe(0);
    });

    it(`spec page of ${entry.id}: clicking a compound state drills down, a state shows its row, the breadcrumb leads back`, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        await page.goto(new URL(site.specPages.get(entry.id)!, server.url).href);
        const shown = page.locator('.dl-diagram .dl-view:not([hidden])');
        const compound = shown.locator('a.dl-node[data-view]').first();
        const drills = (await compound.count()) > 0;
        if (drills) {
          const view = (await compound.getAttribute('data-view'))!;
          await compound.click();
          await expect.poll(() => page.locator(`#${view}`).isVisible()).toBe(true);
          expect(await page.locator('#dl-view-overview').isVisible()).toBe(false);
        }
        // A state box inside the visible part of the canvas (a wide view shows its left part until panned).
        const canvas = (await shown.locator('.dl-canvas').boundingBox())!;
        const candidates = shown.locator('a.dl-node:not([data-view]):not(.dl-outside)');
        let id = '';
        for (let i = 0; i < (await candidates.count()) && id === ''; i += 1) {
          const box = (await candidates.nth(i).boundingBox())!;
          if (box.x >= canvas.x && box.x + box.width <= canvas.x + canvas.width) {
            id = (await candidates.nth(i).getAttribute('data-state'))!;
            await candidates.nth(i).click();
          }
        }
        expect(id).not.toBe('');
        const row = page.locator(`#${stateAnchor(id)}`);
        await expect
          .poll(async () => {
            const y = (await row.boundingBox())?.y ?? -1;
            return y >= 0 && y < 900;
          })
          .toBe(true);
        expect(page.url()).toContain(`#${stateAnchor(id)}`);
        if (drills) {
          await page
            .locator('.dl-diagram .dl-view:not([hidden]) .dl-crumbs a[href="#dl-view-overview"]')
            .click();
          await expect.poll(() => page.locator('#dl-view-overview').isVisible()).toBe(true);
        }
      } finally {
        await context.close();
      }
    });
  }

  it('the clause matrix fits a 1280 px window: under 20 000 px tall, nothing past the content column; filters work', async () => {
    const url = new URL('documents/Clause_matrix.html', server.url).href;
    const layout = await measurePage(browser, url, 1280);
    expect(layout.height).toBeLessThan(20_000);
    expect(layout.overflowing).toEqual([]);
    expect(layout.contentOverflow).toBe(0);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(url);
      const visible = () => page.locator('.dl-matrix-table tbody tr:not(.dl-hidden)').count();
      expect(await visible()).toBe(CLAUSES.length);
      expect(await idLines(page, '.dl-matrix-table td.dl-id')).toEqual([1]);
      await page.selectOption('select[data-filter="spec"]', 'HbbTV');
      const hbb = CLAUSES.filter((c) => clauseSource(c).spec === 'HbbTV').length;
      expect(await visible()).toBe(hbb);
      await page.selectOption('select[data-filter="side"]', 'agent');
      expect(await visible()).toBe(0);
      expect(await page.locator('.dl-count').textContent()).toBe(`0 of ${CLAUSES.length} clauses`);
    } finally {
      await context.close();
    }
  });

  it('the home page, clause matrix and getting-started page load cleanly too', async () => {
    for (const path of ['index.html', 'documents/Clause_matrix.html', 'documents/Getting_started.html']) {
      const visit = await visitPage(browser, new URL(path, server.url).href);
      expect({ path, errors: visit.consoleErrors, foreign: visit.foreignRequests }).toEqual({
        path,
        errors: [],
        foreign: [],
      });
    }
  });
});

if (!hasChromium) {
  describe('built docs in Chromium (browser absent)', () => {
    if (process.env.CI) {
      it(`fails under CI: Chromium must be installed at ${CHROMIUM_PATH} (apt-get install -y chromium)`, () => {
        expect.fail(`no Chromium at ${CHROMIUM_PATH}; .ci/run must apt-get install chromium`);
      });
    } else {
      it.skip(`skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium to run it)`, () => {});
    }
  });
}
