/**
 * The inspection relay, on 127.0.0.1 only (`@statelyai/inspect`'s `createInspectorServer` listens on every
 * interface, so it is not used): HTTP `GET /` serves the viewer page, producers publish on
 * `ws://127.0.0.1:PORT/inspect`, viewers subscribe on `ws://127.0.0.1:PORT/view`. Producer messages are
 * normalised ({@link normaliseProducerMessage}), numbered, kept (bounded) and broadcast; a viewer that
 * connects late first receives what was kept, so it can open the page after the run started.
 *
 * Requests whose `Host` is not this loopback address, and browser WebSockets from another origin, are
 * refused: another web page must not read a download's progress or feed the viewer fake states.
 *
 * @module
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { MACHINES } from '../../machines/registry.js';
import { inspectDiagrams } from './diagram.js';
import { renderViewerPage } from './page.js';
import type { InspectSink } from './producer.js';
import { type InspectMessage, normaliseProducerMessage, type RelayedMessage } from './protocol.js';

/** Options of {@link startInspectRelay}. */
export interface InspectRelayOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** The machine the page shows first (a registry id). */
  readonly machine?: string;
  /** Messages kept for late viewers. @default 5000 */
  readonly keep?: number;
  /** Called with every relayed message. */
  readonly onMessage?: (message: RelayedMessage) => void;
}

/** A running relay; also an in-process {@link InspectSink}. */
export interface InspectRelay extends InspectSink {
  /** The viewer page, `http://127.0.0.1:PORT/`. */
  readonly pageUrl: string;
  /** Where producers connect (`--inspect` takes it): `ws://127.0.0.1:PORT/inspect`. */
  readonly producerUrl: string;
  /** Where the page's script connects: `ws://127.0.0.1:PORT/view`. */
  readonly viewerUrl: string;
  readonly port: number;
  /** The messages kept so far (oldest first). */
  readonly messages: readonly RelayedMessage[];
  /** Number of producer connections so far. */
  readonly producers: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_PAYLOAD = 1024 * 1024;

/** Starts the relay on 127.0.0.1 and resolves once it listens. */
export async function startInspectRelay(options: InspectRelayOptions = {}): Promise<InspectRelay> {
  if (options.machine !== undefined && !MACHINES.some((m) => m.id === options.machine)) {
    throw new Error(
      `no machine ${JSON.stringify(options.machine)}; known: ${MACHINES.map((m) => m.id).join(', ')}`,
    );
  }
  const keep = options.keep ?? 5000;
  const kept: RelayedMessage[] = [];
  const viewers = new Set<WebSocket>();
  const sessions = new Map<string, string>();
  let seq = 0;
  let producers = 0;
  let port = 0;
  let page: string | undefined;

  const hostOk = (req: IncomingMessage) =>
    req.headers.host === `${HOST}:${port}` || req.headers.host === `localhost:${port}`;
  // Node producers send no Origin; a browser sends its page's, which must be this relay's.
  const originOk = (req: IncomingMessage) =>
    req.headers.origin === undefined ||
    req.headers.origin === `http://${HOST}:${port}` ||
    req.headers.origin === `http://localhost:${port}`;

  const publish = (message: InspectMessage) => {
    seq += 1;
    const relayed = { ...message, seq } as RelayedMessage;
    kept.push(relayed);
    if (kept.length > keep) kept.shift();
    const data = JSON.stringify(relayed);
    for (const viewer of viewers) if (viewer.readyState === WebSocket.OPEN) viewer.send(data);
    options.onMessage?.(relayed);
  };

  const server = createServer((req, res) => {
    if (!hostOk(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host\n');
      return;
    }
    const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
    if (req.method !== 'GET' || path !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    page ??= renderViewerPage({
      wsUrl: `ws://${HOST}:${port}/view`,
      producerUrl: `ws://${HOST}:${port}/inspect`,
      // Laid out on the first request, so the relay listens (and prints its URLs) at once.
      diagrams: inspectDiagrams(),
      ...(options.machine === undefined ? {} : { machine: options.machine }),
    });
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Nothing but the page itself and its socket: no CDN, no font, no image from elsewhere.
      'content-security-policy': `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src ws://${HOST}:${port}; base-uri 'none'; form-action 'none'`,
    });
    res.end(page);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  wss.on('error', () => {});
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
    if (!hostOk(req) || !originOk(req) || (path !== '/inspect' && path !== '/view')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (path === '/view') {
        viewers.add(ws);
        ws.on('close', () => viewers.delete(ws));
        for (const message of kept) ws.send(JSON.stringify(message));
        // Viewers only listen.
        ws.on('message', () => {});
        return;
      }
      producers += 1;
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data.toString());
        } catch {
          return;
        }
        for (const message of normaliseProducerMessage(parsed, sessions)) publish(message);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    pageUrl: `http://${HOST}:${port}/`,
    producerUrl: `ws://${HOST}:${port}/inspect`,
    viewerUrl: `ws://${HOST}:${port}/view`,
    port,
    messages: kept,
    get producers() {
      return producers;
    },
    publish: (message) => {
      for (const m of normaliseProducerMessage(message, sessions)) publish(m);
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
