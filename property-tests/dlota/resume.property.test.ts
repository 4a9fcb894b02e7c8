import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentOptions, type AgentResult, startAgent } from '../../adapters/agent/index.js';
import type { Observation } from '../../adapters/agent/observation.js';
import { fcParams, numRuns } from '../fc.js';
import type { AgentWorkerData } from '../support/agent-worker.js';
import { objectBytes, type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { verifies } from '../verifies.js';

const FLUSH = 64 * 1024;
const MAX_RUNS_PER_CASE = 12;

/**
 * One interruption: the server cuts the next media body after `at` bytes, the user pauses there, or the agent
 * is killed there (its run is in a worker thread, terminated abruptly: no flush, no journal update).
 */
interface Interruption {
  readonly kind: 'cut' | 'pause' | 'kill';
  readonly at: number;
}

interface Scenario {
  readonly size: number;
  readonly interruptions: readonly Interruption[];
  /** Before the media request with this index (0 = the first), the object's bytes change; none when undefined. */
  readonly changeAt?: number;
}

/** Sizes 1 B – 4 MiB, mostly small (a 0 B object gets a DD with <size>0</size>, which the agent rejects with 906). */
const sizeArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 * 1024 }) },
  { weight: 4, arbitrary: fc.integer({ min: 8 * 1024, max: 512 * 1024 }) },
  { weight: 1, arbitrary: fc.integer({ min: 512 * 1024, max: 4 * 1024 * 1024 }) },
);

const scenarioArb = (withChange: boolean): fc.Arbitrary<Scenario> =>
  sizeArb.chain((size) =>
    fc.record({
      size: fc.constant(size),
      interruptions: fc.array(
        fc.record({
          // Kills weigh double: a kill queued after a pause that missed (a body shorter than the pause point)
          // never runs, and the property must exercise kills on every seed.
          kind: fc.constantFrom<Interruption['kind']>('cut', 'pause', 'kill', 'kill'),
          // A cut at 0 would drop the first response before its headers: that is a 903 (DL-RET-4), not a resume.
          at: fc.integer({ min: 1, max: Math.max(1, size - 1) }),
        }),
        { maxLength: 3 },
      ),
      ...(withChange ? { changeAt: fc.integer({ min: 0, max: 3 }) } : {}),
    }),
  );

let scripted: ScriptedServer;
/** Runs terminated by a kill interruption, over the whole file (the property must really exercise kills). */
let killedRuns = 0;
let counter = 0;
beforeAll(async () => {
  scripted = await startScriptedServer();
});
afterAll(async () => {
  await scripted?.close();
});

interface Outcome {
  readonly name: string;
  readonly old: Buffer;
  readonly changed: Buffer | undefined;
  /** One per run; `killed` for a run terminated by a kill interruption. */
  readonly results: (AgentResult | { readonly kind: 'killed' })[];
  readonly observations: Observation[];
  readonly interruptions: number;
  /** Body bytes the agent received over all its media responses (from its progress observations). */
  readonly received: number;
  /** Per resume: bytes the agent had received minus the offset it resumed from (re-fetched bytes). */
  readonly refetched: number[];
  readonly out: string;
}

/**
 * Drives one scenario: runs of the agent on one state directory until one finishes; cuts are armed as the
 * media requests go out, pauses stop the run once the body has passed the point, then a new run resumes.
 */
