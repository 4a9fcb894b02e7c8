import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { hasRealServer, type RealServerKind, startRealServer } from '../http/real-servers.test-support.js';
import { type AgentResult, startAgent } from './agent.js';
import type { Observation, RequestObservation } from './observation.js';
import type { AgentOptions } from './options.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SIZE = 512 * 1024;
const NAME = 'object.bin';

function version(seed: number): Buffer {
  const buf = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) buf[i] = (i * 131 + seed * 17 + (i >> 9)) & 0xff;
  return buf;
}
const V1 = version(1);
const V2 = version(2);

function dd2(opts: { updated?: string; notify?: string } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="2.0">
  <product>
    <meta><name>Object</name><suppressUserConfirmation>Always</suppressUserConfirmation>${
      opts.notify === undefined ? '' : `<installNotifyURI>${opts.notify}</installNotifyURI>`
    }</meta>
    <mediaObject>
      <size>${SIZE}</size><type>application/octet-stream</type>
      <objectURI><server>${NAME}</server></objectURI>
    </mediaObject>
  </product>
  ${opts.updated === undefined ? '' : `<updatedDDURI>${opts.updated}</updatedDDURI>`}
</media>`;
}

/** A status report sink on loopback (nginx and lighttpd serve files; they do not take POSTs). */
async function reportSink(): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      bodies.push(body);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`, bodies };
}

interface Dirs {
  root: string;
  out: string;
  state: string;
}

async function dirs(): Promise<Dirs> {
  const base = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-real-'));
  cleanups.push(() => fs.rm(base, { recursive: true, force: true }));
  const root = path.join(base, 'www');
  await fs.mkdir(root);
  await fs.writeFile(path.join(root, NAME), V1);
  const out = path.join(base, 'out');
  return { root, out, state: path.join(out, '.dlstate') };
}

/** Replaces the object's bytes and moves its mtime 10 s on (Last-Modified has one-second resolution). */
async function replaceObject(d: Dirs, data: Buffer): Promise<void> {
  const file = path.join(d.root, NAME);
  const { mtimeMs } = await fs.stat(file);
  await fs.writeFile(file, data);
  const later = new Date(mtimeMs + 10_000);
  await fs.utimes(file, later, later);
}

async function run(
  ddUrl: string,
  d: Dirs,
  extra: Partial<AgentOptions> = {},
  stopWhen?: (o: Observation) => boolean,
): Promise<{ result: AgentResult; seen: Observation[] }> {
  const seen: Observation[] = [];
  const agent = startAgent({
    ddUrl,
    outDir: d.out,
    stateDir: d.state,
    preConfirmed: true,
    flushEveryBytes: 32 * 1024,
    reconnectDelayMs: 10,
    progressIntervalMs: 10,
    ...extra,
    onObservation: (o) => {
      seen.push(o);
      if (stopWhen?.(o)) setImmediate(() => agent.stop('user'));
    },
  });
  return { result: await agent.result, seen };
}

/** Stops the agent (as Ctrl-C does) once a fifth of the object is durable: a paused, kept range. */
const midBody = (o: Observation) => o.event === 'progress' && o.received > SIZE / 5 && o.received < SIZE;

const mediaStatuses = (seen: Observation[]) =>
  seen.flatMap((o) => (o.event === 'response' && o.url.endsWith(`/${NAME}`) ? [o.status] : []));

const mediaRequests = (seen: Observation[]) =>
  seen.filter((o): o is RequestObservation => o.event === 'request' && o.url.endsWith(`/${NAME}`));

const installedFiles = async (d: Dirs) =>
  (await fs.readdir(d.out).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));

/** The installed file is byte-identical to one version, or nothing is installed: never a mix. */
async function oneVersionOrNothing(d: Dirs): Promise<Buffer | null> {
  const files = await installedFiles(d);
  expect(files.length).toBeLessThanOrEqual(1);
  if (files.length === 0) return null;
  const got = await fs.readFile(path.join(d.out, files[0]!));
  expect(got.equals(V1) || got.equals(V2), 'the installed object mixes two versions').toBe(true);
  return got;
}

/** The ETag a HEAD request gets now. */
async function validatorOf(url: string): Promise<string | null> {
  const res = await fetch(url, { method: 'HEAD' });
  return res.headers.get('etag');
}

async function paused(ddUrl: string, d: Dirs): Promise<void> {
  const first = await run(ddUrl, d, {}, midBody);
  expect(first.result.kind, JSON.stringify(first.result)).toBe('paused');
}

const real = (kind: RealServerKind, extra: string, root: string) =>
  startRealServer(kind, { root, extra }).then((server) => {
    cleanups.push(() => server.stop());
    return server;
  });

