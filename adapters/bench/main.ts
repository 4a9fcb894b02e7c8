/**
 * `npm run bench`: the agent against the reference server (and curl, when installed) on loopback —
 * throughput of a large object (ratio dlstate / curl: `BENCH_RUNS` alternating runs of each, medians, so the
 * disk's write-back state weighs on both alike), peak RSS of the agent process for a small and a large object
 * (it must not grow with the size), and bytes lost to a SIGKILL: once at an exactly known point (the server
 * stalls after N bytes, the agent has written them all, then it is killed — the rerun's Range start must be N)
 * and once at full speed (informative: what the server sent twice, kernel socket buffers included). Prints a
 * table and writes JSON under `bench-results/`. Sizes: `BENCH_SIZE_MB` (default 1024) and `BENCH_SMALL_MB`
 * (default 100); `BENCH_FLUSH_BYTES` sets the agent's flush interval (default: the agent's own). Then the
 * reference server's load test (server-load.ts: RSS growth under requests and reports, hash computations under
 * concurrent cold descriptor requests), then the download manager's transfers from a real nginx beside
 * `curl --parallel` (adapters/bench/manager-transfers.ts, its own process), then the download manager at scale
 * (adapters/bench/manager-scale.ts, one process per size of `BENCH_MANAGER_SIZES`, default 100,10000,50000).
 * `BENCH_ONLY=agent`, `server`, `transfers` or `manager` runs one section.
 *
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../cli/io.js';
import { hasRealServer, REAL_SERVER_BINARIES } from '../http/real-servers.test-support.js';
import { startDownloadServer } from '../server/server.js';
import { DEFAULT_FLUSH_EVERY_BYTES } from '../storage/body-writer.js';
import { syncFile } from '../storage/file-ops.js';
import { serverBench, serverRows } from './server-load.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 1024 * 1024;
const LARGE = Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB;
const SMALL = Number(process.env.BENCH_SMALL_MB ?? 100) * MiB;
const FLUSH = process.env.BENCH_FLUSH_BYTES === undefined ? undefined : Number(process.env.BENCH_FLUSH_BYTES);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const RSS_HOOK = path.join(ROOT, 'adapters/bench/rss-hook.mjs');
/**
 * The agent measured is the product — the compiled CLI `npx dlstate` runs (`dist/`, built by `bin/bench.mjs`);
 * `BENCH_AGENT=tsx` runs the TypeScript sources instead (the compiler then sits in the agent's memory).
 */
const FROM_SOURCE = process.env.BENCH_AGENT === 'tsx';
const NODE_ARGS = [
  ...(FROM_SOURCE ? ['--import', 'tsx'] : []),
  ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
];
/** The product's own entry, as `npx dlstate` runs it, or the sources under tsx. */
const AGENT_COMMAND = FROM_SOURCE
  ? [process.execPath, ...NODE_ARGS, '--import', RSS_HOOK, 'adapters/cli/main.ts']
  : [path.join(ROOT, 'bin/dlstate.js')];
/** The peak-RSS hook (and `BENCH_NODE_ARGS`) reach the product's process through NODE_OPTIONS. */
const AGENT_ENV = FROM_SOURCE
  ? process.env
  : { ...process.env, NODE_OPTIONS: [`--import=${RSS_HOOK}`, ...NODE_ARGS].join(' ') };

async function makeObject(file: string, size: number): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < block.length; i++) block[i] = (i * 131 + (i >> 8)) & 0xff;
    for (let written = 0; written < size; written += MiB) {
      block.writeUInt32LE(written / MiB, 0);
      await handle.write(block, 0, Math.min(MiB, size - written));
    }
  } finally {
    await handle.close();
  }
}

interface AgentRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** From the media GET to the `done` line (process start-up and descriptor excluded). */
  transferMs?: number;
  maxRssBytes?: number;
  lines: Record<string, unknown>[];
  receivedAtKill?: number;
}

