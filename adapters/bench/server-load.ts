/**
 * The reference server's load test (part of `npm run bench`; alone with `BENCH_ONLY=server`): its memory
 * must not grow with the requests and reports it has seen, and a changed file is hashed once however many
 * descriptor requests arrive together. Sizes: `BENCH_SERVER_REQUESTS` (default 20 000, each with an 8 KB
 * header), `BENCH_SERVER_REPORTS` (default 5 000), `BENCH_SERVER_CONCURRENT` (default 200 cold `/dd`
 * requests), `BENCH_SERVER_HASH_MB` (default 64, the changed file's size).
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const MiB = 1024 * 1024;
const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));
const REQUESTS = Number(process.env.BENCH_SERVER_REQUESTS ?? 20_000);
const REPORTS = Number(process.env.BENCH_SERVER_REPORTS ?? 5_000);
const CONCURRENT = Number(process.env.BENCH_SERVER_CONCURRENT ?? 200);
const HASH_BYTES = Number(process.env.BENCH_SERVER_HASH_MB ?? 64) * MiB;
/** How many requests are in flight at once during the load phase. */
const IN_FLIGHT = 32;

interface ChildStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  newSpace: number;
  hashComputations: number;
}

/** What the server load test measured. */
export interface ServerBenchResult {
  requests: number;
  reports: number;
  newSpaceColdBytes: number;
  newSpaceAfterBytes: number;
  /** RSS right after start, before any request. */
  rssColdBytes: number;
  /** RSS after the warm-up (until the young generation stops growing), where growth is measured from. */
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssGrowthBytes: number;
  heapGrowthBytes: number;
  /** Growth of the heap V8 has reserved (used or not): RSS it keeps after a collection. */
  heapTotalGrowthBytes: number;
  externalGrowthBytes: number;
  /** Growth of V8's young generation (sized to the allocation rate, up to a fixed maximum). */
  newSpaceGrowthBytes: number;
  loadMs: number;
  concurrentDd: number;
  hashComputations: number;
  coldDdMs: number;
  reportsKeptInFile: number;
}

function ask(child: ChildProcess): Promise<ChildStats> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as ChildStats));
    child.send('stats');
  });
}

/** Runs `total` jobs with at most `width` at a time. */
async function pool(total: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, total) }, async () => {
      while (next < total) await job(next++);
    }),
  );
}

/** Starts the server in its own process over `dir`, drives the load, and returns the measures. */
export async function serverBench(root: string): Promise<ServerBenchResult> {
  const dir = path.join(root, 'server-media');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'small.bin'), Buffer.alloc(16 * 1024, 5));
  await fs.writeFile(path.join(dir, 'hashed.bin'), Buffer.alloc(HASH_BYTES, 1));
  const child = fork(CHILD, [dir], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: 'inherit' });
  const dispatcher = new Agent({ connections: Math.max(IN_FLIGHT, CONCURRENT) });
  try {
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }));
      child.once('exit', (code) => reject(new Error(`the server process exited (${code}) before listening`)));
    });
    const pad = 'x'.repeat(8 * 1024);
    const load = async (requests: number, reports: number, tag: string) => {
      await pool(requests, IN_FLIGHT, async (i) => {
        const route = i % 3 === 0 ? '/dd/small.bin' : i % 3 === 1 ? '/media/small.bin' : '/';
        const res = await request(`${url}${route}?${tag}=${i}`, {
          dispatcher,
          method: i % 2 === 0 ? 'GET' : 'HEAD',
          headers: { 'x-pad': pad, range: 'bytes=0-99' },
        });
        await res.body.dump();
      });
      await pool(reports, IN_FLIGHT, async (i) => {
        const res = await request(`${url}/notify/small.bin`, {
          dispatcher,
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'x-pad': pad },
          body: `900 Success #${tag}${i}`,
        });
        await res.body.dump();
      });
    };
    const cold = await ask(child);
    // Warm-up with the same load until V8's young generation stops growing (at most 10 rounds of 1 000
    // requests): V8 sizes it to the allocation rate, up to a fixed maximum (32 MB here) — sizing, not growth
    // with the work done. The growth from a cold start is reported too.
    let before = await ask(child);
    for (let round = 0; round < 10; round++) {
      await load(1000, 250, `w${round}-`);
      const now = await ask(child);
      const settled = now.newSpace === before.newSpace;
      before = now;
      if (settled) break;
    }
    const started = Date.now();
    await load(REQUESTS, REPORTS, 'i');
    const loadMs = Date.now() - started;
    const after = await ask(child);

    // A changed file, then many descriptor requests at once: one hash computation.
    await fs.writeFile(path.join(dir, 'hashed.bin'), Buffer.alloc(HASH_BYTES, 2));
    const hashesBefore = after.hashComputations;
    const coldStarted = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        const res = await request(`${url}/dd/hashed.bin`, { dispatcher });
        if (res.statusCode !== 200) throw new Error(`/dd/hashed.bin answered ${res.statusCode}`);
        await res.body.dump();
      }),
    );
    const coldDdMs = Date.now() - coldStarted;
    const hashed = await ask(child);
    const kept =
      (await fs.readFile(path.join(dir, '.dlstate-server', 'reports.jsonl'), 'utf8')).split('\n').length - 1;
    return {
      requests: REQUESTS,
      reports: REPORTS,
      rssColdBytes: cold.rss,
      newSpaceColdBytes: cold.newSpace,
      newSpaceAfterBytes: after.newSpace,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      rssGrowthBytes: after.rss - before.rss,
      heapGrowthBytes: after.heapUsed - before.heapUsed,
      heapTotalGrowthBytes: after.heapTotal - before.heapTotal,
      externalGrowthBytes: after.external - before.external,
      newSpaceGrowthBytes: after.newSpace - before.newSpace,
      loadMs,
      concurrentDd: CONCURRENT,
      hashComputations: hashed.hashComputations - hashesBefore,
      coldDdMs,
      reportsKeptInFile: kept,
    };
  } finally {
    await dispatcher.close();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    }
  }
}

/** The table rows of {@link serverBench}'s result (measure, value, reference, ratio, goal). */
export function serverRows(r: ServerBenchResult): string[][] {
  return [
    [
      `server RSS growth, ${r.requests} requests (8 KB headers) + ${r.reports} reports, after warm-up (MB)`,
      (r.rssGrowthBytes / 1e6).toFixed(1),
      `RSS ${(r.rssBeforeBytes / 1e6).toFixed(1)} → ${(r.rssAfterBytes / 1e6).toFixed(1)}`,
      '',
      '< 20 MB',
    ],
    [
      '  the same from a cold start (includes V8 sizing its heap); live heap growth',
      ((r.rssAfterBytes - r.rssColdBytes) / 1e6).toFixed(1),
      `heap used +${(r.heapGrowthBytes / 1e6).toFixed(1)}`,
      '',
      'informative',
    ],
    [
      `hash computations, ${r.concurrentDd} concurrent cold /dd after a change`,
      String(r.hashComputations),
      `${r.coldDdMs} ms`,
      '',
      '1',
    ],
  ];
}