describe.skipIf(!hasRealServer('lighttpd'))(
  'lighttpd 1.4 (ignores If-Match): the object replaced while paused',
  () => {
    it(
      verifies(
        ['DL-PR-11', 'DL-PR-10', 'DL-PR-9'],
        'lighttpd answers the resume with a 206 of the new object: not appended, fetched again from 0, never a mix',
      ),
      async () => {
        const d = await dirs();
        await fs.writeFile(path.join(d.root, 'object.dd2'), dd2());
        const server = await real('lighttpd', 'connection.kbytes-per-second = 512', d.root);
        const ddUrl = `${server.base}/object.dd2`;
        await paused(ddUrl, d);
        const before = await validatorOf(`${server.base}/${NAME}`);
        await replaceObject(d, V2);
        // lighttpd caches file metadata (stat cache) for about a second: wait, bounded, until it serves the
        // new object's ETag, as a client resuming later would see it.
        for (let i = 0; i < 50 && (await validatorOf(`${server.base}/${NAME}`)) === before; i++)
          await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await validatorOf(`${server.base}/${NAME}`)).not.toBe(before);
        const { result, seen } = await run(ddUrl, d);
        if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
        expect(result.output.statusCode).toBe(900);
        const [resume, again] = mediaRequests(seen);
        expect(resume?.headers.range).toMatch(/^bytes=\d+-524287$/);
        expect(resume?.headers['if-match']).toMatch(/^"\d+"$/);
        // lighttpd ignored If-Match: a 206 carrying another ETag came back; it was not appended.
        expect(mediaStatuses(seen)).toEqual([206, 200]);
        expect(again?.headers.range).toBeUndefined();
        expect((await oneVersionOrNothing(d))?.equals(V2)).toBe(true);
      },
    );

    it(
      verifies('DL-PR-11', 'lighttpd, object unchanged: the 206 carries the kept ETag and is appended'),
      async () => {
        const d = await dirs();
        await fs.writeFile(path.join(d.root, 'object.dd2'), dd2());
        const server = await real('lighttpd', 'connection.kbytes-per-second = 512', d.root);
        const ddUrl = `${server.base}/object.dd2`;
        await paused(ddUrl, d);
        const { result, seen } = await run(ddUrl, d);
        if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
        expect(result.output.statusCode).toBe(900);
        expect(mediaRequests(seen)).toHaveLength(1);
        expect(mediaRequests(seen)[0]?.headers.range).toMatch(/^bytes=[1-9]\d*-524287$/);
        expect((await oneVersionOrNothing(d))?.equals(V1)).toBe(true);
      },
    );
  },
);

describe.skipIf(!hasRealServer('nginx'))('nginx with `etag off`: Last-Modified is the validator', () => {
  it(
    verifies(
      ['DL-PR-9', 'DL-PR-10', 'DL-STATUS-957'],
      'object replaced while paused: If-Unmodified-Since → 412 → 957 → updated DD → the new version, never a mix',
    ),
    async () => {
      const d = await dirs();
      const reports = await reportSink();
      await fs.writeFile(
        path.join(d.root, 'object.dd2'),
        dd2({ updated: 'object-v2.dd2', notify: reports.url }),
      );
      await fs.writeFile(path.join(d.root, 'object-v2.dd2'), dd2({ notify: reports.url }));
      const server = await real('nginx', 'etag off; limit_rate 512k;', d.root);
      const ddUrl = `${server.base}/object.dd2`;
      await paused(ddUrl, d);
      const lastModified = (await fs.stat(path.join(d.root, NAME))).mtime.toUTCString();
      await replaceObject(d, V2);
      const { result, seen } = await run(ddUrl, d);
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output.statusCode).toBe(900);
      const [resume] = mediaRequests(seen);
      expect(resume?.headers['if-match']).toBeUndefined();
      expect(resume?.headers['if-unmodified-since']).toBe(lastModified);
      // 412 → 957 → the updated DD → the new object from byte 0.
      expect(mediaStatuses(seen)).toEqual([412, 200]);
      expect(reports.bodies).toEqual(['957 Media Object Updated', '900 Success']);
      expect(seen.some((o) => o.event === 'request' && o.url.endsWith('/object-v2.dd2'))).toBe(true);
      expect((await oneVersionOrNothing(d))?.equals(V2)).toBe(true);
    },
  );

  it(
    verifies(
      ['DL-PR-10', 'DL-DD-1'],
      'a DD 1.0 (no updatedDDURI, no 957 in DLOTA 1.0): object replaced while paused → 412 → GET from 0, 900 only',
    ),
    async () => {
      const d = await dirs();
      const reports = await reportSink();
      await fs.writeFile(
        path.join(d.root, 'object.dd'),
        `<?xml version="1.0"?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <name>Object</name><type>application/octet-stream</type><size>${SIZE}</size>
  <objectURI>${NAME}</objectURI><installNotifyURI>${reports.url}</installNotifyURI>
</media>`,
      );
      const server = await real('nginx', 'etag off; limit_rate 512k;', d.root);
      const ddUrl = `${server.base}/object.dd`;
      await paused(ddUrl, d);
      await replaceObject(d, V2);
      const { result, seen } = await run(ddUrl, d);
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output.statusCode).toBe(900);
      expect(mediaStatuses(seen)).toEqual([412, 200]);
      expect(reports.bodies).toEqual(['900 Success']);
      expect((await oneVersionOrNothing(d))?.equals(V2)).toBe(true);
    },
  );

  it(
    verifies(
      'DL-PR-11',
      'nginx `etag off`, object unchanged: the 206 with the kept Last-Modified is appended',
    ),
    async () => {
      const d = await dirs();
      await fs.writeFile(path.join(d.root, 'object.dd2'), dd2());
      const server = await real('nginx', 'etag off; limit_rate 512k;', d.root);
      const ddUrl = `${server.base}/object.dd2`;
      await paused(ddUrl, d);
      const { result, seen } = await run(ddUrl, d);
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output.statusCode).toBe(900);
      expect(mediaRequests(seen).map((r) => r.headers.range)).toEqual([
        expect.stringMatching(/^bytes=[1-9]/),
      ]);
      expect((await oneVersionOrNothing(d))?.equals(V1)).toBe(true);
    },
  );
});

