/**
 * The real running DLOTA agent (`adapters/agent` `startAgent`, in-process) as a {@link SystemUnderTest}:
 * each model event of a path becomes a real-world stimulus on a scripted loopback server (a fault, a
 * sidecar, a changed object, a refused report) or on the agent (`run.stop`, a confirmation answer, a new
 * run on the same state directory), and every step is checked against what the real actor did — read from
 * its XState inspection stream — plus the requests on the wire, the reports received and the files on disk.
 *
 * Some model events have no faithful real stimulus; the paths that need one are not driven and the reason
 * is listed in {@link REAL_EXCLUSIONS} (the test prints them), never silently dropped.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { EventObject, InspectionEvent } from 'xstate';
import { type AgentResult, type AgentRun, startAgent } from '../../adapters/agent/index.js';
import type { Observation } from '../../adapters/agent/observation.js';
import type { ClauseId } from '../../machines/clauses.js';
import { fixedSamples } from '../fc.js';
import { leafStates, type ModelPath, type ModelStep, type SystemUnderTest } from '../paths.js';
import { objectBytes, type ScriptedServer } from '../support/scripted-server.js';
import { MODEL_SEED } from './dlota.model.js';

/**
 * Model events (by path label, `@` where the source state matters) the real agent cannot be made to
 * receive faithfully, with the reason; a path taking one of them is listed as not driven.
 */
export const REAL_EXCLUSIONS: Readonly<Record<string, string>> = Object.freeze({
  'variant product 1': 'the agent has no productIndex option: it always fetches product 0 of the descriptor',
  'USER.CANCEL @measuringSpace':
    'the agent offers no cancel while measuring space (its cancel mode acts in paused/installing only)',
  'USER.CANCEL @confirming.asking':
    'a confirmation answer is yes/no/cannot-ask; the agent never sends USER.CANCEL while asking',
  'USER.CANCEL @retrieving.requesting':
    'the agent offers no cancel before the response headers (cancel mode acts in paused/installing only)',
  'USER.RESUME [keptComplete]':
    'a pause cannot be placed after the last durable byte and before BODY.END: both come from one write task',
  'RESTART.RECOVERED complete':
    'the staged journal comes from a run paused after its first checkpoint, so it is never complete; a complete journal needs a crash between the last checkpoint and BODY.END',
  'RESTART.RECOVERED no-ranges':
    'a journal without Accept-Ranges cannot be staged by a pause (the agent does not pause a server without ranges); adapters/agent/agent.test.ts covers it with a hand-written journal (one plain GET from 0)',
  'RESPONSE.HEADERS 206 other-etag':
    'the reference server honours If-Match (a changed object is answered 412); a 206 of another version needs a server that ignores it: adapters/agent/real-servers.test.ts drives lighttpd for that',
  'RESPONSE.HEADERS 5xx/416 @retrieving.resuming':
    'the reference server has no temporary-error or 416 fault; adapters/agent/temporary-errors.test.ts drives 503 with Retry-After, 500, 429, 416 and a refused connection on a resume against loopback servers',
  'RESPONSE.HEADERS 206 @retrieving.requesting':
    'the fresh GET carries no Range; the reference server answers 206 only to a Range',
  'BODY.END short':
    'the reference server always sends Content-Length: a short body is a CONNECTION.LOST, a long one fails at the headers',
  'BODY.DURABLE @retrieving.paused':
    'not yet staged by this runner (the flush after an abort races the pause trigger); adapters/agent/agent.test.ts drives it for real (user pause before any checkpoint: the resume Range starts at the journal offset)',
  'STORAGE.FULL': 'filling the disk of the test machine is neither cheap nor safe',
  'INSTALL.FAILED':
    'the CLI agent stores any file: its installer fails only on a short kept range, which retrieval already prevents',
  'INSTALL.RECOVERED':
    'needs an earlier run killed after its 900 was accepted; adapters/agent/exactly-once.test.ts drives it with a real agent process SIGKILLed at the install steps',
});

/** How a path step is driven for real. */
type Drive =
  /** The agent sends this event itself (possibly after a fault armed at start or by a trigger). */
  | { readonly kind: 'agent' }
  /** The model event is a new run of the agent on the same state directory (the user resumes). */
  | { readonly kind: 'newRun' };