async function drive(s: Scenario): Promise<Outcome> {
  const name = `r${++counter}.bin`;
  const old = objectBytes(s.size, 1);
  scripted.resetFaults();
  scripted.putObject(name, old, { suppressUserConfirmation: 'Always' });
  // Throttled so a pause lands mid-body (the server writes 64 KiB chunks).
  scripted.server.faults.bytesPerSecond = 16 * 1024 * 1024;
  const root = path.join(scripted.root, name);
  const out = path.join(root, 'out');
  const pending = [...s.interruptions];
  const observations: Observation[] = [];
  const results: (AgentResult | { readonly kind: 'killed' })[] = [];
  let changed: Buffer | undefined;
  let mediaRequests = 0;
  let interruptions = 0;
  let received = 0;
  let start = 0;
  let high = 0;
  const refetched: number[] = [];
  for (let runIndex = 0; runIndex < MAX_RUNS_PER_CASE; runIndex++) {
    let pauseAt: number | undefined;
    let bodyStart = 0;
    let stop = () => {};
    let arm: (at: number) => void = () => {};
    const options: Omit<AgentOptions, 'onObservation'> = {
      ddUrl: scripted.ddUrl(name),
      outDir: out,
      stateDir: path.join(root, 'state'),
      preConfirmed: true,
      flushEveryBytes: FLUSH,
      reconnectDelayMs: 1,
      maxReconnects: 20,
      reportRetryMs: 10,
      progressIntervalMs: 0,
    };
    const onObservation = (o: Observation) => {
      observations.push(o);
      if (o.event === 'request' && o.url.includes('/media/')) {
        if (s.changeAt === mediaRequests && changed === undefined) {
          changed = objectBytes(s.size, 2);
          scripted.putObject(name, changed);
        }
        mediaRequests++;
        const from = /^bytes=(\d+)-/.exec(o.headers.range ?? '')?.[1];
        bodyStart = from === undefined ? 0 : Number(from);
        received += Math.max(0, high - start);
        if (from !== undefined) refetched.push(high - bodyStart);
        start = bodyStart;
        high = bodyStart;
        const next = pending[0];
        if (next?.kind === 'cut') {
          pending.shift();
          interruptions++;
          scripted.server.faults.cutNextBodyAfter = next.at;
        } else if (next?.kind === 'pause') pauseAt = bodyStart + next.at;
        else if (next?.kind === 'kill') arm(next.at);
      }
      if (o.event === 'progress') high = Math.max(high, o.received);
      if (o.event === 'progress' && pauseAt !== undefined && o.received >= o.total) {
        // The body was complete before the pause point could be seen: the pause missed.
        pauseAt = undefined;
        pending.shift();
      }
      if (o.event === 'progress' && pauseAt !== undefined && o.received > pauseAt && o.received < o.total) {
        pauseAt = undefined;
        pending.shift();
        interruptions++;
        setImmediate(() => stop());
      }
    };
    const result = pending.some((i) => i.kind === 'kill')
      ? await runInWorker(options, onObservation, (st, a) => {
          stop = st;
          arm = a;
        })
      : await (() => {
          const run = startAgent({ ...options, onObservation });
          stop = () => run.stop('user');
          return run.result;
        })();
    results.push(result);
    if (result.kind === 'killed') {
      pending.shift();
      interruptions++;
      continue;
    }
    if (result.kind !== 'paused') break;
  }
  scripted.resetFaults();
  received += Math.max(0, high - start);
  return { name, old, changed, results, observations, interruptions, received, refetched, out };
}

/** One agent run in a worker thread; `control` gets its pause and the arming of a kill (`at` body bytes in). */
function runInWorker(
  options: Omit<AgentOptions, 'onObservation'>,
  onObservation: (o: Observation) => void,
  control: (stop: () => void, arm: (at: number) => void) => void,
): Promise<AgentResult | { readonly kind: 'killed' }> {
  // Two Int32 slots, as AgentWorkerData['arming'] describes (answers given, kill offset or -1).
  const arming = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const cell = new Int32Array(arming);
  const data: AgentWorkerData = { options, arming };
  const worker = new Worker(new URL('../support/agent-worker.mjs', import.meta.url), { workerData: data });
  // Set by `arm` while the parent handles a media request; the worker waits for this answer.
  let armedAt = -1;
  control(
    () => worker.postMessage({ type: 'stop' }),
    (at) => {
      armedAt = at;
    },
  );
  return new Promise((resolve, reject) => {
    let result: AgentResult | undefined;
    worker.on(
      'message',
      (m: { type: string; observation?: Observation; result?: AgentResult; message?: string }) => {
        if (m.type === 'observation' && m.observation) {
          const o = m.observation;
          armedAt = -1;
          onObservation(o);
          if (o.event === 'request' && o.url.includes('/media/')) {
            // The worker is blocked until it has the answer: kill in this response (at) or not (-1).
            Atomics.store(cell, 1, armedAt);
            Atomics.add(cell, 0, 1);
            Atomics.notify(cell, 0);
          }
        } else if (m.type === 'result' && m.result) result = m.result;
        else if (m.type === 'error') reject(new Error(m.message));
      },
    );
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code === 137) {
        killedRuns++;
        resolve({ kind: 'killed' });
      } else if (result) resolve(result);
      else reject(new Error(`agent worker exited with ${code} and no result`));
    });
  });
}

const mediaOf = (name: string) => scripted.mediaRequests(name).filter((r) => r.method === 'GET');