/** Runs the agent; kills it (SIGKILL) once a progress line reports at least `killAtBytes`. */
function runAgent(ddUrl: string, out: string, killAtBytes?: number): Promise<AgentRun> {
  const started = Date.now();
  const [command = process.execPath, ...prefix] = AGENT_COMMAND;
  const child = spawn(
    command,
    [
      ...prefix,
      'fetch',
      ddUrl,
      '--out',
      out,
      '--yes',
      '--json',
      ...(FLUSH === undefined ? [] : ['--flush-bytes', String(FLUSH)]),
    ],
    { cwd: ROOT, env: AGENT_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  let mediaAt: number | undefined;
  let doneAt: number | undefined;
  let receivedAtKill: number | undefined;
  let buffered = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      if (line.event === 'request' && String(line.url).includes('/media/') && mediaAt === undefined)
        mediaAt = Date.now();
      if (line.event === 'done') doneAt = Date.now();
      if (
        killAtBytes !== undefined &&
        receivedAtKill === undefined &&
        line.event === 'progress' &&
        Number(line.received) >= killAtBytes
      ) {
        receivedAtKill = Number(line.received);
        child.kill('SIGKILL');
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    log(chunk.toString('utf8'));
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const rss = /BENCH_MAXRSS (\d+)/.exec(err)?.[1];
      resolve({
        code,
        signal,
        wallMs: Date.now() - started,
        ...(mediaAt !== undefined && doneAt !== undefined ? { transferMs: doneAt - mediaAt } : {}),
        ...(rss === undefined ? {} : { maxRssBytes: Number(rss) * 1024 }),
        lines,
        ...(receivedAtKill === undefined ? {} : { receivedAtKill }),
      });
    });
  });
}

/**
 * Times curl on the same URL (async: the server runs in this process), or undefined without curl. With `durable`
 * the file is fsync'd after curl exits, as the agent does before it reports success: curl alone is timed when its
 * bytes are in the page cache, not on the disk.
 */