/** A stimulus fired once, when the real actor reaches `state` (after a durable checkpoint if asked). */
interface Trigger {
  readonly state: string;
  readonly afterDurable: boolean;
  readonly fire: (sys: RealAgentSystem) => void;
  fired: boolean;
}

/** What one path needs from the world, decided from its steps before the run starts. */
export interface RealPlan {
  readonly path: ModelPath;
  /** Exclusion keys (of {@link REAL_EXCLUSIONS}) the path hits; empty when it is driven. */
  readonly excluded: readonly string[];
  readonly drives: readonly Drive[];
}

const status = (e: EventObject) => (e as { status?: number }).status;
const offsetOf = (e: EventObject) => (e as { offset?: number }).offset;
const lengthOf = (e: EventObject) => (e as { length?: number }).length;

/** Decides whether (and how) a path can be driven for real. */
export function planPath(path: ModelPath): RealPlan {
  const excluded = new Set<string>();
  if (path.variant === 'product 1') excluded.add('variant product 1');
  let before = path.initStates.join(',');
  const drives: Drive[] = [];
  for (const step of path.steps) {
    const { event } = step;
    const after = step.states.join(',');
    const at = (_type: string) => `${event.type} @${before}`;
    if (event.type === 'USER.CANCEL' && !['retrieving.paused', 'installing'].includes(before))
      excluded.add(at(event.type));
    if (event.type === 'USER.RESUME' && after === 'retrieving.requesting')
      excluded.add('USER.RESUME [keptComplete]');
    if (event.type === 'RESTART.RECOVERED') {
      // The journal comes from an earlier run paused after its first checkpoint: partial, from a ranged server.
      if ((offsetOf(event) ?? 0) >= (lengthOf(event) ?? 1)) excluded.add('RESTART.RECOVERED complete');
      else if ((event as { acceptRanges?: boolean }).acceptRanges !== true)
        excluded.add('RESTART.RECOVERED no-ranges');
    }
    if (event.type === 'RESPONSE.HEADERS' && / other-etag$/.test(step.label))
      excluded.add('RESPONSE.HEADERS 206 other-etag');
    if (
      event.type === 'RESPONSE.HEADERS' &&
      before === 'retrieving.resuming' &&
      ((status(event) ?? 0) >= 500 || status(event) === 416)
    )
      excluded.add('RESPONSE.HEADERS 5xx/416 @retrieving.resuming');
    if (event.type === 'RESPONSE.HEADERS' && status(event) === 206 && before === 'retrieving.requesting')
      excluded.add(at(event.type).replace('HEADERS', 'HEADERS 206'));
    if (event.type === 'BODY.END' && after !== 'installing') excluded.add('BODY.END short');
    if (event.type === 'STORAGE.FULL') excluded.add('STORAGE.FULL');
    if (event.type === 'BODY.DURABLE' && before === 'retrieving.paused') excluded.add(at(event.type));
    if (event.type === 'INSTALL.FAILED') excluded.add('INSTALL.FAILED');
    if (event.type === 'INSTALL.RECOVERED') excluded.add('INSTALL.RECOVERED');
    drives.push(event.type === 'USER.RESUME' ? { kind: 'newRun' } : { kind: 'agent' });
    before = after;
  }
  for (const key of excluded) if (!(key in REAL_EXCLUSIONS)) throw new Error(`no reason for ${key}`);
  return { path, excluded: [...excluded], drives };
}

/** The real object of one path: its size and the byte the server cuts at (fixed-seed samples). */
export interface RealObject {
  readonly size: number;
  readonly cut: number;
}

/**
 * Object sizes above one 64 KiB server chunk (so a throttled body can be paused or cut mid-way) and a
 * cut point inside the body.
 */
export const realObjectArb: fc.Arbitrary<RealObject> = fc
  .integer({ min: 160 * 1024, max: 384 * 1024 })
  .chain((size) => fc.integer({ min: 1, max: size - 1 }).map((cut) => ({ size, cut })));

/** One sample of {@link realObjectArb} per path index (fixed seed: the same objects on every run). */
export function realObjects(count: number): RealObject[] {
  return fixedSamples(realObjectArb, count, MODEL_SEED);
}

/** One entry of the real actor's trace: the event it processed and the leaf states after it. */
export interface TraceEntry {
  readonly run: number;
  readonly event: EventObject;
  readonly state: string;
}