describe('resume integrity on real files (real agent, loopback reference server)', () => {
  it(verifies(
    ['DL-PR-4', 'DL-PR-7', 'DL-PR-8', 'DL-PR-9', 'DL-INST-5'],
    `any object (1 B – 4 MiB), any cuts, pauses and kills: installed byte-identical, one range per request, If-Match = first ETag, bytes ≤ size + interruptions × flush (${numRuns(15)} runs)`,
  ), { timeout: 120_000 }, async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(scenarioArb(false), async (s) => {
        const o = await drive(s);
        const last = o.results.at(-1);
        expect(last?.kind, JSON.stringify(o.results)).toBe('finished');
        if (last?.kind !== 'finished') return;
        expect(last.output.statusCode).toBe(900);
        const installed = path.join(o.out, o.name);
        expect(readFileSync(installed).equals(o.old)).toBe(true);
        const media = mediaOf(o.name);
        let firstEtag: string | undefined;
        for (const obs of o.observations) {
          if (obs.event === 'response' && obs.url.includes('/media/')) firstEtag ??= obs.headers.etag;
        }
        for (const [i, r] of media.entries()) {
          const range = r.headers.range;
          if (i === 0 || range === undefined) {
            expect(r.headers['if-match']).toBeUndefined();
            continue;
          }
          // DL-PR-8: one range, open to the end; DL-PR-9: If-Match is the first ETag.
          expect(range).toMatch(new RegExp(`^bytes=\\d+-${s.size - 1}$`));
          expect(r.headers['if-match']).toBe(firstEtag);
        }
        // Bytes the agent received (the server's own count also holds what sat in loopback socket
        // buffers when the agent paused, which never reached the agent).
        for (const again of o.refetched) expect(again).toBeLessThanOrEqual(FLUSH);
        expect(o.received).toBeLessThanOrEqual(s.size + o.interruptions * FLUSH);
      }),
      fcParams(15),
    );
    console.info(
      `resume integrity: ${numRuns(15)} runs (${killedRuns} killed agent runs) in ${Date.now() - started} ms`,
    );
    expect(killedRuns, 'the generated scenarios killed no agent run').toBeGreaterThan(0);
  });

  it(verifies(
    ['DL-PR-10', 'DL-STATUS-957', 'DL-PR-3'],
    `object changed at any point: never a mixed file — 957 then the updated object, or the old object complete before the change (${numRuns(10)} runs)`,
  ), { timeout: 120_000 }, async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(scenarioArb(true), async (s) => {
        const o = await drive(s);
        const last = o.results.at(-1);
        expect(last?.kind, JSON.stringify(o.results)).toBe('finished');
        const installed = path.join(o.out, o.name);
        expect(existsSync(installed)).toBe(true);
        const bytes = readFileSync(installed);
        const reports = scripted.server.reports.filter((r) => r.name === o.name).map((r) => r.code);
        const mixed = !bytes.equals(o.old) && !(o.changed !== undefined && bytes.equals(o.changed));
        expect(mixed, 'the installed file is neither the old nor the updated object').toBe(false);
        if (o.changed !== undefined && !bytes.equals(o.old)) {
          // The change hit a resume (If-Match → 412 → 957, then 900), or no resume came after it — changed before
          // the first request, or a kill before any durable byte left nothing to resume: a fresh GET, just 900.
          const preconditionFailed = o.observations.some(
            (x) => x.event === 'response' && x.url.includes('/media/') && x.status === 412,
          );
          expect(reports).toEqual(preconditionFailed ? [957, 900] : [900]);
          // The ETag of the object as it was before the change (none when it changed before the first request).
          const oldEtag =
            (s.changeAt ?? 0) > 0
              ? o.observations.flatMap((x) =>
                  x.event === 'response' && x.url.includes('/media/') ? [x] : [],
                )[0]?.headers.etag
              : undefined;
          const staleResume =
            oldEtag !== undefined &&
            mediaOf(o.name).some((r, i) => i >= (s.changeAt ?? 0) && r.headers['if-match'] === oldEtag);
          if (staleResume) expect(preconditionFailed, 'a resume after the change must get 412').toBe(true);
        } else if (o.changed !== undefined && s.size > 0 && !o.changed.equals(o.old)) {
          // The old object was complete before the change (the change came with no request after it).
          expect(reports).toEqual([900]);
        }
      }),
      fcParams(10),
    );
    console.info(`object change: ${numRuns(10)} runs in ${Date.now() - started} ms`);
  });
});
