/**
 * One scale run of the download-manager bench, in its own process (so its RSS is its own): registers N
 * downloads (transfers off: only the bookkeeping is measured), then times the DAE reads and durable
 * changes at that size, and a restart. Prints one JSON line. Usage: `manager-scale.ts <N>`.
 *
 * @module
 */
import { promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDownloadManager } from '../oipf/manager.js';
import { BENCH_PORTAL } from './portal.js';

const n = Number(process.argv[2]);
if (!Number.isSafeInteger(n) || n < 1)
  throw new Error(`usage: manager-scale.ts <downloads>, got ${process.argv[2]}`);

/** Bytes this process passed to write(2) and friends so far (/proc/self/io `wchar`). */
function writtenBytes(): number {
  const m = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** The nearest-rank percentile: the smallest value at least p % of the samples do not exceed (p99 of 100 is the 99th). */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

const dir = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-bench-manager-'));
try {
  let m = await createDownloadManager({ dir, transfers: false, capacityBytes: 2 ** 50 });
  let app = m.application(BENCH_PORTAL);
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) {
    app.downloadTrigger.registerDownloadURL(`http://cdn.example/v/${i}.mp4`, 'video/mp4', null, i % 7);
  }
  await m.flush();
  const registerMs = ms(t);
  sampleRss();

  const listMs: number[] = [];
  const filterMs: number[] = [];
  for (let i = 0; i < 100; i += 1) {
    t = process.hrtime.bigint();
    app.downloadManager.getDownloads!();
    listMs.push(ms(t));
    t = process.hrtime.bigint();
    app.downloadManager.createFilteredList(undefined, 63);
    filterMs.push(ms(t));
  }
  sampleRss();
  const all = app.downloadManager.getDownloads!()!;
  // Each call after a change — what a page listing downloads on every DownloadStateChange pays: a pause (one
  // download enters createFilteredList(undefined, 4), the paused ones; none enters or leaves getDownloads()) and
  // a registration (one enters both), each followed by both calls, timed one by one.
  const afterPauseMs: number[] = [];
  const afterRegisterMs: number[] = [];
  const listAfterChangeMs: number[] = [];
  const filterAfterChangeMs: number[] = [];
  const timedLists = (): number => {
    t = process.hrtime.bigint();
    app.downloadManager.getDownloads!();
    const list = ms(t);
    t = process.hrtime.bigint();
    app.downloadManager.createFilteredList(undefined, 4);
    const filter = ms(t);
    listAfterChangeMs.push(list);
    filterAfterChangeMs.push(filter);
    return list + filter;
  };
  for (let i = 0; i < 50; i += 1) {
    const d = all.item((i * 7919) % all.length)!;
    app.downloadManager.pause!(d);
    afterPauseMs.push(timedLists());
    app.downloadManager.resume!(d);
    app.downloadTrigger.registerDownloadURL(`http://cdn.example/w/${i}.mp4`, 'video/mp4', null, 0);
    afterRegisterMs.push(timedLists());
  }
  await m.flush();
  sampleRss();
  // item(i) of a collection: the first one made for a download builds its Download object, later ones find it.
  const picks = Math.min(1000, all.length);
  t = process.hrtime.bigint();
  const held = [];
  for (let i = 0; i < picks; i += 1) held.push(all.item(Math.floor((i * all.length) / picks))!);
  const itemUs = (ms(t) * 1000) / picks;
  // A property read of Download objects the application holds (the same 1 000 at every N, spread over the list).
  const reads = 100_000;
  let sum = 0;
  // Warm-up (the JIT, and each held object's first read, which brings the read map up to date), then timed.
  for (let i = 0; i < 10_000; i += 1) sum += held[i % picks]!.state ?? 0;
  t = process.hrtime.bigint();
  for (let i = 0; i < reads; i += 1) sum += held[(i * 7919) % picks]!.state ?? 0;
  const readUs = (ms(t) * 1000) / reads;

  // Durable pause/resume of downloads spread over the registry: the call, then the registry commit.
  const changeMs: number[] = [];
  const changeBytes: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const d = all.item((i * 104_729) % all.length)!;
    const before = writtenBytes();
    t = process.hrtime.bigint();
    if (i % 2 === 0) app.downloadManager.pause!(d);
    else app.downloadManager.resume!(all.item(((i - 1) * 104_729) % all.length)!);
    await m.flush();
    changeMs.push(ms(t));
    changeBytes.push(writtenBytes() - before);
  }
  sampleRss();
  await m.close();

  t = process.hrtime.bigint();
  m = await createDownloadManager({ dir, transfers: false, capacityBytes: 2 ** 50 });
  app = m.application(BENCH_PORTAL);
  const restored = app.downloadManager.getDownloads!()!.length;
  const restartMs = ms(t);
  sampleRss();
  await m.close();

  process.stdout.write(
    `${JSON.stringify({
      downloads: n,
      registerMs,
      getDownloadsP50Ms: percentile(listMs, 50),
      getDownloadsP99Ms: percentile(listMs, 99),
      createFilteredListP50Ms: percentile(filterMs, 50),
      createFilteredListP99Ms: percentile(filterMs, 99),
      listFirstCallMs: (listMs[0] ?? 0) + (filterMs[0] ?? 0),
      getDownloadsAfterChangeP99Ms: percentile(listAfterChangeMs, 99),
      createFilteredListAfterChangeP99Ms: percentile(filterAfterChangeMs, 99),
      listsAfterPauseP99Ms: percentile(afterPauseMs, 99),
      listsAfterRegisterP99Ms: percentile(afterRegisterMs, 99),
      propertyReadUs: readUs,
      firstItemUs: itemUs,
      durableChangeP50Ms: percentile(changeMs, 50),
      durableChangeP99Ms: percentile(changeMs, 99),
      bytesPerChangeP50: percentile(changeBytes, 50),
      bytesPerChangeMax: Math.max(...changeBytes),
      restartMs,
      restored,
      peakRssMB: peakRss / 1e6,
      checksum: sum > 0,
    })}\n`,
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