const NOISE = new Set(['BODY.DURABLE']);
const WAIT_MS = 8000;
const THROTTLE = 1024 * 1024;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (polling, bounded) until `probe` returns a value other than undefined. */
async function until<T>(what: string, probe: () => T | undefined, ms = WAIT_MS): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(3);
  }
}

/** The clauses the real run of a path checks (from what its steps exercise), sorted. */
export function realClauses(path: ModelPath): ClauseId[] {
  const ids = new Set<ClauseId>(['DL-PR-8']);
  let before = path.initStates.join(',');
  for (const step of path.steps) {
    const after = step.states.join(',');
    const s = status(step.event);
    if (after === 'retrieving.requesting' && before !== after) ids.add('DL-RET-2');
    if (after === 'retrieving.resuming') for (const id of ['DL-PR-7', 'DL-PR-9'] as const) ids.add(id);
    if (after === 'retrieving.paused') ids.add('DL-PR-4');
    if (before === 'retrieving.resuming' && s === 412)
      for (const id of ['DL-PR-10', 'DL-STATUS-957'] as const) ids.add(id);
    if (before === 'retrieving.resuming' && (s === 200 || s === 206)) ids.add('DL-PR-11');
    if (step.event.type === 'CONNECTION.LOST' && after.startsWith('notifying')) ids.add('DL-RET-4');
    if (after === 'notifying.posting') ids.add('DL-NOTIFY-1');
    if (after === 'done') for (const id of ['DL-INST-5', 'DL-INST-2'] as const) ids.add(id);
    if (step.event.type === 'REPORT.FAILED') ids.add('DL-INST-12');
    before = after;
  }
  return [...ids].sort();
}

/** The real agent + scripted server behind the model path interface. */
export class RealAgentSystem implements SystemUnderTest {
  readonly trace: TraceEntry[] = [];
  readonly observations: Observation[] = [];
  readonly results: AgentResult[] = [];
  run: AgentRun | undefined;
  runResult: Promise<AgentResult> | undefined;
  #runs = 0;
  #cursor = 0;
  #triggers: Trigger[] = [];
  #plan!: RealPlan;
  #ddUrl = '';
  #options: Parameters<typeof startAgent>[0] | undefined;
  /** The ETag the range-keeping run received: the resume of a staged journal carries it (DL-PR-9). */
  #keptEtag: string | undefined;
  readonly data: Buffer;
  readonly out: string;
  readonly state: string;

  constructor(
    readonly scripted: ScriptedServer,
    /** Unique per path: the object name, and the out/state directories. */
    readonly name: string,
    readonly object: RealObject,
  ) {
    this.data = objectBytes(object.size, 1);
    this.out = path.join(scripted.root, name, 'out');
    this.state = path.join(scripted.root, name, 'state');
  }

  get faults() {
    return this.scripted.server.faults;
  }