async function curlMs(url: string, out: string, durable = false): Promise<number | undefined> {
  if (spawnSync('curl', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const started = Date.now();
  const child = spawn('curl', ['-s', '-f', '-o', out, url], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) return undefined;
  if (durable) await syncFile(out);
  return Date.now() - started;
}

const mbps = (bytes: number, ms: number | undefined) => (ms ? bytes / MiB / (ms / 1000) : undefined);
const median = (values: (number | undefined)[]): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return known.length === 0 ? undefined : known[Math.floor((known.length - 1) / 2)];
};
const fmt = (n: number | undefined, digits = 1) => (n === undefined ? 'n/a' : n.toFixed(digits));

const log = (m: string) => process.env.BENCH_DEBUG && process.stderr.write(`${m}\n`);
async function main(): Promise<void> {
  log('main');
  const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-bench-'));
  const media = path.join(root, 'media');
  await fs.mkdir(media);
  await makeObject(path.join(media, 'large.bin'), LARGE);
  await makeObject(path.join(media, 'small.bin'), SMALL);
  log('objects');
  const server = await startDownloadServer({ dir: media });
  log(server.url);
  try {
    // Alternating runs, curl first: each side meets the disk in every write-back state the other leaves.
    const larges: AgentRun[] = [];
    const curls: (number | undefined)[] = [];
    const durableCurls: (number | undefined)[] = [];
    for (let run = 0; run < RUNS; run++) {
      curls.push(await curlMs(`${server.url}/media/large.bin`, path.join(root, 'curl.bin')));
      await fs.rm(path.join(root, 'curl.bin'), { force: true });
      durableCurls.push(await curlMs(`${server.url}/media/large.bin`, path.join(root, 'curl.bin'), true));
      await fs.rm(path.join(root, 'curl.bin'), { force: true });
      larges.push(await runAgent(server.ddUrl('large.bin'), path.join(root, 'out-large')));
      await fs.rm(path.join(root, 'out-large'), { recursive: true, force: true });
    }
    const small = await runAgent(server.ddUrl('small.bin'), path.join(root, 'out-small'));
    await fs.rm(path.join(root, 'out-small'), { recursive: true, force: true });

    // SIGKILL at a known point: the server stalls after `stallAt` bytes; once the agent reports them all
    // written it is killed; the rerun must ask for the rest from exactly there.
    const stallAt = Math.floor(SMALL / 2) + 12_345;
    server.faults.stallNextBodyAfter = stallAt;
    const stallOut = path.join(root, 'out-stall');
    const stalled = await runAgent(server.ddUrl('small.bin'), stallOut, stallAt);
    const stallRerun = await runAgent(server.ddUrl('small.bin'), stallOut);
    const recoveredAt = Number(stallRerun.lines.find((l) => l.event === 'recovered')?.offset ?? 0);
    const lostAtKill = stallAt - recoveredAt;

    // SIGKILL at full speed: what did the server send twice (read pool and kernel socket buffers included)?
    const killOut = path.join(root, 'out-kill');
    const sentBefore = server.requests.length;
    const killed = await runAgent(server.ddUrl('small.bin'), killOut, SMALL / 2);
    const rerun = await runAgent(server.ddUrl('small.bin'), killOut);
    const mediaSent = server.requests
      .slice(sentBefore)
      .filter((r) => r.url.startsWith('/media/'))
      .reduce((sum, r) => sum + r.bodyBytes, 0);

    const serverLoad = await serverBench(root);

    const agentMBps = median(larges.map((l) => mbps(LARGE, l.transferMs)));
    const curlMBps = median(curls.map((ms) => mbps(LARGE, ms)));
    const durableCurlMBps = median(durableCurls.map((ms) => mbps(LARGE, ms)));
    const largeRss = Math.max(...larges.map((l) => l.maxRssBytes ?? 0));
    const flushBytes = FLUSH ?? DEFAULT_FLUSH_EVERY_BYTES;
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      sizes: { largeBytes: LARGE, smallBytes: SMALL, flushEveryBytes: flushBytes, runs: RUNS },
      throughput: {
        dlstateMBps: agentMBps,
        dlstateRunsMBps: larges.map((l) => mbps(LARGE, l.transferMs)),
        dlstateWallMs: larges.map((l) => l.wallMs),
        curlMBps,
        curlRunsMBps: curls.map((ms) => mbps(LARGE, ms)),
        ratio: agentMBps && curlMBps ? agentMBps / curlMBps : undefined,
        curlFsyncMBps: durableCurlMBps,
        curlFsyncRunsMBps: durableCurls.map((ms) => mbps(LARGE, ms)),
        ratioToCurlFsync: agentMBps && durableCurlMBps ? agentMBps / durableCurlMBps : undefined,
        exitCodes: larges.map((l) => l.code),
      },
      rss: {
        smallBytes: small.maxRssBytes,
        largeBytes: largeRss,
        ratio: small.maxRssBytes && largeRss ? largeRss / small.maxRssBytes : undefined,
      },
      sigkill: {
        stalledAt: stallAt,
        killedSignal: stalled.signal,
        recoveredOffset: recoveredAt,
        lostBytes: lostAtKill,
        rerunExitCode: stallRerun.code,
        fullSpeed: {
          receivedAtKill: killed.receivedAtKill,
          serverBytesSentTwice: mediaSent - SMALL,
          rerunExitCode: rerun.code,
        },
      },
      server: serverLoad,
    };
    const table = formatTable(
      ['measure', 'dlstate', 'reference', 'ratio', 'goal'],
      [
        [
          `throughput ${LARGE / MiB} MiB, median of ${RUNS} (MiB/s)`,
          fmt(agentMBps),
          `curl ${fmt(curlMBps)}`,
          fmt(results.throughput.ratio, 2),
          '≥ 0.90',
        ],
        [
          '  the same, against curl + fsync of its file',
          fmt(agentMBps),
          `curl+fsync ${fmt(durableCurlMBps)}`,
          fmt(results.throughput.ratioToCurlFsync, 2),
          'informative',
        ],
        [
          `peak RSS (MB) ${LARGE / MiB} MiB vs ${SMALL / MiB} MiB`,
          fmt(largeRss / 1e6),
          fmt((small.maxRssBytes ?? 0) / 1e6),
          fmt(results.rss.ratio, 2),
          '≤ 80 MB, flat',
        ],
        [
          'bytes written, then lost to SIGKILL (re-fetched)',
          String(lostAtKill),
          `at ${stallAt}`,
          '',
          '≤ 1 MiB',
        ],
        [
          'server bytes sent twice, SIGKILL at full speed',
          String(mediaSent - SMALL),
          'kernel buffers too',
          '',
          'informative',
        ],
        ['bytes a power cut may cost (flush interval)', String(flushBytes), '', '', 'informative'],
        ...serverRows(serverLoad),
      ],
    );
    process.stdout.write(table);
    await writeResults(results.date, results);
  } finally {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function writeResults(date: string, results: object): Promise<void> {
  const dir = path.join(ROOT, 'bench-results');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `bench-${date.replace(/[:.]/g, '-')}.json`);
  await fs.writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`results: ${path.relative(ROOT, file)}\n`);
}

