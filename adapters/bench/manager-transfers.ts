/**
 * The download manager's transfers against a real nginx, beside `curl --parallel` in the same process run: nginx
 * (Debian's, on 127.0.0.1, port chosen by the OS) serves generated files; per workload (4 × 256 MiB, 64 × 1 MiB
 * by default), alternating runs (`BENCH_RUNS`, else 3 to 9 by size: see `runsFor`) of curl (`--parallel
 * --parallel-max 4`, files to disk) then the manager (transfers on, maxActive 4, every URL registered through the
 * DAE API, timed until every download is in state 1, completed — its bytes fsync'd and the registry committed).
 * Prints one JSON line. The temp directory (served files, outputs, the manager's `--dir`) is removed afterwards.
 *
 * Informative, per run: curl's files fsync'd after it exits; what the disk gives with nothing else to do (as many
 * fresh files written from memory, each fdatasync'd, 4 at a time: no network, no statechart); and the manager's own
 * durable fetch path with nothing else (its HTTP client, connections kept alive, into a `KeptFile`, fdatasync'd,
 * moved, the directory fsync'd, 4 at a time: no statechart, no registry) — what the statechart and registry cost is
 * the gap between the two.
 *
 * Warm-up: a download manager is a long-running process, so the measured runs follow untimed manager rounds of the
 * same workload in this process, until V8 has optimised the code they run (about 2 000 objects: `BENCH_WARMUP_OBJECTS`,
 * at most 4 GiB per workload; 0 disables it). The first warm-up round is reported beside the measured median
 * (`managerFirstRoundMBps`; for the first workload, a cold process). Without the warm-up, 64 × 1 MiB measured mostly
 * the JIT's warm-up: over 60 rounds in one process the manager went from about 300 to 500 MiB/s with the same code,
 * and with `--no-opt` it stayed flat near 300.
 *
 * curl is spawned by a helper process (curl-child.ts), not by this one: a fork of the process hosting the manager
 * made its next run 20–30% slower (copy-on-write faults on every page it then wrote), which a manager in use never
 * pays; curl's time is from its spawn to its exit, as before.
 *
 * Sizes: `BENCH_TRANSFER_WORKLOADS` as `count×MiB` pairs, comma-separated (default `4x256,64x1`).
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectionPool, openGet } from '../http/index.js';
import { startRealServer } from '../http/real-servers.test-support.js';
import { createDownloadManager } from '../oipf/manager.js';
import { syncFile } from '../storage/file-ops.js';
import { KeptFile } from '../storage/kept-file.js';
import { BENCH_PORTAL } from './portal.js';

const MiB = 1024 * 1024;
/** What each side transfers in a workload's measured runs, about (see {@link runsFor}). */
const MEASURED_BYTES = 512 * MiB;
/**
 * Alternating runs per workload: `BENCH_RUNS` when set; else enough for about {@link MEASURED_BYTES} per side, odd
 * (a median is one run), from 3 to 9. A run of 64 × 1 MiB lasts about a tenth of a second, and curl's runs of it in
 * one bench ranged from 485 to 893 MiB/s: one slow run of three moved the median by a tenth; a median of nine holds
 * with four slow ones. A large workload keeps 3 (each run lasts seconds).
 */
function runsFor(bytes: number): number {
  if (process.env.BENCH_RUNS !== undefined) return Math.max(1, Number(process.env.BENCH_RUNS));
  const wanted = Math.ceil(MEASURED_BYTES / bytes);
  return Math.min(9, Math.max(3, wanted % 2 === 0 ? wanted + 1 : wanted));
}
/** Objects the manager fetches untimed per workload before the measured runs (see the module comment). */
const WARMUP_OBJECTS = Math.max(0, Number(process.env.BENCH_WARMUP_OBJECTS ?? 2048));
/** The warm-up's bound in bytes per workload. */
const WARMUP_MAX_BYTES = 4 * 1024 * MiB;
const MAX_ACTIVE = 4;
/** Longest wait for one side of one run (a bound, not a goal). */
const RUN_TIMEOUT_MS = 10 * 60_000;

interface Workload {
  readonly count: number;
  readonly sizeBytes: number;
}

function workloads(): Workload[] {
  const spec = process.env.BENCH_TRANSFER_WORKLOADS ?? '4x256,64x1';
  return spec.split(',').map((pair) => {
    const m = /^(\d+)x(\d+)$/.exec(pair.trim());
    if (!m) throw new Error(`BENCH_TRANSFER_WORKLOADS: expected count×MiB like 4x256, got ${pair}`);
    return { count: Number(m[1]), sizeBytes: Number(m[2]) * MiB };
  });
}

const label = (w: Workload) => `${w.count}x${w.sizeBytes / MiB}MiB`;