  async start(_input: unknown, modelPath: ModelPath): Promise<void> {
    const plan = planPath(modelPath);
    if (plan.excluded.length > 0) throw new Error(`not drivable: ${plan.excluded.join('; ')}`);
    this.#plan = plan;
    const { scripted, name, object } = this;
    this.scripted.resetFaults();
    const steps = modelPath.steps;
    const labels = steps.map((s) => s.label);
    const has = (label: string) => labels.some((l) => l.startsWith(label));
    // DESCRIPTOR.*: which descriptor the agent fetches (the sidecar overrides the reference DD fields).
    const sidecar: Record<string, unknown> = { type: 'image/gif' };
    let confirm: boolean | undefined;
    const first = labels[0] ?? '';
    if (first === 'DESCRIPTOR.LOADED dd2-two-objects') sidecar.suppressUserConfirmation = 'Always';
    if (first === 'DESCRIPTOR.LOADED dd1-no-notify') sidecar.installNotifyURI = null;
    if (first === 'DESCRIPTOR.LOADED dd1-audio') sidecar.type = 'audio/mpeg';
    if (has('USER.CONFIRMED')) confirm = true;
    if (has('USER.DECLINED')) confirm = false;
    // FREE_SPACE.MEASURED short: a declared size no disk has (DL-INST-7's check is the machine's).
    if (has('FREE_SPACE.MEASURED short')) sidecar.size = 2 ** 50;
    // RESPONSE.HEADERS 200 wrong-length: the descriptor declares one byte more than the server sends.
    if (has('RESPONSE.HEADERS 200 wrong-length')) sidecar.size = object.size + 1;
    scripted.putObject(name, this.data, sidecar as never);
    this.#ddUrl = scripted.ddUrl(name);
    if (first === 'DESCRIPTOR.LOADED broken') this.#ddUrl = scripted.verbatimDd(name, '<media');
    if (first === 'DESCRIPTOR.LOADED dd1-v3') this.#ddUrl = scripted.verbatimDd(name, dd1v3(this));
    if (first === 'DESCRIPTOR.FAILED') this.#ddUrl = scripted.ddUrl(`${name}.absent`);

    const needsLongRetry = steps.some(
      (s, i) =>
        s.event.type === 'DEVICE.SHUTDOWN' && steps[i - 1]?.states.includes('notifying.waitingToRetry'),
    );
    this.#options = {
      ddUrl: this.#ddUrl,
      outDir: this.out,
      stateDir: this.state,
      preConfirmed: false,
      supportedTypes: ['image/*'],
      ...(confirm === undefined ? {} : { confirm: async () => confirm }),
      flushEveryBytes: 8 * 1024,
      maxReportAttempts: 2,
      reportRetryMs: needsLongRetry ? 20_000 : 20,
      reconnectDelayMs: 5,
      progressIntervalMs: 1000,
      ...(modelPath.variant === 'no auto-resume'
        ? { resumePolicy: { onRestart: false, onNetworkBack: false } }
        : {}),
      ...(has('USER.CANCEL') ? { mode: 'cancel' as const } : {}),
    };
    // A throttled body can be paused, shut down or cut mid-way (the server writes 64 KiB chunks).
    this.faults.bytesPerSecond = THROTTLE;
    // RESTART.RECOVERED: an earlier run kept a range (paused after a durable checkpoint).
    if (has('RESTART.RECOVERED')) await this.#keepRange();
    if (has('REPORT.FAILED')) this.faults.refuseReports = 503;
    this.#armTriggers(steps);
    this.#startRun();
  }

  /** One run that stops (user pause) after its first durable checkpoint, leaving a kept range. */
  async #keepRange(): Promise<void> {
    const options = { ...this.#options!, confirm: async () => true };
    delete (options as { resumePolicy?: unknown }).resumePolicy;
    delete (options as { mode?: unknown }).mode;
    let stopped = false;
    const run: AgentRun = startAgent({
      ...options,
      onObservation: (o) => {
        if (o.event === 'response' && o.url.includes('/media/')) this.#keptEtag ??= o.headers.etag;
      },
      inspect: (e) => {
        const event = (e as { event?: EventObject }).event;
        if (e.type !== '@xstate.snapshot' || event?.type !== 'BODY.DURABLE' || stopped) return;
        stopped = true;
        queueMicrotask(() => run.stop('user'));
      },
    });
    const result = await withTimeout(run.result, 'the range-keeping run');
    assert.equal(result.kind, 'paused', `the range-keeping run ended ${JSON.stringify(result)}`);
  }

  #armTriggers(steps: readonly ModelStep[]): void {
    let before = this.#plan.path.initStates.join(',');
    const triggers: Trigger[] = [];
    const add = (state: string, afterDurable: boolean, fire: (s: RealAgentSystem) => void) =>
      triggers.push({ state, afterDurable, fire, fired: false });
    const { size, cut } = this.object;
    for (const step of steps) {
      const { event, label } = step;
      const s = status(event);
      const stop = (reason: 'user' | 'shutdown') => () => queueMicrotask(() => this.run?.stop(reason));
      if (event.type === 'USER.PAUSE') add(before, before === 'retrieving.downloading', stop('user'));
      if (event.type === 'DEVICE.SHUTDOWN')
        add(before, before === 'retrieving.downloading', stop('shutdown'));
      if (event.type === 'CONNECTION.LOST') {
        // Before the headers the server closes the socket without a byte; in a body it cuts at `cut`.
        if (before === 'retrieving.requesting') this.faults.cutNextBodyAfter = 0;
        if (before === 'retrieving.downloading') this.faults.cutNextBodyAfter = cut;
        if (before === 'retrieving.resuming') add(before, false, (x) => (x.faults.cutNextBodyAfter = 0));
      }
      if (event.type === 'RESPONSE.HEADERS') {
        if (label === 'RESPONSE.HEADERS 200 no-ranges') this.faults.noAcceptRanges = true;
        if (s === 404 && before === 'retrieving.requesting') this.faults.missingMedia = new Set([this.name]);
        if (before === 'retrieving.resuming') {
          const change: Record<number, (x: RealAgentSystem) => void> = {
            // The object changes on the server between the kept range and the resume (same size, new ETag).
            412: (x) => x.scripted.putObject(x.name, objectBytes(size, 2)),
            404: (x) => (x.faults.missingMedia = new Set([x.name])),
            200: (x) => (x.faults.ignoreRange = true),
          };
          const misfit = /206 0-/.test(label);
          const fire =
            s === 206 && misfit
              ? (x: RealAgentSystem) => (x.faults.wrongContentRange = `bytes 0-${size - 1}/${size}`)
              : s === 206 && /gzip/.test(label)
                ? (x: RealAgentSystem) => (x.faults.contentEncoding = 'gzip')
                : change[s ?? 0];
          if (fire) add(before, false, fire);
        }
      }
      before = step.states.join(',');
    }
    this.#triggers = triggers;
  }

  #inspect = (run: number) => (e: InspectionEvent) => {
    if (e.type !== '@xstate.snapshot') return;
    const event = (e as unknown as { event: EventObject }).event;
    const snapshot = (e as unknown as { snapshot: { value: unknown } }).snapshot;
    const entry = { run, event, state: leafStates(snapshot.value).join(',') };
    this.trace.push(entry);
    const next = this.#triggers.find((t) => !t.fired);
    if (next && next.state === entry.state && (!next.afterDurable || event.type === 'BODY.DURABLE')) {
      next.fired = true;
      next.fire(this);
    }
  };

  #startRun(): void {
    const run = ++this.#runs;
    this.trace.push({ run, event: { type: '(run)' }, state: '' });
    // A later run is the user resuming (USER.RESUME): it resumes the kept range whatever the restart policy.
    const { resumePolicy: _policy, ...resumed } = this.#options!;
    this.run = startAgent({
      ...(run === 1 ? this.#options! : resumed),
      inspect: this.#inspect(run),
      onObservation: (o) => this.observations.push(o),
    });
    this.runResult = this.run.result.then((r) => {
      this.results.push(r);
      return r;
    });
  }

  async apply(_event: EventObject, _step: ModelStep, index: number): Promise<void> {
    const drive = this.#plan.drives[index];
    if (drive?.kind !== 'newRun') return;
    // The user resumes: the previous run stopped paused; a new run on the same state directory.
    const previous = await withTimeout(this.runResult!, 'the paused run to end');
    assert.equal(previous.kind, 'paused', `the run before USER.RESUME ended ${JSON.stringify(previous)}`);
    this.#startRun();
    this.#cursor = this.trace.length - 1;
  }

  async check(stateId: string, step: ModelStep | undefined, index: number): Promise<void> {
    const where = `step ${index} (${step?.label ?? 'start'})`;
    if (step === undefined) {
      const entry = await until(`${where}: the actor to start`, () => this.trace[1]);
      assert.equal(entry.state, stateId, `${where}: the real agent starts in ${entry.state}`);
      this.#cursor = 2;
      return;
    }
    const drive = this.#plan.drives[index]!;
    const found = await until(`${where}: the real agent to reach ${stateId}`, () => {
      for (let i = this.#cursor; i < this.trace.length; i++) {
        const entry = this.trace[i]!;
        if (drive.kind === 'newRun') {
          if (entry.state === stateId) return i;
          continue;
        }
        if (entry.event.type === '(run)') continue;
        const same =
          entry.event.type === step.event.type &&
          (status(step.event) === undefined || status(entry.event) === status(step.event));
        if (same) {
          assert.equal(
            entry.state,
            stateId,
            `${where}: the real agent went to ${entry.state} on ${entry.event.type}, the model to ${stateId}`,
          );
          return i;
        }
        if (!NOISE.has(entry.event.type))
          throw new Error(
            `${where}: the real agent took ${entry.event.type}${status(entry.event) ? ` ${status(entry.event)}` : ''} → ${entry.state} where the model takes ${step.label} → ${stateId}`,
          );
      }
      if (this.results.length >= this.#runs && this.#runs > 0 && drive.kind === 'agent')
        throw new Error(
          `${where}: the run ended (${JSON.stringify(this.results.at(-1))}) before ${step.label}; trace ${this.#describe()}`,
        );
      return undefined;
    });
    this.#cursor = found + 1;
    this.#checkWire(where);
    this.#checkReports(step, where);
    if (
      stateId === 'retrieving.paused' &&
      this.#options?.mode !== 'cancel' &&
      ['USER.PAUSE', 'DEVICE.SHUTDOWN', 'RESTART.RECOVERED'].includes(step.event.type)
    ) {
      // The run stops with the kept range on disk.
      const result = await withTimeout(this.runResult!, `${where}: the paused run to end`);
      assert.equal(result.kind, 'paused', `${where}: the run ended ${JSON.stringify(result)}`);
      assert.ok(
        readdirSync(this.state).some((f) => f.endsWith('.part')),
        `${where}: no kept range in the state directory`,
      );
    }
  }

  /** Requests on the wire: one range at most; a Range only with If-Match = the object's first ETag. */
  #checkWire(where: string): void {
    let first: string | undefined = this.#keptEtag;
    for (const o of this.observations) {
      if (o.event === 'response' && o.url.includes('/media/')) {
        if (o.status === 412) first = undefined;
        else if (first === undefined && o.headers.etag !== undefined) first = o.headers.etag;
      }
      if (o.event !== 'request' || !o.url.includes('/media/')) continue;
      const range = o.headers.range;
      if (range === undefined) {
        assert.equal(o.headers['if-match'], undefined, `${where}: If-Match without Range`);
        continue;
      }
      // DL-PR-8: a single bytes= range, open to the end of the object.
      assert.match(range, new RegExp(`^bytes=\\d+-${this.currentLength() - 1}$`), `${where}: Range`);
      // DL-PR-9: the ETag first received for this object.
      assert.ok(first !== undefined, `${where}: a resume before any ETag`);
      assert.equal(o.headers['if-match'], first, `${where}: If-Match`);
    }
  }

  currentLength(): number {
    return this.object.size;
  }

  #checkReports(step: ModelStep, where: string): void {
    const mine = this.scripted.server.reports.filter((r) => r.name === this.name);
    if (step.event.type === 'REPORT.FAILED')
      assert.ok(
        mine.some((r) => r.answered === 503),
        `${where}: no refused report on the server`,
      );
    if (step.event.type === 'REPORT.ACCEPTED')
      assert.ok(
        mine.some((r) => r.answered === 200),
        `${where}: no accepted report on the server`,
      );
  }

  #describe(): string {
    return this.trace
      .map((t) => `${t.event.type}${status(t.event) ? ` ${status(t.event)}` : ''}→${t.state}`)
      .join(' | ');
  }

  async stop(): Promise<void> {
    const end = this.#plan.path.steps.at(-1)?.states.join(',') ?? this.#plan.path.initStates.join(',');
    try {
      if (this.runResult) {
        const settled = await Promise.race([this.runResult, sleep(5000).then(() => undefined)]);
        if (settled === undefined) {
          this.run?.stop('shutdown');
          await withTimeout(this.runResult, 'the run to stop');
        }
      }
    } finally {
      this.scripted.resetFaults();
    }
    const installed = path.join(this.out, this.name);
    // Files on disk at the end of the path: installed byte-identical only once done; never when failed.
    if (end === 'done') {
      assert.ok(existsSync(installed), 'done but nothing installed');
      assert.ok(readFileSync(installed).equals(this.data), 'the installed file differs from the server’s');
      assert.ok(!readdirSync(this.state).some((f) => f.endsWith('.part')), 'a kept range left after done');
    }
    if (end === 'failed') assert.ok(!existsSync(installed), 'failed yet a file was installed');
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A DD 1.0 with an unsupported DDVersion and a real notify URI (the model's `dd1-v3`). */
function dd1v3(sys: RealAgentSystem): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <name>Object</name>
  <type>image/gif</type>
  <size>${sys.object.size}</size>
  <objectURI>${sys.scripted.mediaUrl(sys.name)}</objectURI>
  <DDVersion>3.0</DDVersion>
  <installNotifyURI>${sys.scripted.notifyUrl(sys.name)}</installNotifyURI>
</media>`;
}