/**
 * A Tomcat-like server: weak ETags, byte ranges, If-Match by strong comparison (a weak tag never matches →
 * 412), If-Unmodified-Since honoured; the first body is cut after `cutAt` bytes. The object never changes.
 */
async function weakEtagServer(opts: { lastModified: boolean; cutAt: number }) {
  const requests: { headers: IncomingMessage['headers']; status: number }[] = [];
  const lastModified = 'Wed, 02 Dec 2026 08:00:00 GMT';
  const etag = `W/"${SIZE}-1764662400000"`;
  let served = 0;
  const server = createServer((req, res: ServerResponse) => {
    const answer = (status: number, headers: Record<string, string | number> = {}, body?: Buffer) => {
      requests.push({ headers: req.headers, status });
      res.writeHead(status, {
        'accept-ranges': 'bytes',
        etag,
        ...(opts.lastModified ? { 'last-modified': lastModified } : {}),
        ...headers,
      });
      res.end(body);
    };
    if (req.url?.endsWith('.dd2')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oma.dd2+xml' });
      return res.end(dd2());
    }
    // Strong comparison (RFC 9110 §13.1.1): a weak entity-tag never matches If-Match.
    if (req.headers['if-match'] !== undefined) return answer(412);
    const since = req.headers['if-unmodified-since'];
    if (since !== undefined && since !== lastModified) return answer(412);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const first = Number(range[1]);
      return answer(
        206,
        { 'content-range': `bytes ${first}-${SIZE - 1}/${SIZE}`, 'content-length': SIZE - first },
        V1.subarray(first),
      );
    }
    served += 1;
    if (served === 1) {
      // The first body is cut mid-way: the agent pauses with a kept range and reconnects by itself.
      requests.push({ headers: req.headers, status: 200 });
      res.writeHead(200, {
        'accept-ranges': 'bytes',
        etag,
        ...(opts.lastModified ? { 'last-modified': lastModified } : {}),
        'content-length': SIZE,
      });
      res.write(V1.subarray(0, opts.cutAt), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    answer(200, { 'content-length': SIZE }, V1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { requests, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lastModified };
}

describe('a weak-ETag server whose object never changes (Tomcat, Apache within the second)', () => {
  it(
    verifies(
      ['DL-PR-9', 'DL-PR-11'],
      'weak ETag + Last-Modified: no If-Match, If-Unmodified-Since guards the resume; byte-identical, no 957',
    ),
    async () => {
      const d = await dirs();
      const server = await weakEtagServer({ lastModified: true, cutAt: 200_000 });
      const { result, seen } = await run(`${server.base}/object.dd2`, d);
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output.statusCode).toBe(900);
      expect(server.requests.map((r) => r.status)).toEqual([200, 206]);
      const resume = server.requests[1]!.headers;
      expect(resume['if-match']).toBeUndefined();
      expect(resume['if-unmodified-since']).toBe(server.lastModified);
      expect(Number(/^bytes=(\d+)-/.exec(resume.range ?? '')?.[1])).toBeGreaterThan(0);
      expect(seen.some((o) => o.event === 'status' && o.code === 957)).toBe(false);
      expect((await oneVersionOrNothing(d))?.equals(V1)).toBe(true);
    },
  );

  it(
    verifies(
      ['DL-PR-9', 'DL-PR-11'],
      'weak ETag and no Last-Modified: nothing can prove a 206 fits, so the object is fetched again from 0; no 957',
    ),
    async () => {
      const d = await dirs();
      const server = await weakEtagServer({ lastModified: false, cutAt: 200_000 });
      const { result, seen } = await run(`${server.base}/object.dd2`, d);
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output.statusCode).toBe(900);
      expect(server.requests.map((r) => [r.status, r.headers.range === undefined])).toEqual([
        [200, true],
        [206, false],
        [200, true],
      ]);
      expect(server.requests[1]!.headers['if-match']).toBeUndefined();
      expect(seen.some((o) => o.event === 'status' && o.code === 957)).toBe(false);
      expect((await oneVersionOrNothing(d))?.equals(V1)).toBe(true);
    },
  );
});
