/**
 * Test helpers: loopback HTTP servers on 127.0.0.1 with an ephemeral port, temp directories, and a
 * deterministic byte pattern. Used by adapter tests only.
 *
 * @module
 */
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HttpError } from './errors.js';

/** A running loopback server. */
export interface Loopback {
  server: http.Server;
  port: number;
  /** `http://127.0.0.1:<port>` (`https://` for {@link listenHttps}) */
  base: string;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 at `port` (default: a free one). */
export async function listen(handler: http.RequestListener, port = 0): Promise<Loopback> {
  return track(http.createServer(handler), port, 'http');
}

/**
 * The committed self-signed certificate (CN and subjectAltName IP 127.0.0.1, valid until 2126) and its key,
 * for https tests on loopback; trust it with the client option `ca`.
 */
export function loopbackTls(): { cert: string; key: string } {
  const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return { cert: read('loopback-cert.pem'), key: read('loopback-key.pem') };
}

/** Starts `handler` as an https server on 127.0.0.1 with {@link loopbackTls}; `base` is `https://127.0.0.1:<port>`. */
export async function listenHttps(handler: http.RequestListener): Promise<Loopback> {
  return track(https.createServer(loopbackTls(), handler), 0, 'https');
}

/** A raw TCP server on 127.0.0.1 (for responses no HTTP server would send) and its closer. */
export interface RawLoopback {
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Starts a raw TCP server on 127.0.0.1 calling `onConnection` with every accepted socket. */
export async function listenRaw(onConnection: (socket: Socket) => void): Promise<RawLoopback> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function track(server: http.Server, port: number, scheme: 'http' | 'https'): Promise<Loopback> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    base: `${scheme}://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A fresh temporary directory and its remover. */
export async function tempDir(prefix = 'dlstate-'): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** `length` bytes of a fixed pattern (byte i = (i * 31 + 7) mod 251), so any prefix can be checked. */
export function pattern(length: number, from = 0): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = ((from + i) * 31 + 7) % 251;
  return out;
}

/** Resolves when `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Serves `body` with a Content-Length, writing 64 KiB slices as fast as the client reads; counts what was written. */
export function pushBody(body: Buffer, written: { bytes: number }) {
  return (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Length': String(body.length) });
    let at = 0;
    const pump = () => {
      while (at < body.length) {
        const slice = body.subarray(at, at + 64 * 1024);
        at += slice.length;
        written.bytes = at;
        if (!res.write(slice)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
}

/** Whether `promise` is still pending after `ms` (it is observed, so a later rejection is not unhandled). */
export async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}

/** Reads a body to the end into one buffer. */
export async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The {@link HttpError} a promise rejects with; throws if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw new Error(`expected an HttpError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

/**
 * Loopback servers a test file starts and closes after each test: `serve` starts one with `handler` and
 * tracks it, `track` tracks any closable server, `closeAll` goes in the file's `afterEach`.
 */
export function loopbackServers() {
  const open: { close(): Promise<void> }[] = [];
  return {
    async serve(handler: http.RequestListener): Promise<Loopback> {
      const s = await listen(handler);
      open.push(s);
      return s;
    },
    track<T extends { close(): Promise<void> }>(server: T): T {
      open.push(server);
      return server;
    },
    closeAll: () => Promise.all(open.splice(0).map((s) => s.close())).then(() => {}),
  };
}
