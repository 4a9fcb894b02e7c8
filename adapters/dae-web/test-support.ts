/**
 * Test helpers for adapters/dae-web: a manager + serve-dae server + throttled content server on loopback,
 * two applications with different permissions, and a scripted socket client. Tests only.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';
import { createDownloadManager, type DownloadManagerHost } from '../oipf/index.js';
import { mediaFile, tempDir, waitFor } from '../oipf/test-support.js';
import { type DownloadServer, startDownloadServer } from '../server/server.js';
import type { DaeWebApp } from './apps.js';
import type { ManagerMessage } from './protocol.js';
import { type DaeServer, startDaeServer } from './server.js';

/** The operator's portal: sees every download. */
export const PORTAL: DaeWebApp = {
  path: '/portal/',
  id: 'portal',
  origin: 'portal.example',
  organisationId: 'operator',
  permissions: ['permission_downloadmanager_all'],
  profile: 'oipf',
};
/** A shop application: its own downloads only, HbbTV profile. */
export const SHOP: DaeWebApp = {
  path: '/shop/',
  id: 'shop',
  origin: 'shop.example',
  organisationId: 'shop',
  permissions: ['permission_downloadmanager'],
  profile: 'hbbtv',
};
/** Another application of its own domain, own downloads only, OIPF profile. */
export const NEWS: DaeWebApp = {
  path: '/news/',
  id: 'news',
  origin: 'news.example',
  organisationId: 'news',
  permissions: ['permission_downloadmanager'],
  profile: 'oipf',
};

/** Everything a dae-web test runs against; `close()` stops it all and removes the temp dirs. */
export interface DaeWebRig {
  readonly manager: DownloadManagerHost;
  readonly dae: DaeServer;
  readonly content: DownloadServer;
  readonly mediaUrl: (name: string) => string;
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts the rig: content files `small.bin` (20 kB) and `big.bin` (`bigBytes`, throttled to `bytesPerSecond`). */
export async function startRig(
  options: {
    staticDir?: string;
    bigBytes?: number;
    bytesPerSecond?: number;
    apps?: DaeWebApp[];
    profile?: 'oipf' | 'hbbtv';
  } = {},
): Promise<DaeWebRig> {
  const dir = await tempDir('dlstate-dae-web-');
  const contentDir = path.join(dir, 'content');
  await fs.mkdir(contentDir);
  await mediaFile(contentDir, 'small.bin', 20_000);
  await mediaFile(contentDir, 'big.bin', options.bigBytes ?? 600_000, 3);
  const content = await startDownloadServer({
    dir: contentDir,
    faults: { bytesPerSecond: options.bytesPerSecond ?? 300_000 },
  });
  const manager = await createDownloadManager({
    dir: path.join(dir, 'manager'),
    flushEveryBytes: 16 * 1024,
    profile: options.profile ?? 'oipf',
  });
  const dae = await startDaeServer({
    manager,
    apps: options.apps ?? [PORTAL, SHOP, NEWS],
    syncMs: 100,
    ...(options.staticDir !== undefined ? { staticDir: options.staticDir } : {}),
  });
  return {
    manager,
    dae,
    content,
    dir,
    mediaUrl: (name) => `${content.url}/media/${name}`,
    async close() {
      await dae.close();
      await manager.close();
      await content.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A scripted page socket: sends frames, keeps every frame the manager sent. */
export class ScriptedPage {
  readonly frames: ManagerMessage[] = [];
  closeCode: number | undefined;
  #seq = 0;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as ManagerMessage));
    ws.on('close', (code) => {
      this.closeCode = code;
    });
  }

  /** Opens a socket to the server (as a page of the server's own origin) and sends hello for `pagePath`. */
  static async open(dae: DaeServer, pagePath: string | null, origin = dae.url): Promise<ScriptedPage> {
    const ws = new WebSocket(`ws://127.0.0.1:${dae.port}/dae`, { origin });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const page = new ScriptedPage(ws);
    if (pagePath !== null) {
      page.send({ t: 'hello', v: 1, page: `${dae.url}${pagePath}` });
      await page.next('welcome');
    }
    return page;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a call and resolves with the manager's result value. */
  async call(method: string, args: unknown, decided: unknown = null): Promise<unknown> {
    this.#seq += 1;
    const seq = this.#seq;
    this.send({ t: 'call', seq, method, args, decided });
    const result = await this.next('result', (m) => m.seq === seq);
    return result.value;
  }

  /** The first frame of a type (matching `where`) received so far or later (bounded wait). */
  async next<T extends ManagerMessage['t']>(
    t: T,
    where: (m: Extract<ManagerMessage, { t: T }>) => boolean = () => true,
  ): Promise<Extract<ManagerMessage, { t: T }>> {
    const find = () =>
      this.frames.find((m): m is Extract<ManagerMessage, { t: T }> => m.t === t && where(m as never));
    await waitFor(() => find() !== undefined, `a ${t} frame`, 5000);
    return find()!;
  }

  close(): void {
    this.ws.close();
  }
}
