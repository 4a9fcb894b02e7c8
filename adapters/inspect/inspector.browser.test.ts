/**
 * The inspector in Debian's Chromium: the viewer page follows a real DLOTA agent download whose connection
 * is cut mid-body, and shows the active state moving downloading → paused → … → done; then a
 * `@statelyai/inspect` producer's actor is rendered too. No console error, no request off 127.0.0.1.
 */
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWebSocketInspector } from '@statelyai/inspect';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dlotaMachine } from '../../machines/dlota/index.js';
import { startAgent } from '../agent/index.js';
import { CHROMIUM_PATH, isLocalRequest, launchChromium } from '../docs/browser.js';
import { startDownloadServer } from '../server/server.js';
import { createInspector } from './producer.js';
import { type InspectRelay, startInspectRelay } from './relay.js';

const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium && process.env.CI) {
  throw new Error(`Chromium is required under CI but ${CHROMIUM_PATH} is missing (apt-get install chromium)`);
}

interface PageState {
  history: string[];
  connected: boolean;
  selected: string | null;
}

describe.skipIf(!hasChromium)('dlstate inspect in Chromium', () => {
  let browser: Browser;
  let relay: InspectRelay;
  let page: Page;
  let root: string;
  const consoleErrors: string[] = [];
  const foreign: string[] = [];

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-inspect-'));
    relay = await startInspectRelay({ machine: 'dlota' });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.route('**/*', (route) =>
      isLocalRequest(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
    );
    page = await context.newPage();
    page.on('request', (r) => {
      if (!isLocalRequest(r.url())) foreign.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  const pageState = () =>
    page.evaluate(() => {
      const s = (window as unknown as { __dlstateInspector: PageState }).__dlstateInspector;
      return { history: [...s.history], connected: s.connected, selected: s.selected };
    });

  it('shows a live download going from retrieving to paused to done, with the transitions and clause ids', async () => {
    await page.goto(relay.pageUrl, { waitUntil: 'load', timeout: 20_000 });
    await page.waitForFunction(
      () => (window as unknown as { __dlstateInspector?: PageState }).__dlstateInspector?.connected === true,
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.locator('#dl-status').textContent()).toBe(
      `connected to ws://127.0.0.1:${relay.port}/view`,
    );
    expect(await page.locator('[data-machine="dlota"] svg [data-state="retrieving.paused"]').count()).toBe(1);

    const media = path.join(root, 'media');
    await fs.mkdir(media);
    const data = Buffer.alloc(256 * 1024, 7);
    await fs.writeFile(path.join(media, 'object.bin'), data);
    // Throttled so bytes reach the agent before the cut; the cut pauses it, the agent reconnects.
    const server = await startDownloadServer({
      dir: media,
      faults: { cutNextBodyAfter: 150_000, bytesPerSecond: 2 * 1024 * 1024 },
    });
    const inspector = createInspector(relay.producerUrl);
    try {
      const run = startAgent({
        inspect: inspector.inspect,
        ddUrl: server.ddUrl('object.bin'),
        outDir: path.join(root, 'out'),
        stateDir: path.join(root, 'out', '.dlstate'),
        preConfirmed: true,
        flushEveryBytes: 32 * 1024,
        reconnectDelayMs: 50,
      });
      const result = await run.result;
      expect(result.kind).toBe('finished');
    } finally {
      await inspector.close();
      await server.close();
    }

    await page.waitForFunction(
      () =>
        (window as unknown as { __dlstateInspector: PageState }).__dlstateInspector.history.at(-1) === 'done',
      undefined,
      { timeout: 10_000 },
    );
    const { history } = await pageState();
    // The highlighted states in order: downloading, cut → paused, reconnect → resuming, downloading again, done.
    const at = (state: string, from = 0) => history.indexOf(state, from);
    const downloading = at('retrieving.downloading');
    const paused = at('retrieving.paused', downloading);
    const resuming = at('retrieving.resuming', paused);
    const again = at('retrieving.downloading', resuming);
    expect(history[0]).toBe('fetchingDescriptor');
    expect(downloading, history.join(' → ')).toBeGreaterThan(0);
    expect(paused, history.join(' → ')).toBeGreaterThan(downloading);
    expect(resuming, history.join(' → ')).toBeGreaterThan(paused);
    expect(again, history.join(' → ')).toBeGreaterThan(resuming);
    expect(history.slice(again)).toEqual([
      'retrieving.downloading',
      'installing',
      'notifying.posting',
      'done',
    ]);

    // The diagram marks `done`, and nothing else, as the active state.
    const active = await page
      .locator('[data-machine="dlota"] .dl-active')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')));
    expect(active).toEqual(['done']);
    expect(await page.locator('[data-machine="dlota"]').isVisible()).toBe(true);
    expect(await page.locator('#dl-current').textContent()).toBe('done (actor done)');
    // The log names the pause's event and the clause ids of the transitions taken.
    const log = (await page.locator('#dl-log').textContent()) ?? '';
    expect(log).toContain('CONNECTION.LOST');
    expect(log).toContain('retrieving.downloading —CONNECTION.LOST→ retrieving.paused');
    expect(log).toMatch(/\[(DL-[A-Z]+-\d+ ?)+\]/);
  }, 40_000);

  it('renders an actor inspected by @statelyai/inspect (its WebSocket inspector pointed at the relay)', async () => {
    const stately = createWebSocketInspector({ url: relay.producerUrl });
    try {
      const { createActor } = await vi.importActual<typeof import('xstate')>('xstate');
      const actor = createActor(dlotaMachine, {
        input: { ddUrl: 'http://127.0.0.1:9/dd/none', supportedTypes: ['*/*'] },
        inspect: stately.inspect,
      });
      actor.start();
      actor.send({ type: 'DESCRIPTOR.FAILED', reason: 'gone', status: 404 });
      // The newest root actor of the preferred machine takes the view.
      await page.waitForFunction(
        (sessionId) => {
          const s = (window as unknown as { __dlstateInspector: PageState }).__dlstateInspector;
          return s.selected === sessionId && s.history.at(-1) === 'failed';
        },
        actor.sessionId,
        { timeout: 10_000 },
      );
    } finally {
      stately.stop();
    }
    const { history } = await pageState();
    expect(history.slice(-2)).toEqual(['fetchingDescriptor', 'failed']);
    const active = await page
      .locator('[data-machine="dlota"] .dl-active')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')));
    expect(active).toEqual(['failed']);
    expect(await page.locator('#dl-actor option').count()).toBe(2);
    expect(consoleErrors).toEqual([]);
    expect(foreign).toEqual([]);
  }, 20_000);
});