/** `BENCH_ONLY=server`: the reference server's load test alone. */
async function serverOnly(): Promise<void> {
  const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-bench-server-'));
  try {
    const server = await serverBench(root);
    process.stdout.write(formatTable(['measure', 'value', 'reference', 'ratio', 'goal'], serverRows(server)));
    const date = new Date().toISOString();
    await writeResults(date, { date, node: process.version, server });
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

/** Sizes of the manager section (`BENCH_MANAGER_SIZES`, comma-separated). @default 100,10000,50000 */
const MANAGER_SIZES = (process.env.BENCH_MANAGER_SIZES ?? '100,10000,50000').split(',').map(Number);

/**
 * The download manager at scale: one process per size (its RSS is its own), transfers off; what a pause or
 * resume costs and writes, list and property reads, restart. Ratios between sizes show what grows with N.
 */
async function managerSection(): Promise<void> {
  const runs: Record<string, number>[] = [];
  for (const n of MANAGER_SIZES) {
    // The product as built (dist/, like the agent above); BENCH_AGENT=tsx runs the sources (tsx then sits in RSS).
    const script = FROM_SOURCE
      ? ['--import', 'tsx', path.join(ROOT, 'adapters/bench/manager-scale.ts')]
      : [path.join(ROOT, 'dist/adapters/bench/manager-scale.js')];
    const out = spawnSync(process.execPath, [...script, String(n)], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (out.status !== 0) throw new Error(`manager bench at ${n}: ${out.stderr}`);
    runs.push(JSON.parse(out.stdout.trim().split('\n').at(-1)!));
  }
  const row = (label: string, key: string, goal: string, digits = 1): string[] => [
    label,
    ...runs.map((r) => fmt(r[key], digits)),
    goal,
  ];
  const table = formatTable(
    ['measure', ...runs.map((r) => `N = ${r.downloads}`), 'goal (N = 10 000)'],
    [
      row('register all N (ms)', 'registerMs', '< 2000', 0),
      row('getDownloads() after a change, p99 (ms)', 'getDownloadsAfterChangeP99Ms', '< 5', 2),
      row('createFilteredList after a change, p99 (ms)', 'createFilteredListAfterChangeP99Ms', '< 5', 2),
      row('getDownloads() repeated, nothing changed, p50 (ms)', 'getDownloadsP50Ms', 'informative', 2),
      row('getDownloads() repeated, nothing changed, p99 (ms)', 'getDownloadsP99Ms', 'informative', 2),
      row('createFilteredList repeated, p50 (ms)', 'createFilteredListP50Ms', 'informative', 2),
      row('createFilteredList repeated, p99 (ms)', 'createFilteredListP99Ms', 'informative', 2),
      row('first getDownloads + createFilteredList (ms)', 'listFirstCallMs', 'informative', 2),
      row('both lists after a pause, p99 (ms)', 'listsAfterPauseP99Ms', 'informative', 2),
      row('both lists after a registration, p99 (ms)', 'listsAfterRegisterP99Ms', 'informative', 2),
      row('Download.state read (µs)', 'propertyReadUs', 'O(1): flat in N', 2),
      row('first item(i) of a download, its object made (µs)', 'firstItemUs', 'informative', 2),
      row('durable pause/resume p50 (ms)', 'durableChangeP50Ms', 'informative', 2),
      row('durable pause/resume p99 (ms)', 'durableChangeP99Ms', '< 20', 2),
      row('bytes written per change, p50', 'bytesPerChangeP50', '≤ 16 KB, flat in N', 0),
      row('bytes written per change, max', 'bytesPerChangeMax', '≤ 16 KB', 0),
      row('restart (ms)', 'restartMs', '< 1000', 0),
      row('peak RSS (MB)', 'peakRssMB', '< 150', 0),
    ],
  );
  process.stdout.write(table);
  const dir = path.join(ROOT, 'bench-results');
  await fs.mkdir(dir, { recursive: true });
  const date = new Date().toISOString();
  const file = path.join(dir, `bench-manager-${date.replace(/[:.]/g, '-')}.json`);
  await fs.writeFile(file, `${JSON.stringify({ date, node: process.version, manager: runs }, null, 2)}\n`);
  process.stdout.write(`results: ${path.relative(ROOT, file)}\n`);
}

/** One workload's figures, as adapters/bench/manager-transfers.ts prints them. */
interface TransferRun {
  workload: string;
  runs: number;
  managerMBps: number;
  curlMBps: number;
  ratio: number;
  managerRunsMBps: number[];
  curlRunsMBps: number[];
  curlFsyncMBps: number;
  ratioToCurlFsync: number;
  writeSyncMBps: number;
  writeSyncRatio: number;
  fetchPathMBps: number;
  fetchPathRatio: number;
  warmupRounds: number;
  managerFirstRoundMBps: number | undefined;
}

/**
 * The download manager's transfers from a real nginx beside `curl --parallel` (adapters/bench/manager-transfers.ts,
 * in its own process): MiB/s of both and their ratio per workload (4 × 256 MiB and 64 × 1 MiB, maxActive 4).
 */
async function transfersSection(): Promise<void> {
  const missing = !hasRealServer('nginx')
    ? REAL_SERVER_BINARIES.nginx
    : spawnSync('curl', ['--version'], { stdio: 'ignore' }).status !== 0
      ? 'curl'
      : undefined;
  if (missing !== undefined) {
    process.stdout.write(`transfers from nginx: skipped, ${missing} is not installed\n`);
    return;
  }
  const script = FROM_SOURCE
    ? ['--import', 'tsx', path.join(ROOT, 'adapters/bench/manager-transfers.ts')]
    : [path.join(ROOT, 'dist/adapters/bench/manager-transfers.js')];
  // `BENCH_NODE_ARGS` (e.g. `--cpu-prof`) reach this process too.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, ...script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`transfers bench exited ${code}`);
  const runs = JSON.parse(out.trim().split('\n').at(-1)!) as TransferRun[];
  const list = (values: number[]) => values.map((v) => fmt(v)).join(' / ');
  const table = formatTable(
    ['transfers from nginx, maxActive 4', 'manager MiB/s', 'curl --parallel MiB/s', 'ratio', 'goal'],
    runs.flatMap((r) => [
      [`${r.workload}, median of ${r.runs}`, fmt(r.managerMBps), fmt(r.curlMBps), fmt(r.ratio, 2), '≥ 0.80'],
      ['  each run', list(r.managerRunsMBps), list(r.curlRunsMBps), '', ''],
      [
        `  manager's first round, before ${r.warmupRounds} untimed rounds of warm-up`,
        r.managerFirstRoundMBps === undefined ? '-' : fmt(r.managerFirstRoundMBps),
        fmt(r.curlMBps),
        r.managerFirstRoundMBps === undefined ? '-' : fmt(r.managerFirstRoundMBps / r.curlMBps, 2),
        'informative',
      ],
      [
        '  against curl + fsync of its files',
        fmt(r.managerMBps),
        fmt(r.curlFsyncMBps),
        fmt(r.ratioToCurlFsync, 2),
        'informative',
      ],
      [
        "  disk alone: files written, each fdatasync'd, 4 at once",
        fmt(r.writeSyncMBps),
        fmt(r.curlMBps),
        fmt(r.writeSyncRatio, 2),
        'informative',
      ],
      [
        '  fetch path alone: HTTP into a kept file, synced, moved (no chart)',
        fmt(r.fetchPathMBps),
        fmt(r.curlMBps),
        fmt(r.fetchPathRatio, 2),
        'informative',
      ],
    ]),
  );
  process.stdout.write(table);
  const dir = path.join(ROOT, 'bench-results');
  await fs.mkdir(dir, { recursive: true });
  const date = new Date().toISOString();
  const file = path.join(dir, `bench-transfers-${date.replace(/[:.]/g, '-')}.json`);
  await fs.writeFile(file, `${JSON.stringify({ date, node: process.version, transfers: runs }, null, 2)}\n`);
  process.stdout.write(`results: ${path.relative(ROOT, file)}\n`);
}

const SECTIONS = ['agent', 'server', 'transfers', 'manager'];

/**
 * `BENCH_ONLY=agent|server|transfers|manager` runs one section; all by default (the agent section includes the
 * server's).
 */
async function sections(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only !== undefined && !SECTIONS.includes(only))
    throw new Error(`BENCH_ONLY must be one of ${SECTIONS.join(', ')}, got ${only}`);
  if (only === 'server') return serverOnly();
  if (only === undefined || only === 'agent') await main();
  if (only === undefined || only === 'transfers') await transfersSection();
  if (only === undefined || only === 'manager') await managerSection();
}

sections().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
