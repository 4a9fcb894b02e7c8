import { promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { type DownloadServer, type ServerFaults, startDownloadServer } from '../server/server.js';
import type { Journal } from '../storage/journal.js';
import { type AgentResult, startAgent } from './agent.js';
import { exitCodeFor } from './exit-codes.js';
import type { Observation, RequestObservation } from './observation.js';
import type { AgentOptions } from './options.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const NAME = 'object.bin';

function bytes(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + seed * 7 + (i >> 10)) & 0xff;
  return buf;
}

interface Fixture {
  server: DownloadServer;
  media: string;
  out: string;
  state: string;
  data: Buffer;
  ddUrl: string;
}

async function fixture(size = 256 * 1024, faults: ServerFaults = {}, sidecar?: object): Promise<Fixture> {
  const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-agent-'));
  cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
  const media = path.join(root, 'media');
  await fs.mkdir(media);
  const data = bytes(size, 1);
  await fs.writeFile(path.join(media, NAME), data);
  if (sidecar) await fs.writeFile(path.join(media, `${NAME}.dd.json`), JSON.stringify(sidecar));
  const server = await startDownloadServer({ dir: media, faults });
  cleanups.push(() => server.close());
  const out = path.join(root, 'out');
  return { server, media, out, state: path.join(out, '.dlstate'), data, ddUrl: server.ddUrl(NAME) };
}

async function run(
  f: Fixture,
  extra: Partial<AgentOptions> = {},
  stopWhen?: (o: Observation) => boolean,
): Promise<{ result: AgentResult; seen: Observation[] }> {
  const seen: Observation[] = [];
  const agent = startAgent({
    ddUrl: f.ddUrl,
    outDir: f.out,
    stateDir: f.state,
    preConfirmed: true,
    flushEveryBytes: 64 * 1024,
    reconnectDelayMs: 10,
    reportRetryMs: 10,
    ...extra,
    onObservation: (o) => {
      seen.push(o);
      if (stopWhen?.(o)) setImmediate(() => agent.stop('user'));
    },
  });
  return { result: await agent.result, seen };
}

const mediaRequests = (seen: Observation[]) =>
  seen.filter((o): o is RequestObservation => o.event === 'request' && o.url.includes('/media/'));

const finished = (r: AgentResult) => {
  if (r.kind !== 'finished') throw new Error(`expected a finished run, got ${JSON.stringify(r)}`);
  return r;
};

async function stateFiles(f: Fixture): Promise<string[]> {
  return (await fs.readdir(f.state).catch(() => [] as string[])).filter(
    (n) => n.endsWith('.part') || n.endsWith('.journal.json'),
  );
}

async function journalName(f: Fixture): Promise<string> {
  const name = (await stateFiles(f)).find((n) => n.endsWith('.journal.json'));
  if (!name) throw new Error('no journal kept');
  return path.join(f.state, name);
}

async function readJournal(f: Fixture): Promise<Journal> {
  return JSON.parse(await fs.readFile(await journalName(f), 'utf8')) as Journal;
}

async function writeJournal(f: Fixture, journal: Journal): Promise<void> {
  await fs.writeFile(await journalName(f), JSON.stringify(journal));
}

/** Runs until about a third of the object is durable, then pauses (the server is throttled so it can). */
async function pauseMidway(f: Fixture): Promise<AgentResult> {
  f.server.faults.bytesPerSecond = 512 * 1024;
  const { result } = await run(f, {}, (o) => o.event === 'progress' && o.received > f.data.length / 3);
  f.server.faults.bytesPerSecond = undefined;
  return result;
}

