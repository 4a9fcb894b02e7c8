/**
 * Opens the HTML report of a real `conform server` run in Debian's Chromium: it loads from a file with no
 * console error and no request at all (self-contained), and shows every check with its evidence. Skipped
 * with a message when Chromium is absent, except under CI, where a missing browser fails it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../cli/io.js';
import { runCli } from '../cli/program.js';
import { CHROMIUM_PATH, launchChromium } from '../docs/browser.js';
import { startBrokenServer } from './fixtures/broken-server.js';

const hasChromium = existsSync(CHROMIUM_PATH);

describe.skipIf(!hasChromium)('conform --html in Chromium', () => {
  let work: string;
  let browser: Browser;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'dlstate-conform-html-'));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('the report page opens without console errors or requests and shows each check with its evidence', async () => {
    const fixture = await startBrokenServer('etag-wrong');
    const file = path.join(work, 'report.html');
    try {
      const io = bufferIo();
      expect(await runCli(['conform', 'server', fixture.ddUrl, '--json', '--html', file], io)).toBe(1);
      const checks = (JSON.parse(io.text.out) as { checks: { id: string }[] }).checks;
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 20_000 });
      const rows = await page.locator('tbody tr').count();
      const ids = await page.locator('tbody tr td:nth-child(3) code').allTextContents();
      const failRow = page.locator('tr.fail', { hasText: 'media.etag' }).first();
      const evidence = await failRow.locator('details pre').textContent();
      const summary = await page.locator('#summary').textContent();
      await context.close();
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      expect(rows).toBe(checks.length);
      expect(ids).toEqual(checks.map((c) => c.id));
      expect(evidence).toContain('< etag: "5f3c-fa0"');
      expect(summary).toMatch(/failed \(MUST\)/);
    } finally {
      await fixture.close();
    }
  });
});

describe.skipIf(hasChromium)('conform --html in Chromium (browser absent)', () => {
  if (process.env.CI) {
    it(`fails under CI: Chromium must be installed at ${CHROMIUM_PATH}`, () => {
      expect.fail(`no Chromium at ${CHROMIUM_PATH}; .ci/run must apt-get install chromium`);
    });
  } else {
    it.skip(`skipped: no Chromium at ${CHROMIUM_PATH}`, () => {});
  }
});
