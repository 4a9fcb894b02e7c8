import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { verifies } from '../../property-tests/verifies.js';
import type { Journal } from '../storage/journal.js';
import { type AgentResult, startAgent } from './agent.js';
import type { Observation } from './observation.js';
import type { AgentOptions } from './options.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SIZE = 256 * 1024;
const CUT = 100_000;
const DATA = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const ETAG = '"obj/1.0"';
const LAST_MODIFIED = 'Wed, 02 Dec 2026 08:00:00 GMT';

/** A scripted answer to the next ranged request: a status and its headers (no body). */
interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

interface Seen {
  readonly at: number;
  readonly headers: IncomingMessage['headers'];
  readonly status: number;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function closer(server: Server): () => Promise<void> {
  let closed = false;
  return () => {
    if (closed) return Promise.resolve();
    closed = true;
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
}

/**
 * The object on its own loopback server (strong ETag, Last-Modified, byte ranges): the first full body is
 * cut after {@link CUT} bytes (the agent pauses and reconnects by itself); ranged requests take the next
 * scripted answer, else a 206 of the rest. The descriptor is on another server, so the object's can stop.
 */
async function servers(answers: Answer[] = []) {
  const media: Seen[] = [];
  let fulls = 0;
  const object = createServer((req, res) => {
    const range = /^bytes=(\d+)-/.exec(req.headers.range ?? '');
    const common = { 'accept-ranges': 'bytes', etag: ETAG, 'last-modified': LAST_MODIFIED };
    const log = (status: number) => media.push({ at: Date.now(), headers: req.headers, status });
    if (range) {
      const next = answers.shift();
      if (next) {
        log(next.status);
        res.writeHead(next.status, { ...common, 'content-length': 0, ...next.headers });
        return res.end();
      }
      const first = Number(range[1]);
      log(206);
      res.writeHead(206, {
        ...common,
        'content-range': `bytes ${first}-${SIZE - 1}/${SIZE}`,
        'content-length': SIZE - first,
      });
      return res.end(DATA.subarray(first));
    }
    fulls += 1;
    log(200);
    res.writeHead(200, { ...common, 'content-length': SIZE });
    if (fulls > 1) return res.end(DATA);
    res.write(DATA.subarray(0, CUT), () => setTimeout(() => res.destroy(), 50));
  });
  const objectPort = await listen(object);
  const closeObject = closer(object);
  cleanups.push(closeObject);
  const dd = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.oma.dd2+xml' });
    res.end(`<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="2.0"><product>
      <meta><name>Object</name><suppressUserConfirmation>Always</suppressUserConfirmation></meta>
      <mediaObject><size>${SIZE}</size><type>application/octet-stream</type>
      <objectURI><server>http://127.0.0.1:${objectPort}/object.bin</server></objectURI></mediaObject>
    </product></media>`);
  });
  const ddPort = await listen(dd);
  cleanups.push(closer(dd));
  return { media, ddUrl: `http://127.0.0.1:${ddPort}/object.dd2`, closeObject };
}

async function dirs() {
  const base = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-temporary-'));
  cleanups.push(() => fs.rm(base, { recursive: true, force: true }));
  const out = path.join(base, 'out');
  return { out, state: path.join(out, '.dlstate') };
}

async function run(
  ddUrl: string,
  d: { out: string; state: string },
  extra: Partial<AgentOptions> = {},
): Promise<{ result: AgentResult; seen: Observation[] }> {
  const seen: Observation[] = [];
  const agent = startAgent({
    ddUrl,
    outDir: d.out,
    stateDir: d.state,
    preConfirmed: true,
    flushEveryBytes: 16 * 1024,
    reconnectDelayMs: 10,
    resumeRetryMs: 20,
    ...extra,
    onObservation: (o) => seen.push(o),
  });
  return { result: await agent.result, seen };
}

async function journal(state: string): Promise<Journal> {
  const name = (await fs.readdir(state)).find((n) => n.endsWith('.journal.json'));
  if (!name) throw new Error('no journal kept');
  return JSON.parse(await fs.readFile(path.join(state, name), 'utf8')) as Journal;
}

const installed = async (out: string) => (await fs.readdir(out)).filter((n) => !n.startsWith('.'));