describe('the running agent against the reference server (loopback, real files)', () => {
  it(
    verifies(
      ['DL-RET-2', 'DL-INST-2', 'DL-INST-5', 'DL-NOTIFY-1'],
      'complete download: installed byte-identical, 900 reported as text/plain',
    ),
    async () => {
      const f = await fixture();
      const { result, seen } = await run(f);
      const r = finished(result);
      expect(r.output).toMatchObject({ statusCode: 900, installed: true, reported: true });
      expect(exitCodeFor(r.output.outcome, r.output.installed)).toBe(0);
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
      expect(f.server.reports.map((x) => [x.body, x.contentType])).toEqual([['900 Success', 'text/plain']]);
      expect(mediaRequests(seen)).toHaveLength(1);
      expect(mediaRequests(seen)[0]?.headers.range).toBeUndefined();
      expect(seen.at(-1)).toEqual({
        event: 'done',
        code: 900,
        text: 'Success',
        installed: true,
        files: [path.join(f.out, NAME)],
        nextURL: null,
      });
      expect(await stateFiles(f)).toEqual([]);
    },
  );

  it(
    verifies(
      ['DL-PR-4', 'DL-PR-7', 'DL-PR-9', 'DL-PR-11', 'DL-RET-4'],
      'connection cut mid-body: paused, resumed with one Range from the durable offset and If-Match, 206 appended',
    ),
    async () => {
      // Throttled so bytes reach the agent before the cut (else the reset may be reported first).
      const f = await fixture(256 * 1024, { cutNextBodyAfter: 150_000, bytesPerSecond: 2 * 1024 * 1024 });
      const { result, seen } = await run(f);
      expect(finished(result).output.statusCode).toBe(900);
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
      const [first, resume] = mediaRequests(seen);
      expect(first?.headers.range).toBeUndefined();
      const start = Number(/^bytes=(\d+)-262143$/.exec(resume?.headers.range ?? '')?.[1]);
      expect(start).toBeGreaterThan(0);
      expect(start).toBeLessThanOrEqual(150_000);
      expect(resume?.headers['if-match']).toMatch(/^"object\.bin\/[0-9a-f]+"$/);
      expect(seen.some((o) => o.event === 'response' && o.status === 206)).toBe(true);
    },
  );

  it(
    verifies(
      ['DL-RET-4', 'DL-PR-12', 'DL-INST-11'],
      'no Accept-Ranges: a cut is 903, nothing kept, no Range ever sent; the retry restarts from 0',
    ),
    async () => {
      const f = await fixture(256 * 1024, { noAcceptRanges: true, cutNextBodyAfter: 100_000 });
      const lost = await run(f);
      expect(finished(lost.result).output).toMatchObject({ statusCode: 903, installed: false });
      expect(f.server.reports.map((x) => x.body)).toEqual(['903 Loss of Service']);
      expect(await stateFiles(f)).toEqual([]);
      const retry = await run(f);
      expect(finished(retry.result).output.statusCode).toBe(900);
      expect([...mediaRequests(lost.seen), ...mediaRequests(retry.seen)].map((r) => r.headers.range)).toEqual(
        [undefined, undefined],
      );
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
    },
  );

  it(
    verifies(
      ['DL-PR-10', 'DL-STATUS-957', 'DL-PR-9'],
      'object changed while paused: 412 → 957 → updated DD → 900, reports in that order',
    ),
    async () => {
      const f = await fixture();
      const paused = await pauseMidway(f);
      expect(paused.kind).toBe('paused');
      const changed = bytes(f.data.length, 2);
      await fs.writeFile(path.join(f.media, NAME), changed);
      const { result, seen } = await run(f);
      expect(finished(result).output).toMatchObject({ statusCode: 900, installed: true });
      expect(seen.some((o) => o.event === 'response' && o.status === 412)).toBe(true);
      expect(seen.filter((o) => o.event === 'status')).toEqual([
        { event: 'status', code: 957, text: 'Media Object Updated', reported: true },
        { event: 'status', code: 900, text: 'Success', reported: true },
      ]);
      expect(f.server.reports.map((x) => x.code)).toEqual([957, 900]);
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(changed);
    },
  );

  it(verifies('DL-PR-11', 'a 200 answer to a Range restarts from byte 0 and is never appended'), async () => {
    const f = await fixture();
    await pauseMidway(f);
    f.server.faults.ignoreRange = true;
    const { result, seen } = await run(f);
    expect(finished(result).output.statusCode).toBe(900);
    const ranges = mediaRequests(seen).map((r) => r.headers.range);
    expect(ranges.filter((r) => r !== undefined)).toHaveLength(1);
    expect(ranges.at(-1)).toBeUndefined();
    expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
  });

  it(
    verifies(
      ['DL-PR-11', 'DL-INST-8'],
      'a 206 with a wrong Content-Range is not appended → 952, range discarded',
    ),
    async () => {
      const f = await fixture();
      await pauseMidway(f);
      f.server.faults.wrongContentRange = 'bytes 0-99/262144';
      const { result, seen } = await run(f);
      expect(finished(result).output).toMatchObject({ statusCode: 952, installed: false });
      const at206 = seen.findIndex((o) => o.event === 'response' && o.status === 206);
      expect(at206).toBeGreaterThan(0);
      expect(seen.slice(at206).some((o) => o.event === 'progress')).toBe(false);
      await expect(fs.stat(path.join(f.out, NAME))).rejects.toThrow();
      expect(await stateFiles(f)).toEqual([]);
    },
  );

  it(
    verifies(
      ['DL-PR-12', 'DL-PR-7', 'DL-PR-9', 'DL-PR-5'],
      'rerun after a crash: the first media request already carries Range (from the journal offset) + If-Match',
    ),
    async () => {
      const f = await fixture();
      expect((await pauseMidway(f)).kind).toBe('paused');
      const journal = await readJournal(f);
      expect(journal).toMatchObject({ acceptRanges: true });
      expect(journal.durableOffset).toBeGreaterThan(0);
      expect(journal.appendBoot).toBeDefined();
      // An OS crash (another boot) leaves bytes past the journal's offset that were never confirmed durable.
      const part = (await stateFiles(f)).find((n) => n.endsWith('.part'))!;
      await fs.appendFile(path.join(f.state, part), Buffer.alloc(4096, 0xee));
      await writeJournal(f, { ...journal, appendBoot: 'a-boot-before-the-crash' });
      const before = f.server.requests.length;
      const { result, seen } = await run(f);
      expect(finished(result).output.statusCode).toBe(900);
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
      const media = f.server.requests.slice(before).filter((r) => r.url.startsWith('/media/'));
      expect(media.map((r) => [r.headers.range, r.status])).toEqual([
        [`bytes=${journal.durableOffset}-${f.data.length - 1}`, 206],
      ]);
      expect(media[0]?.headers['if-match']).toBe(journal.etag);
      expect(seen.find((o) => o.event === 'recovered')).toMatchObject({
        offset: journal.durableOffset,
        acceptRanges: true,
      });
    },
  );

  it(
    verifies(
      'DL-PR-9',
      'rerun after a kill in the same boot: bytes written past the last checkpoint are kept, Range starts after them',
    ),
    async () => {
      const f = await fixture();
      expect((await pauseMidway(f)).kind).toBe('paused');
      const journal = await readJournal(f);
      // A kill -9 between two checkpoints: the writer had handed the next bytes to the kernel (page cache).
      const part = (await stateFiles(f)).find((n) => n.endsWith('.part'))!;
      const extra = f.data.subarray(journal.durableOffset, journal.durableOffset + 4096);
      await fs.appendFile(path.join(f.state, part), extra);
      const before = f.server.requests.length;
      const { result, seen } = await run(f);
      expect(finished(result).output.statusCode).toBe(900);
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
      const kept = journal.durableOffset + extra.length;
      expect(seen.find((o) => o.event === 'recovered')).toMatchObject({ offset: kept });
      const media = f.server.requests.slice(before).filter((r) => r.url.startsWith('/media/'));
      expect(media.map((r) => [r.headers.range, r.status])).toEqual([
        [`bytes=${kept}-${f.data.length - 1}`, 206],
      ]);
    },
  );

  it(
    verifies(
      'DL-PR-12',
      'rerun with a journal that does not record Accept-Ranges: one GET from byte 0, no Range',
    ),
    async () => {
      const f = await fixture();
      await pauseMidway(f);
      const journal = await readJournal(f);
      await writeJournal(f, { ...journal, acceptRanges: false });
      const before = f.server.requests.length;
      const { result } = await run(f);
      expect(finished(result).output.statusCode).toBe(900);
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
      const media = f.server.requests.slice(before).filter((r) => r.url.startsWith('/media/'));
      expect(media.map((r) => [r.headers.range, r.headers['if-match'], r.status])).toEqual([
        [undefined, undefined, 200],
      ]);
    },
  );

  it(
    verifies(
      ['DL-PR-4', 'DL-PR-7'],
      'a user pause keeps what the last checkpoint after the abort flushed: the paused offset is the journal offset',
    ),
    async () => {
      const f = await fixture(512 * 1024);
      f.server.faults.bytesPerSecond = 1024 * 1024;
      // No checkpoint before the pause: only the flush after the abort makes bytes durable.
      const { result, seen } = await run(f, { flushEveryBytes: 8 * 1024 * 1024 }, (o) => {
        return o.event === 'progress' && o.received > 100_000;
      });
      f.server.faults.bytesPerSecond = undefined;
      if (result.kind !== 'paused') throw new Error(`expected paused, got ${JSON.stringify(result)}`);
      const journal = await readJournal(f);
      expect(journal.durableOffset).toBeGreaterThan(100_000);
      expect(result.offset).toBe(journal.durableOffset);
      expect(seen.at(-1)).toMatchObject({ event: 'paused', cause: 'user', offset: journal.durableOffset });
      const rerun = await run(f);
      expect(finished(rerun.result).output.statusCode).toBe(900);
      expect(mediaRequests(rerun.seen)[0]?.headers.range).toBe(
        `bytes=${journal.durableOffset}-${512 * 1024 - 1}`,
      );
      expect(await fs.readFile(path.join(f.out, NAME))).toEqual(f.data);
    },
  );

  it(
    verifies(
      ['DL-PR-11', 'DL-INST-8'],
      'a 206 with Content-Encoding is rejected by the machine → 952, nothing appended',
    ),
    async () => {
      const f = await fixture();
      await pauseMidway(f);
      f.server.faults.contentEncoding = 'gzip';
      const { result, seen } = await run(f);
      expect(finished(result).output).toMatchObject({ statusCode: 952, installed: false });
      const at206 = seen.findIndex((o) => o.event === 'response' && o.status === 206);
      expect(at206).toBeGreaterThan(0);
      expect(seen.slice(at206).some((o) => o.event === 'progress')).toBe(false);
      expect(seen.some((o) => o.event === 'paused')).toBe(false);
      expect(f.server.reports.map((x) => x.body)).toEqual(['952 Device Aborted']);
      await expect(fs.stat(path.join(f.out, NAME))).rejects.toThrow();
      expect(await stateFiles(f)).toEqual([]);
    },
  );

  it(verifies('DL-RET-3', 'object answered 404 → 954 Loader Error, reported'), async () => {
    const f = await fixture(1024, { missingMedia: new Set([NAME]) });
    const r = finished((await run(f)).result);
    expect(r.output).toMatchObject({ statusCode: 954, reported: true });
    expect(exitCodeFor(r.output.outcome, r.output.installed)).toBe(24);
    expect(f.server.reports.map((x) => x.body)).toEqual(['954 Loader Error']);
  });

  it.each([
    ['larger', 1],
    ['smaller', -1],
  ])(verifies('DL-INST-10', 'body %s than the DD size → 905 Attribute mismatch'), async (_which, delta) => {
    const f = await fixture(4096, {}, { size: 4096 + delta });
    const r = finished((await run(f)).result);
    expect(r.output).toMatchObject({ statusCode: 905, installed: false });
    expect(f.server.reports.map((x) => x.body)).toEqual(['905 Attribute mismatch']);
    expect(await stateFiles(f)).toEqual([]);
  });

  it(verifies('DL-DD-2', 'malformed descriptor → 906 with the parser position in the reason'), async () => {
    const dd = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oma.dd2+xml' });
      res.end('<?xml version="1.0"?>\n<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="2.0"><product>');
    });
    await new Promise<void>((resolve) => dd.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => dd.close(() => resolve())));
    const f = await fixture(16);
    f.ddUrl = `http://127.0.0.1:${(dd.address() as AddressInfo).port}/dd`;
    const r = finished((await run(f)).result);
    expect(r.output).toMatchObject({ statusCode: 906, installed: false });
    expect(r.output.reason).toMatch(/\d+:\d+/);
  });

  it(
    verifies(
      ['DL-INST-12', 'DL-INST-2'],
      'notification endpoint down, then up: a queued failure report is delivered on a later run',
    ),
    async () => {
      const f = await fixture(4096, { refuseReports: 503, missingMedia: new Set([NAME]) });
      const down = finished((await run(f, { maxReportAttempts: 2 })).result);
      expect(down.output).toMatchObject({ statusCode: 954, installed: false, reported: false });
      const queue = JSON.parse(await fs.readFile(path.join(f.state, 'reports.json'), 'utf8'));
      expect(queue.reports.map((r: { body: string; state: string }) => [r.body, r.state])).toEqual([
        ['954 Loader Error', 'pending'],
      ]);
      // (An undelivered 900 is not queued: its object is discarded — adapters/agent/exactly-once.test.ts.)
      f.server.faults.refuseReports = undefined;
      f.server.faults.missingMedia = undefined;
      const up = await run(f);
      expect(up.seen.find((o) => o.event === 'report')).toMatchObject({
        outcome: 'delivered',
        status: 200,
        body: '954 Loader Error',
      });
      expect(f.server.reports.filter((x) => x.answered === 200).map((x) => x.body)).toEqual([
        '954 Loader Error',
        '900 Success',
      ]);
      const after = JSON.parse(await fs.readFile(path.join(f.state, 'reports.json'), 'utf8'));
      expect(after.reports).toEqual([]);
    },
  );

  it(
    verifies(
      ['DL-PR-6', 'DL-INST-11'],
      'cancel mode: the paused range is recovered, cancelled → 902, discarded',
    ),
    async () => {
      const f = await fixture();
      await pauseMidway(f);
      expect((await stateFiles(f)).length).toBe(2);
      const { result } = await run(f, { mode: 'cancel', resumePolicy: { onRestart: false } });
      expect(finished(result).output).toMatchObject({ statusCode: 902, installed: false });
      expect(f.server.reports.map((x) => x.body)).toEqual(['902 User Cancelled']);
      expect(await stateFiles(f)).toEqual([]);
    },
  );

  it('a rerun of a finished download installs onto the identical file (no `x (1).bin`); a changed object gets its own name', async () => {
    const f = await fixture(64 * 1024);
    expect(finished((await run(f)).result).output.statusCode).toBe(900);
    const again = await run(f);
    expect(finished(again.result).output.statusCode).toBe(900);
    expect((await fs.readdir(f.out)).filter((n) => !n.startsWith('.')).sort()).toEqual([NAME]);
    expect((await fs.readFile(path.join(f.out, NAME))).equals(f.data)).toBe(true);
    // Another version of the object never replaces the installed one.
    const changed = bytes(64 * 1024, 2);
    await fs.writeFile(path.join(f.media, NAME), changed);
    expect(finished((await run(f)).result).output.statusCode).toBe(900);
    expect((await fs.readdir(f.out)).filter((n) => !n.startsWith('.')).sort()).toEqual([
      'object (1).bin',
      NAME,
    ]);
    expect((await fs.readFile(path.join(f.out, NAME))).equals(f.data)).toBe(true);
    expect((await fs.readFile(path.join(f.out, 'object (1).bin'))).equals(changed)).toBe(true);
  });
});
