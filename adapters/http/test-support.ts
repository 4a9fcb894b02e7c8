/**
 * Test helpers: loopback HTTP servers on 127.0.0.1 with an ephemeral port, temp directories, and a
 * deterministic byte pattern. Used by adapter tests only.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running loopback server. */
export interface Loopback {
  server: http.Server;
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 at `port` (default: a free one). */
export async function listen(handler: http.RequestListener, port = 0): Promise<Loopback> {
  const server = http.createServer(handler);
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
    base: `http://127.0.0.1:${actual}`,
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
