/**
 * `dlstate manager serve-dae`: a loopback HTTP server for HbbTV/OIPF application pages in a real browser.
 * `GET /dae.js` serves the page runtime, preceded by the page's boot record (its identity and the downloads
 * it may see, chosen by the `Referer`), so `isObjectSupported` and the first `getDownloads()` answer before
 * the socket is up; `ws://127.0.0.1:PORT/dae` carries the protocol (protocol.ts) to the {@link DaeHub};
 * with `staticDir` every other GET serves that application folder.
 *
 * Requests whose `Host` is not this server, and WebSockets from another origin, are refused: a page of
 * another site must not act on the downloads.
 *
 * @module
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { DownloadManagerHost } from '../oipf/index.js';
import type { DaeWebApp } from './apps.js';
import { daeBundle } from './bundle.js';
import { DaeHub } from './hub.js';
import { DAE_SOCKET_PATH } from './protocol.js';

/** Options of {@link startDaeServer}. */
export interface DaeServerOptions {
  readonly manager: DownloadManagerHost;
  readonly apps: readonly DaeWebApp[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /** An application folder served at `/`. */
  readonly staticDir?: string;
  /** How often progress is pushed to pages, in ms. @default 200 */
  readonly syncMs?: number;
}

/** A running serve-dae server. */
export interface DaeServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly hub: DaeHub;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_PAYLOAD = 256 * 1024;
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.xml': 'application/xml',
};

/** Starts the server on 127.0.0.1 and resolves once it listens. */
export async function startDaeServer(options: DaeServerOptions): Promise<DaeServer> {
  const hub = new DaeHub({
    manager: options.manager,
    apps: options.apps,
    ...(options.syncMs !== undefined ? { syncMs: options.syncMs } : {}),
  });
  const root = options.staticDir === undefined ? undefined : path.resolve(options.staticDir);
  let port = 0;
  const origins = () => [`http://${HOST}:${port}`, `http://localhost:${port}`];
  const hostOk = (req: IncomingMessage) => origins().includes(`http://${req.headers.host ?? ''}`);

  const fail = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
  };

  const serveRuntime = async (req: IncomingMessage, res: ServerResponse) => {
    const bundle = await daeBundle();
    const referer = req.headers.referer;
    // The page's boot record: its identity and list, as the socket's welcome would give them.
    const boot = referer === undefined ? null : hub.welcome(referer);
    res.writeHead(200, { 'content-type': TYPES['.js']!, 'cache-control': 'no-store' });
    res.end(`var __dlstateDaeBoot=${JSON.stringify(boot)};\n${bundle}`);
  };

  const serveStatic = async (res: ServerResponse, pathname: string) => {
    if (root === undefined) return fail(res, 404, 'not found');
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return fail(res, 400, 'bad path');
    }
    let file = path.resolve(root, `.${decoded}`);
    if (file !== root && !file.startsWith(root + path.sep))
      return fail(res, 403, 'outside the application folder');
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat?.isDirectory()) file = path.join(file, 'index.html');
    const final = await fs.stat(file).catch(() => undefined);
    if (!final?.isFile()) return fail(res, 404, 'not found');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': final.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    if (!hostOk(req)) return fail(res, 421, 'wrong Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'GET only');
    const { pathname } = new URL(req.url ?? '/', `http://${HOST}`);
    const done = pathname === '/dae.js' ? serveRuntime(req, res) : serveStatic(res, pathname);
    done.catch((error: Error) => {
      if (!res.headersSent) fail(res, 500, error.message);
      else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url ?? '/', `http://${HOST}`);
    const originOk = req.headers.origin === undefined || origins().includes(req.headers.origin);
    if (pathname !== DAE_SOCKET_PATH || !hostOk(req) || !originOk) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = hub.connect(
        (message) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
        },
        (code, reason) => ws.close(code, reason),
      );
      ws.on('message', (data, isBinary) => {
        if (isBinary) ws.close(1003, 'text frames only');
        else connection.receive(data.toString());
      });
      ws.on('close', () => connection.close());
      ws.on('error', () => connection.close());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}`,
    port,
    hub,
    async close() {
      hub.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