describe('temporary errors on a resume keep the range (never 954 + discard)', () => {
  it(
    verifies('DL-PR-4', '503 with Retry-After: 1 → paused, the same Range again after about a second → 900'),
    async () => {
      const d = await dirs();
      const s = await servers([{ status: 503, headers: { 'retry-after': '1' } }]);
      const { result } = await run(s.ddUrl, d);
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output.statusCode).toBe(900);
      expect(s.media.map((r) => r.status)).toEqual([200, 503, 206]);
      const [, busy, resumed] = s.media;
      expect(resumed!.headers.range).toBe(busy!.headers.range);
      expect(busy!.headers.range).toMatch(/^bytes=[1-9]\d*-262143$/);
      expect(busy!.headers['if-match']).toBe(ETAG);
      expect(resumed!.at - busy!.at).toBeGreaterThanOrEqual(900);
      expect((await fs.readFile(path.join(d.out, (await installed(d.out))[0]!))).equals(DATA)).toBe(true);
    },
  );

  it.each([500, 408, 429])(
    verifies(
      'DL-PR-4',
      '%i on every resume: bounded retries, then the run stops paused with its range; a rerun finishes',
    ),
    async (status) => {
      const d = await dirs();
      const s = await servers([{ status }, { status }, { status }]);
      const { result } = await run(s.ddUrl, d, { maxResumeRetries: 2 });
      expect(result).toMatchObject({ kind: 'paused', cause: 'serverBusy' });
      expect(s.media.map((r) => r.status)).toEqual([200, status, status, status]);
      const kept = await journal(d.state);
      expect(kept.durableOffset).toBeGreaterThan(0);
      expect(kept.durableOffset).toBeLessThanOrEqual(CUT);
      expect(await installed(d.out)).toEqual([]);
      const rerun = await run(s.ddUrl, d);
      if (rerun.result.kind !== 'finished') throw new Error(JSON.stringify(rerun.result));
      expect(rerun.result.output.statusCode).toBe(900);
      expect(s.media.at(-1)).toMatchObject({ status: 206 });
      expect(s.media.at(-1)!.headers.range).toBe(`bytes=${kept.durableOffset}-${SIZE - 1}`);
      expect((await fs.readFile(path.join(d.out, (await installed(d.out))[0]!))).equals(DATA)).toBe(true);
    },
  );

  it(
    verifies(
      'DL-PR-4',
      'a Retry-After longer than the agent waits by itself: stops paused at once, range kept',
    ),
    async () => {
      const d = await dirs();
      const s = await servers([{ status: 503, headers: { 'retry-after': '3600' } }]);
      const { result } = await run(s.ddUrl, d);
      expect(result).toMatchObject({ kind: 'paused', cause: 'serverBusy' });
      expect(s.media.map((r) => r.status)).toEqual([200, 503]);
      expect((await journal(d.state)).durableOffset).toBeGreaterThan(0);
    },
  );

  it(
    verifies(['DL-PR-4', 'DL-RET-4'], 'connection refused on a resume: the run stops paused, the range kept'),
    async () => {
      const d = await dirs();
      const s = await servers();
      // First run: the body is cut, the object server goes away before the agent reconnects.
      const first = run(s.ddUrl, d, { reconnectDelayMs: 200, maxReconnects: 1 });
      while (s.media.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await s.closeObject();
      const { result, seen } = await first;
      expect(result).toMatchObject({ kind: 'paused', cause: 'connectionLost' });
      const resumes = seen.filter((o) => o.event === 'request' && o.url.endsWith('/object.bin')).slice(1);
      expect(resumes.length).toBeGreaterThan(0);
      expect(resumes.every((o) => o.event === 'request' && /^bytes=[1-9]/.test(o.headers.range ?? ''))).toBe(
        true,
      );
      expect((await journal(d.state)).durableOffset).toBeGreaterThan(0);
      expect(seen.some((o) => o.event === 'status')).toBe(false);
    },
  );

  it(
    verifies(
      ['DL-PR-10', 'DL-PR-11'],
      '416 naming another length: the object changed; no updatedDDURI → GET from 0',
    ),
    async () => {
      const d = await dirs();
      const s = await servers([{ status: 416, headers: { 'content-range': `bytes */${CUT / 2}` } }]);
      const { result } = await run(s.ddUrl, d);
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output.statusCode).toBe(900);
      expect(s.media.map((r) => [r.status, r.headers.range === undefined])).toEqual([
        [200, true],
        [416, false],
        [200, true],
      ]);
      expect((await fs.readFile(path.join(d.out, (await installed(d.out))[0]!))).equals(DATA)).toBe(true);
    },
  );

  it(
    verifies('DL-STEP-3', 'free space is measured against the bytes still to fetch: kept bytes are reported'),
    async () => {
      const d = await dirs();
      const s = await servers([{ status: 503, headers: { 'retry-after': '3600' } }]);
      expect((await run(s.ddUrl, d)).result.kind).toBe('paused');
      const kept = (await journal(d.state)).durableOffset;
      const measured: unknown[] = [];
      const inspect = (e: InspectionEvent) => {
        if (e.type === '@xstate.event' && e.event.type === 'FREE_SPACE.MEASURED') measured.push(e.event);
      };
      const rerun = await run(s.ddUrl, d, { inspect });
      expect(rerun.result.kind).toBe('finished');
      expect(measured).toEqual([{ type: 'FREE_SPACE.MEASURED', bytes: expect.any(Number), keptBytes: kept }]);
    },
  );
});
