import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentResult, startAgent } from '../../adapters/agent/index.js';
import type { Observation } from '../../adapters/agent/observation.js';
import { fcParams, numRuns } from '../fc.js';
import { objectBytes, type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { verifies } from '../verifies.js';

const FLUSH = 64 * 1024;
const MAX_RUNS_PER_CASE = 12;

/** One interruption: the server cuts the next media body after `at` bytes, or the user pauses there. */
interface Interruption {
  readonly kind: 'cut' | 'pause';
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
          kind: fc.constantFrom<'cut' | 'pause'>('cut', 'pause'),
          // A cut at 0 would drop the first response before its headers: that is a 903 (DL-RET-4), not a resume.
          at: fc.integer({ min: 1, max: Math.max(1, size - 1) }),
        }),
        { maxLength: 3 },
      ),
      ...(withChange ? { changeAt: fc.integer({ min: 0, max: 3 }) } : {}),
    }),
  );

let scripted: ScriptedServer;
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
  readonly results: AgentResult[];
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
  const results: AgentResult[] = [];
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
    const run = startAgent({
      ddUrl: scripted.ddUrl(name),
      outDir: out,
      stateDir: path.join(root, 'state'),
      preConfirmed: true,
      flushEveryBytes: FLUSH,
      reconnectDelayMs: 1,
      maxReconnects: 20,
      reportRetryMs: 10,
      progressIntervalMs: 0,
      onObservation: (o) => {
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
        }
        if (o.event === 'progress') high = Math.max(high, o.received);
        if (o.event === 'progress' && pauseAt !== undefined && o.received > pauseAt && o.received < o.total) {
          pauseAt = undefined;
          pending.shift();
          interruptions++;
          setImmediate(() => run.stop('user'));
        }
      },
    });
    const result = await run.result;
    results.push(result);
    if (result.kind !== 'paused') break;
  }
  scripted.resetFaults();
  received += Math.max(0, high - start);
  return { name, old, changed, results, observations, interruptions, received, refetched, out };
}

const mediaOf = (name: string) => scripted.mediaRequests(name).filter((r) => r.method === 'GET');

describe('resume integrity on real files (real agent, loopback reference server)', () => {
  it(verifies(
    ['DL-PR-4', 'DL-PR-7', 'DL-PR-8', 'DL-PR-9', 'DL-INST-5'],
    `any object (1 B – 4 MiB), any cuts and pauses: installed byte-identical, one range per request, If-Match = first ETag, bytes ≤ size + interruptions × flush (${numRuns(15)} runs)`,
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
    console.info(`resume integrity: ${numRuns(15)} runs in ${Date.now() - started} ms`);
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
          // Changed before the first request: just the new object; else the change hit a resume (412 → 957, then 900).
          expect(reports).toEqual(s.changeAt === 0 ? [900] : [957, 900]);
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