/** A file of `size` bytes, each MiB different (its index in the first bytes). */
async function makeFile(file: string, size: number, seed: number): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < block.length; i++) block[i] = (i * 131 + (i >> 8) + seed) & 0xff;
    for (let written = 0; written < size; written += MiB) {
      block.writeUInt32LE(written / MiB, 0);
      block.writeUInt32LE(seed, 4);
      await handle.write(block, 0, Math.min(MiB, size - written));
    }
  } finally {
    await handle.close();
  }
}

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/** The process that spawns curl (curl-child.ts): this one, hosting the manager, never forks between runs. */
function curlRunner(): ChildProcess {
  const source = import.meta.url.endsWith('.ts');
  const child = fileURLToPath(new URL(source ? './curl-child.ts' : './curl-child.js', import.meta.url));
  return fork(child, [], { execArgv: source ? ['--import', 'tsx'] : [], stdio: 'inherit' });
}

/**
 * curl (spawned by `runner`) fetching every URL to `out`, 4 at once; the time from its spawn until it exits, and
 * the fsync of its files after.
 */
async function curlRun(
  runner: ChildProcess,
  urls: string[],
  out: string,
): Promise<{ ms: number; fsyncMs: number }> {
  await fs.mkdir(out, { recursive: true });
  const args = ['-s', '-f', '--parallel', '--parallel-max', String(MAX_ACTIVE)];
  const files = urls.map((_, i) => path.join(out, `${i}.bin`));
  for (const [i, url] of urls.entries()) args.push('-o', files[i]!, url);
  const done = new Promise<{ ms: number; code: number | null; stderr: string }>((resolve, reject) => {
    runner.once('message', (m) => resolve(m as { ms: number; code: number | null; stderr: string }));
    runner.once('exit', (code) => reject(new Error(`the curl runner exited (${code})`)));
  });
  runner.send({ args, timeoutMs: RUN_TIMEOUT_MS });
  const { ms: curlMs, code, stderr } = await done;
  runner.removeAllListeners('exit');
  if (code !== 0) throw new Error(`curl --parallel exited ${code}: ${stderr}`);
  // Informative: what making curl's files durable would add (the manager fsyncs before state 1).
  const s = process.hrtime.bigint();
  for (const file of files) await syncFile(file);
  return { ms: curlMs, fsyncMs: ms(s) };
}

/**
 * What the disk gives the manager's promise (state 1: the bytes on stable storage) with nothing else to do: the same
 * count of fresh files of the same size, each written from memory and fdatasync'd once at its end, MAX_ACTIVE at a
 * time — no HTTP, no statechart. Informative: for small objects it bounds what any durable fetcher reaches here; for
 * large ones it is no bound (one sync at the end of 256 MiB is slower than the manager's checkpoints along the way).
 */
async function writeAndSync(dir: string, w: Workload): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  const block = Buffer.alloc(Math.min(w.sizeBytes, MiB), 0x5a);
  const t = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: MAX_ACTIVE }, async () => {
      for (let i = next++; i < w.count; i = next++) {
        const handle = await fs.open(path.join(dir, `${i}.bin`), 'w');
        try {
          for (let at = 0; at < w.sizeBytes; at += block.length)
            await handle.write(block, 0, Math.min(block.length, w.sizeBytes - at));
          await handle.datasync();
        } finally {
          await handle.close();
        }
      }
    }),
  );
  const took = ms(t);
  await fs.rm(dir, { recursive: true, force: true });
  return took;
}

/**
 * The manager's durable fetch path alone: each URL fetched by its HTTP client (pool-leased chunks, connections kept
 * alive) into a `KeptFile` opened once the request is out (its default checkpoints, as the manager's: fdatasync'd
 * every 32 MiB and at the end), then moved into a files directory that is fsync'd — what a transfer and its
 * verification do for state 1 — MAX_ACTIVE transfers at a time, the next starting once a body is written (its final
 * fdatasync and move go on, as the manager's do), with no statechart and no registry.
 */
async function fetchPathRun(urls: string[], dir: string, expectBytes: number): Promise<number> {
  const connections = new ConnectionPool();
  const t = process.hrtime.bigint();
  let next = 0;
  let total = 0;
  const finishing: Promise<void>[] = [];
  await Promise.all(
    Array.from({ length: MAX_ACTIVE }, async () => {
      for (let i = next++; i < urls.length; i = next++) {
        const kept = new KeptFile(path.join(dir, 'partial', `dl-${i}.part`));
        // Opened once the request is out, as the manager's transfers do.
        const responding = openGet(urls[i]!, { leaseChunks: true, connections });
        const opening = kept.open({ empty: true });
        opening.catch(() => {});
        const res = await responding;
        if (res.status !== 200) throw new Error(`fetch path: HTTP ${res.status} for ${urls[i]}`);
        const writer = await opening;
        let bodyWritten: () => void = () => {};
        const written = new Promise<void>((resolve) => {
          bodyWritten = resolve;
        });
        const finished = writer
          .write(res.body, 0, { release: (chunk) => res.release(chunk), onWritten: () => bodyWritten() })
          .then((result) => {
            total += result.bytesWritten;
            return kept.commit(path.join(dir, 'files', `${i}.bin`));
          });
        finishing.push(finished);
        await Promise.race([written, finished]);
      }
    }),
  );
  await Promise.all(finishing);
  const took = ms(t);
  connections.close();
  if (total !== expectBytes) throw new Error(`fetch path: ${total} bytes, expected ${expectBytes}`);
  await fs.rm(dir, { recursive: true, force: true });
  return took;
}

