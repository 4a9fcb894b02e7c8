/**
 * A scripted loopback Download Server for tests that drive the real agent: the reference server
 * (`adapters/server`) over a temporary media directory, whose faults a test flips at any moment (cut the
 * body, ignore Range, hide Accept-Ranges, wrong Content-Range, 404, refuse reports), plus helpers to add
 * or change an object (its bytes, so its ETag changes too), to override descriptor fields with a sidecar,
 * and a second tiny loopback endpoint serving a verbatim descriptor body (a broken DD, a DD 1.0 with an
 * unsupported DDVersion) the reference server would never render.
 *
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DescriptorOverrides } from '../../adapters/server/catalogue.js';
import {
  type DownloadServer,
  type RequestLogEntry,
  type ServerFaults,
  startDownloadServer,
} from '../../adapters/server/server.js';

/** The DD 1.0 media type a verbatim descriptor is served with. */
const DD1_MEDIA_TYPE = 'application/vnd.oma.dd+xml';

/** A running scripted server. */
export interface ScriptedServer {
  /** The reference server (its `faults` object is live: change a field and the next response obeys). */
  readonly server: DownloadServer;
  /** The media directory (one file per object name). */
  readonly dir: string;
  /** A scratch directory for agents (out/state directories), removed on close. */
  readonly root: string;
  /** Writes (or rewrites, synchronously) an object; with `sidecar`, its descriptor overrides. */
  putObject(name: string, data: Uint8Array, sidecar?: DescriptorOverrides): void;
  /** Writes or replaces the sidecar of an object (the next descriptor or media response uses it). */
  putSidecar(name: string, sidecar: DescriptorOverrides): void;
  /** The reference descriptor URL of an object. */
  ddUrl(name: string): string;
  /** Serves `body` verbatim as a descriptor and returns its URL (on the second endpoint). */
  verbatimDd(name: string, body: string, contentType?: string): string;
  /** The media URL of an object (`/media/<name>`). */
  mediaUrl(name: string): string;
  /** The notify URL of an object (`/notify/<name>`). */
  notifyUrl(name: string): string;
  /** Logged media requests of one object, in completion order. */
  mediaRequests(name: string): RequestLogEntry[];
  /** Clears every fault (between two scenarios). */
  resetFaults(): void;
  close(): Promise<void>;
}

/** Starts the scripted server on 127.0.0.1 (two ports: the reference server and the verbatim endpoint). */
export async function startScriptedServer(faults: ServerFaults = {}): Promise<ScriptedServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'dlstate-scripted-'));
  const dir = path.join(root, 'media');
  mkdirSync(dir);
  const server = await startDownloadServer({ dir, faults });
  const verbatim = new Map<string, { body: string; type: string }>();
  const side: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/dd\//, ''));
    const dd = verbatim.get(name);
    if (!dd) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return void res.end('no such descriptor\n');
    }
    res.writeHead(200, { 'Content-Type': dd.type, 'Content-Length': String(Buffer.byteLength(dd.body)) });
    res.end(dd.body);
  });
  await new Promise<void>((resolve) => side.listen(0, '127.0.0.1', resolve));
  const sideUrl = `http://127.0.0.1:${(side.address() as AddressInfo).port}`;
  const enc = encodeURIComponent;
  const putSidecar = (name: string, sidecar: DescriptorOverrides) =>
    writeFileSync(path.join(dir, `${name}.dd.json`), JSON.stringify(sidecar));

  return {
    server,
    dir,
    root,
    putObject(name, data, sidecar) {
      writeFileSync(path.join(dir, name), data);
      if (sidecar) putSidecar(name, sidecar);
    },
    putSidecar,
    ddUrl: (name) => server.ddUrl(name),
    verbatimDd(name, body, contentType = DD1_MEDIA_TYPE) {
      verbatim.set(name, { body, type: contentType });
      return `${sideUrl}/dd/${enc(name)}`;
    },
    mediaUrl: (name) => `${server.url}/media/${enc(name)}`,
    notifyUrl: (name) => `${server.url}/notify/${enc(name)}`,
    mediaRequests: (name) => server.requests.filter((r) => r.url === `/media/${enc(name)}`),
    resetFaults() {
      for (const key of Object.keys(server.faults)) delete server.faults[key as keyof ServerFaults];
    },
    async close() {
      await server.close();
      await new Promise<void>((resolve) => {
        side.close(() => resolve());
        side.closeAllConnections();
      });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Deterministic object bytes: a pattern that differs per `seed` at every offset. */
export function objectBytes(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + seed * 97 + (i >> 9)) & 0xff;
  return buf;
}