/** The manager fetching every URL (registered through the DAE API), until all are completed (state 1). */
async function managerRun(urls: string[], dir: string, expectBytes: number): Promise<number> {
  const m = await createDownloadManager({ dir, maxActive: MAX_ACTIVE, capacityBytes: 2 ** 50 });
  try {
    const { downloadTrigger } = m.application(BENCH_PORTAL);
    const pending = new Set<string>();
    let failure: string | undefined;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    m.onStateChange((change) => {
      if (change.state === 1) pending.delete(change.id);
      if (change.state === 8 || change.state === 32)
        failure ??= `download ${change.id} went to state ${change.state} (reason ${change.reason})`;
      if (pending.size === 0 || failure !== undefined) done();
    });
    const t = process.hrtime.bigint();
    for (const url of urls) {
      const id = downloadTrigger.registerDownloadURL(url, 'application/octet-stream');
      if (id === undefined) throw new Error(`registerDownloadURL refused ${url}`);
      pending.add(id);
    }
    const timer = setTimeout(() => {
      failure ??= `timed out with ${pending.size} downloads not completed`;
      done();
    }, RUN_TIMEOUT_MS);
    await finished;
    const took = ms(t);
    clearTimeout(timer);
    if (failure !== undefined) throw new Error(`manager: ${failure}`);
    let total = 0;
    for (const v of m.views()) total += (await fs.stat(m.metaOf(v.id)!.filePath!)).size;
    if (total !== expectBytes) throw new Error(`manager: ${total} bytes on disk, expected ${expectBytes}`);
    return took;
  } finally {
    await m.close();
  }
}

const mbps = (bytes: number, took: number) => bytes / MiB / (took / 1000);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-bench-transfers-'));
try {
  const media = path.join(root, 'media');
  await fs.mkdir(media);
  const plan = workloads();
  for (const w of plan)
    for (let i = 0; i < w.count; i++)
      await makeFile(path.join(media, `${label(w)}-${i}.bin`), w.sizeBytes, i);
  const nginx = await startRealServer('nginx', { root: media });
  const runner = curlRunner();
  const results: Record<string, unknown>[] = [];
  try {
    for (const w of plan) {
      const urls = Array.from({ length: w.count }, (_, i) => `${nginx.base}/${label(w)}-${i}.bin`);
      const bytes = w.count * w.sizeBytes;
      const runs = runsFor(bytes);
      const curl: number[] = [];
      const curlFsync: number[] = [];
      const manager: number[] = [];
      const writeSync: number[] = [];
      const fetchPath: number[] = [];
      // Alternating, curl first: each side meets the disk in the write-back state the other leaves.
      // Untimed rounds of the manager first (the first one timed, reported as such): see the module comment.
      const warmupRounds =
        WARMUP_OBJECTS === 0
          ? 0
          : Math.max(1, Math.min(Math.ceil(WARMUP_OBJECTS / w.count), Math.floor(WARMUP_MAX_BYTES / bytes)));
      let firstRoundMBps: number | undefined;
      for (let round = 0; round < warmupRounds; round++) {
        const dir = path.join(root, 'warm-up');
        const took = await managerRun(urls, dir, bytes);
        firstRoundMBps ??= mbps(bytes, took);
        await fs.rm(dir, { recursive: true, force: true });
      }
      for (let run = 0; run < runs; run++) {
        const out = path.join(root, 'curl');
        const c = await curlRun(runner, urls, out);
        curl.push(mbps(bytes, c.ms));
        curlFsync.push(mbps(bytes, c.ms + c.fsyncMs));
        await fs.rm(out, { recursive: true, force: true });
        const dir = path.join(root, 'manager');
        manager.push(mbps(bytes, await managerRun(urls, dir, bytes)));
        await fs.rm(dir, { recursive: true, force: true });
        writeSync.push(mbps(bytes, await writeAndSync(path.join(root, 'write-sync'), w)));
        fetchPath.push(mbps(bytes, await fetchPathRun(urls, path.join(root, 'fetch-path'), bytes)));
      }
      const curlMBps = median(curl);
      const managerMBps = median(manager);
      results.push({
        workload: label(w),
        count: w.count,
        sizeBytes: w.sizeBytes,
        maxActive: MAX_ACTIVE,
        runs,
        warmupRounds,
        managerFirstRoundMBps: firstRoundMBps,
        managerMBps,
        curlMBps,
        ratio: managerMBps / curlMBps,
        managerRunsMBps: manager,
        curlRunsMBps: curl,
        curlFsyncMBps: median(curlFsync),
        curlFsyncRunsMBps: curlFsync,
        ratioToCurlFsync: managerMBps / median(curlFsync),
        writeSyncMBps: median(writeSync),
        writeSyncRunsMBps: writeSync,
        writeSyncRatio: median(writeSync) / curlMBps,
        fetchPathMBps: median(fetchPath),
        fetchPathRunsMBps: fetchPath,
        fetchPathRatio: median(fetchPath) / curlMBps,
      });
    }
  } finally {
    runner.kill();
    await nginx.stop();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
