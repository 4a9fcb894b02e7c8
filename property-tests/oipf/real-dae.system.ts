/**
 * The REAL OIPF DAE objects as a {@link SystemUnderTest} for the `oipf-download` model paths: an in-process
 * download manager (`createDownloadManager`, one slot) drives one download against a scripted loopback
 * server that parks every request until the path says how it is answered. Each model event becomes a real
 * stimulus (a DAE call, a server answer, a freed or taken slot, or an autonomous event awaited), and every
 * step asserts that the real download is in the model's state right after the manager processed that
 * stimulus, that the Download object's state/reason, the DownloadStateChange events, the request on the
 * wire (Range, If-Match) and the files on disk agree with the model.
 *
 * The manager's verification waits at a gate until the path's TRANSFER.VERIFIED / CHECKSUM_MISMATCH /
 * VERIFY_ERROR step, so calls and pre-emptions while verifying are driven like any other (the real verification
 * is cancelled). A VERIFY_ERROR is a real storage failure: a plain file in the files directory's place.
 *
 * Paths whose events have no faithful real stimulus are not driven: {@link realDaeExclusion} names why.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { type EventObject, type InspectionEvent, initialTransition, transition } from 'xstate';
import {
  createDownloadManager,
  type DaeApplication,
  DaeDownload,
  type DownloadManagerHost,
  partialPathOf,
} from '../../adapters/oipf/index.js';
import { pattern, tempDir } from '../../adapters/oipf/test-support.js';
import {
  CADD_CONTENT_TYPE,
  canPause,
  canRemove,
  canResume,
  canUpdate,
  type DaeState,
  daeStateOf,
  type ManagedDownload,
  type OipfDownloadContext,
  oipfDownloadMachine,
  reasonOf,
} from '../../machines/oipf/index.js';
import { fixedSamples } from '../fc.js';
import { leafStates, type ModelPath, type ModelStep, modelPaths, type SystemUnderTest } from '../paths.js';

/** The payload of one real path: object size, durable cut, validator and priority (fixed-seed sample). */
export interface RealScenario {
  /** Object size in bytes (2 KiB – 24 KiB + tail). */
  readonly size: number;
  /** Bytes durably written before a TRANSFER.PROGRESS step (a multiple of {@link FLUSH_BYTES}). */
  readonly cut: number;
  readonly etag: string;
  /** Priority of the download under test (the blocker has the same, a pre-emptor one more). */
  readonly priority: number;
  /** Seed of the object bytes. */
  readonly seed: number;
}

/** Bytes between durable checkpoints of the manager under test (so a cut is reported exactly). */
export const FLUSH_BYTES = 1024;

/** Small objects with a cut on a checkpoint boundary. */
export const realScenarioArb: fc.Arbitrary<RealScenario> = fc
  .record({
    blocks: fc.integer({ min: 2, max: 24 }),
    tail: fc.integer({ min: 0, max: FLUSH_BYTES - 1 }),
    etag: fc.stringMatching(/^"[a-z0-9]{4,12}"$/),
    priority: fc.integer({ min: 0, max: 6 }),
    seed: fc.integer({ min: 0, max: 255 }),
  })
  .chain((s) =>
    fc.integer({ min: 1, max: s.blocks - 1 }).map((cutBlocks) => ({
      size: s.blocks * FLUSH_BYTES + s.tail,
      cut: cutBlocks * FLUSH_BYTES,
      etag: s.etag,
      priority: s.priority,
      seed: s.seed,
    })),
  );

/** `count` scenarios from the fixed seed (one per path, by index). */
export function realScenarios(count: number): RealScenario[] {
  return fixedSamples(realScenarioArb, count);
}

/**
 * Why a path cannot be driven on the real objects, or undefined when it can. Each rule is a model event
 * (or event sequence) the running manager has no faithful real source for.
 */
export function realDaeExclusion(path: ModelPath): string | undefined {
  const labels = path.steps.map((s) => s.label);
  const types = path.steps.map((s) => s.event.type);
  if (path.variant !== 'oipf') return 'HbbTV variant: its only paths need FDP.COMPLETED_WITH_ERRORS (below)';
  if (types.includes('FDP.COMPLETED_WITH_ERRORS'))
    return 'FDP.COMPLETED_WITH_ERRORS: no FDP broadcast delivery is in scope; nothing real emits it';
  if (types.includes('STORAGE.EXHAUSTED'))
    return 'STORAGE.EXHAUSTED: needs ENOSPC mid-write (or a scheduler storage refusal) on the test file system; not provokable in-process within the budget';
  if (labels.some((l) => /^TRANSFER\.FAILED \d+$/.test(l)))
    return 'TRANSFER.FAILED with httpStatus: adapters/oipf/transfers.ts reports every HTTP status as TRANSFER.HEADERS, so no real source sends it (the same statuses are driven by the TRANSFER.HEADERS <status> paths)';
  // The manager's scheduler gives slots to transfers only (DAE-PRIO-1 note): it never pre-empts a verifying
  // download, and resumes one whose bytes are all kept at once (it only verifies again).
  let state = path.initStates[0];
  let allKept = false;
  for (const step of path.steps) {
    const e = step.event as EventObject & { slotAvailable?: boolean };
    if (e.type === 'SCHEDULER.PREEMPT' && state === 'inProgress.verifying')
      return 'SCHEDULER.PREEMPT while verifying: the running manager never pre-empts a verifying download (it holds no transfer slot, DAE-PRIO-1 note); the download machine alone takes it';
    if (e.type === 'APP.RESUME' && e.slotAvailable === false && allKept)
      return 'APP.RESUME without a free slot of a download whose bytes are all kept: the running manager resumes it at once, since verifying again needs no transfer slot (DAE-PRIO-1 note)';
    state = step.states[0];
    if (state === 'inProgress.verifying') allKept = true;
    else if (state === 'inProgress.transferring') allKept = false;
  }
  // A transfer's headers precede its body: HEADERS after PROGRESS of the same transfer cannot happen.
  let bodySeen = false;
  for (const step of path.steps) {
    const t = step.event.type;
    if (t === 'TRANSFER.PROGRESS') bodySeen = true;
    else if (t === 'TRANSFER.HEADERS' && bodySeen)
      return 'TRANSFER.HEADERS after TRANSFER.PROGRESS of the same transfer: on the wire a response’s headers always precede its body';
    else if (t === 'TIMER.FIRED' || t === 'SCHEDULER.START' || t === 'APP.RESUME' || t === 'APP.UPDATE_URL')
      bodySeen = false;
  }
  return undefined;
}

/** Every `oipf-download` path not driven on the real DAE objects, by path name, with the reason (printed by the test). */
export function realDaeExcluded(): Readonly<Record<string, string>> {
  const set = modelPaths('oipf-download');
  if (set === undefined) throw new Error('oipf-download has no model paths');
  return Object.freeze(
    Object.fromEntries(
      set.paths.flatMap((p) => {
        const why = realDaeExclusion(p);
        return why === undefined ? [] : [[p.name, why]];
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------
// The scripted loopback server: every request is parked until the test answers it.

/** A request the scripted server holds. */
export interface ParkedRequest {
  readonly name: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly res: ServerResponse;
  /** `parked`: nothing sent; `open`: headers and part of the body sent; `done`: ended or closed. */
  phase: 'parked' | 'open' | 'done';
  /** Object offset of the next body byte to send. */
  next: number;
  /** Offset the body ends at (exclusive). */
  end: number;
}

/** One scripted loopback server for the whole file: objects and descriptors by name, every request parked. */
export class GateServer {
  readonly requests: ParkedRequest[] = [];
  readonly objects = new Map<string, Buffer>();
  readonly documents = new Map<string, string>();
  #server: Server | undefined;
  #waiters = new Set<() => void>();
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
      const parked: ParkedRequest = {
        name,
        headers: { range: req.headers.range, 'if-match': req.headers['if-match'] },
        res,
        phase: 'parked',
        next: 0,
        end: 0,
      };
      res.on('close', () => {
        parked.phase = 'done';
      });
      this.requests.push(parked);
      for (const w of this.#waiters) w();
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Waits (bounded) for the first request after index `from` that `match` accepts. */
  async nextRequest(
    from: number,
    match: (r: ParkedRequest) => boolean,
    what: string,
  ): Promise<ParkedRequest> {
    const found = () => this.requests.slice(from).find(match);
    return waitUntil(found, what, (notify) => {
      this.#waiters.add(notify);
      return () => this.#waiters.delete(notify);
    });
  }

  /** Closes every request still open (between paths). */
  reset(): void {
    for (const r of this.requests) if (r.phase !== 'done') r.res.destroy();
    this.requests.length = 0;
    this.objects.clear();
    this.documents.clear();
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => {
      this.#server?.close(() => resolve());
      this.#server?.closeAllConnections();
    });
  }
}

/** Every wait is bounded by this. */
export const WAIT_MS = 5_000;

async function waitUntil<T>(
  probe: () => T | undefined,
  what: string,
  subscribe?: (notify: () => void) => () => void,
): Promise<T> {
  const first = probe();
  if (first !== undefined) return first;
  return new Promise<T>((resolve, reject) => {
    let unsubscribe = () => {};
    const poll = setInterval(() => check(), 5);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`));
    }, WAIT_MS);
    const done = () => {
      clearInterval(poll);
      clearTimeout(timer);
      unsubscribe();
    };
    const check = () => {
      const value = probe();
      if (value === undefined) return;
      done();
      resolve(value);
    };
    if (subscribe) unsubscribe = subscribe(check);
  });
}

function head(r: ParkedRequest, status: number, headers: Record<string, string>): void {
  r.res.writeHead(status, headers);
  r.res.flushHeaders();
  r.phase = 'open';
}

function answerStatus(r: ParkedRequest, status: number): void {
  const text = `scripted ${status}\n`;
  r.res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(text.length) });
  r.res.end(text);
  r.phase = 'done';
}

// ---------------------------------------------------------------------------------------------------
// The system under test.

/** What the manager machine looked like for every download right after one event. */
interface Observed {
  readonly event: EventObject & { downloadId?: string; url?: string };
  readonly downloads: ReadonlyMap<
    string,
    { leaf: string; state: DaeState | undefined; reason: number | undefined; bytes: number; etag?: string }
  >;
  /** The Download object's state and reason read at that moment (the live DAE view). */
  readonly object: { state: number | undefined; reason: number | undefined };
}

interface ModelSnap {
  readonly value: unknown;
  readonly context: OipfDownloadContext;
  readonly status: string;
}

/** A DAE state change as the application saw it. */
export interface SeenChange {
  readonly state: number;
  readonly reason: number | undefined;
}

const APP = {
  id: 'app1',
  origin: 'tv.example',
  organisationId: 'org1',
  permissions: ['permission_downloadmanager'],
} as const;

/** The real manager + DAE objects + scripted server, driven along one `oipf-download` path. */
export class RealDaeSystem implements SystemUnderTest {
  readonly log: Observed[] = [];
  readonly seen: SeenChange[] = [];
  readonly expected: SeenChange[] = [];
  /** What the manager reported through onError (unexpected adapter errors). */
  readonly errors: unknown[] = [];
  /** Requests of the download under test (its wire), in order. */
  readonly wire: ParkedRequest[] = [];
  #cursor = 0;
  #dir = '';
  #m: DownloadManagerHost | undefined;
  #app!: DaeApplication;
  #id = '';
  #object: DaeDownload | undefined;
  #blocker: string | undefined;
  #current: ParkedRequest | undefined;
  #model!: ModelSnap;
  #prevModel!: ModelSnap;
  #actions: readonly { type: string }[] = [];
  #trigger: Observed | undefined;
  #url = '';
  #realEtag: string;
  #bytes: Buffer;
  /** Verifications of the download under test waiting at the gate, and gate openings granted in advance. */
  #gates: { readonly signal: AbortSignal; readonly open: () => void }[] = [];
  #opened = 0;

  constructor(
    private readonly server: GateServer,
    private readonly scenario: RealScenario,
    private readonly tag: string,
  ) {
    this.#bytes = pattern(scenario.size, scenario.seed);
    this.#realEtag = scenario.etag;
  }

  get #objName(): string {
    return `obj-${this.tag}.bin`;
  }

  async start(input: unknown, path: ModelPath): Promise<void> {
    const [snap] = initialTransition(oipfDownloadMachine, input as never);
    this.#model = snap as unknown as ModelSnap;
    this.#prevModel = this.#model;
    this.#dir = await tempDir('dlstate-realdae-');
    const s = this.server;
    s.objects.set(this.#objName, this.#bytes);
    s.objects.set(`mirror-${this.tag}.bin`, this.#bytes);
    this.#m = await createDownloadManager({
      dir: this.#dir,
      maxActive: 1,
      capacityBytes: 64 * 1024 * 1024,
      flushEveryBytes: FLUSH_BYTES,
      timerScale: 0.02,
      fetchOptions: { bodyTimeoutMs: 2_000, headersTimeoutMs: 4_000, connectTimeoutMs: 2_000 },
      inspect: (e) => this.#inspect(e),
      verifyGate: (id, signal) => this.#gate(id, signal),
      onError: (error) => this.errors.push(error),
    });
    this.#app = this.#m.application(APP);
    this.#app.downloadManager.addEventListener('DownloadStateChange', (ev) => {
      const e = ev as unknown as { item: DaeDownload; state: number; reason: number | undefined };
      if (DaeDownload.idOf(e.item) === this.#id && this.#id !== '')
        this.seen.push({ state: e.state, reason: e.reason });
    });
    const types = path.steps.map((st) => st.event.type);
    const mismatch = types.includes('TRANSFER.CHECKSUM_MISMATCH');
    // The model's input knows the total size; a real download knows it only from a CADD's TotalSize, which
    // the size check of a 206 needs (registerDownloadURL carries no size).
    const sized = mismatch || path.steps.some((st) => st.label.includes('other-size'));
    const mode = types.some((t) => t.startsWith('DESCRIPTOR.')) ? 'cadd-url' : sized ? 'cadd-inline' : 'url';
    const priority = mode === 'cadd-inline' ? 0 : this.scenario.priority;
    // The blocker holds the one slot so the download under test starts queued (16), like the model.
    this.#blocker = await this.#registerOther('blk0', priority);
    const trigger = this.#app.downloadTrigger;
    this.#url = `${s.url}/${this.#objName}`;
    let id: string | undefined;
    const mark = s.requests.length;
    if (mode === 'url') id = trigger.registerDownloadURL(this.#url, 'video/mp4', null, priority);
    else if (mode === 'cadd-inline') {
      // With TotalSize, and for a mismatch a checksum that cannot match the object (sha256 of something else).
      id = trigger.registerDownload(
        caddXml(this.#url, this.scenario.size, mismatch ? '00'.repeat(32) : undefined),
      );
    } else {
      s.documents.set(`cadd-${this.tag}.xml`, caddXml(this.#url, this.scenario.size, undefined));
      id = trigger.registerDownloadURL(`${s.url}/cadd-${this.tag}.xml`, CADD_CONTENT_TYPE, null, priority);
    }
    assert.ok(id !== undefined, 'registration refused');
    this.#id = id;
    this.#object = this.#app.downloadManager.downloadFor(id);
    // The registration itself notified 16 before the id was known here: it is counted from the log.
    this.#trigger = await this.#until(
      (o) => o.event.type === 'APP.REGISTER' && o.event.downloadId === id,
      'registration',
    );
    if (mode === 'cadd-url')
      this.#current = await s.nextRequest(mark, (r) => r.name === `cadd-${this.tag}.xml`, 'the CADD fetch');
  }

  /** The manager's verification gate: only the download under test waits, until its result step opens it. */
  #gate(id: string, signal: AbortSignal): Promise<void> {
    if (id !== this.#id) return Promise.resolve();
    if (this.#opened > 0) {
      this.#opened -= 1;
      return Promise.resolve();
    }
    return new Promise((open) => this.#gates.push({ signal, open }));
  }

  /** Lets the running (not cancelled) verification of the download under test go on, or the next one. */
  #releaseVerification(): void {
    this.#gates = this.#gates.filter((g) => !g.signal.aborted);
    const gate = this.#gates.shift();
    if (gate === undefined) this.#opened += 1;
    else gate.open();
  }

  async #registerOther(label: string, priority: number): Promise<string> {
    const name = `${label}-${this.tag}.bin`;
    this.server.objects.set(name, pattern(FLUSH_BYTES, 1));
    const mark = this.server.requests.length;
    const id = this.#app.downloadTrigger.registerDownloadURL(
      `${this.server.url}/${name}`,
      'video/mp4',
      null,
      priority,
    );
    assert.ok(id !== undefined, `${label} refused`);
    // It holds the slot while its request is parked; wait for the request so the slot is really taken.
    await this.server.nextRequest(mark, (r) => r.name === name, `${label}'s request`);
    return id;
  }

  #inspect(e: InspectionEvent): void {
    if (e.type !== '@xstate.snapshot' || this.#m === undefined) return;
    const snapshot = (e as unknown as { snapshot: { context: { downloads: Iterable<ManagedDownload> } } })
      .snapshot;
    const downloads = new Map<
      string,
      { leaf: string; state: DaeState | undefined; reason: number | undefined; bytes: number; etag?: string }
    >();
    for (const d of snapshot.context?.downloads ?? []) {
      downloads.set(d.id, {
        leaf: leafStates(d.value).join(','),
        state: daeStateOf(d),
        reason: reasonOf(d),
        bytes: d.context.bytesReceived,
        ...(d.context.etag !== undefined ? { etag: d.context.etag } : {}),
      });
    }
    this.log.push({
      event: (e as unknown as { event: Observed['event'] }).event,
      downloads,
      object: { state: this.#object?.state, reason: this.#object?.reason },
    });
  }

  async #until(match: (o: Observed) => boolean, what: string): Promise<Observed> {
    const found = await waitUntil(() => {
      const i = this.log.findIndex((o, k) => k >= this.#cursor && match(o));
      return i < 0 ? undefined : i;
    }, what);
    this.#cursor = found + 1;
    return this.log[found]!;
  }

  #mine = (type: string) => (o: Observed) => o.event.type === type && o.event.downloadId === this.#id;

  #parked(what: string): ParkedRequest {
    const r = this.#current;
    if (r === undefined || r.phase !== 'parked')
      throw new Error(`${what}: no parked request of the download (mapping)`);
    return r;
  }

  #from(r: ParkedRequest): number {
    const m = /^bytes=(\d+)-$/.exec(r.headers.range ?? '');
    return m ? Number(m[1]) : 0;
  }

  /** Sends 200/206 headers for the rest of the object on a parked request. */
  #openBody(r: ParkedRequest, etag = this.#realEtag): void {
    const from = this.#from(r);
    const size = this.#bytes.length;
    r.next = from;
    r.end = size;
    if (from === 0) head(r, 200, { etag, 'content-length': String(size), 'accept-ranges': 'bytes' });
    else
      head(r, 206, {
        etag,
        'content-range': `bytes ${from}-${size - 1}/${size}`,
        'content-length': String(size - from),
      });
  }

  #send(r: ParkedRequest, upTo: number, end: boolean): void {
    if (upTo > r.next) r.res.write(this.#bytes.subarray(r.next, upTo));
    r.next = Math.max(r.next, upTo);
    if (end) {
      r.res.end();
      r.phase = 'done';
    }
  }

  async #ensureSlot(free: boolean): Promise<void> {
    if (free && this.#blocker !== undefined) {
      assert.equal(this.#app.downloadManager.remove(this.#object_of(this.#blocker)), true);
      this.#blocker = undefined;
    } else if (!free && this.#blocker === undefined) {
      this.#blocker = await this.#registerOther(`blk${this.log.length}`, this.#object?.priority ?? 0);
    }
  }

  #object_of(id: string): DaeDownload {
    return this.#app.downloadManager.downloadFor(id);
  }

  async apply(event: EventObject, step: ModelStep, index: number): Promise<void> {
    const [next, actions] = transition(oipfDownloadMachine, this.#model as never, event as never);
    this.#prevModel = this.#model;
    this.#model = next as unknown as ModelSnap;
    this.#actions = actions as { type: string }[];
    const before = daeStateOf(this.#prevModel);
    const after = daeStateOf(this.#model);
    if (after !== undefined && after !== before)
      this.expected.push({ state: after, reason: reasonOf(this.#model) });
    const mark = this.server.requests.length;
    const s = this.server;
    const e = event as EventObject & {
      status?: number;
      etag?: string;
      totalSize?: number;
      bytesDurable?: number;
      kind?: string;
      slotAvailable?: boolean;
    };
    const dm = this.#app.downloadManager;
    const ours = this.#object!;
    const toTop = step.states[0]?.split('.')[0];
    switch (event.type) {
      case 'SCHEDULER.START': {
        const blocker = this.#blocker;
        assert.ok(blocker !== undefined, 'SCHEDULER.START needs a taken slot to free');
        await this.#ensureSlot(true);
        this.#trigger = await this.#until(
          (o) => o.event.type === 'APP.REMOVE' && o.event.downloadId === blocker,
          'slot freed',
        );
        break;
      }
      case 'SCHEDULER.PREEMPT': {
        const name = `pre${index}-${this.tag}.bin`;
        s.objects.set(name, pattern(FLUSH_BYTES, 2));
        const id = this.#app.downloadTrigger.registerDownloadURL(
          `${s.url}/${name}`,
          'video/mp4',
          null,
          (ours.priority ?? 0) + 1,
        );
        assert.ok(id !== undefined);
        this.#trigger = await this.#until(
          (o) => o.event.type === 'APP.REGISTER' && o.event.downloadId === id,
          'pre-emptor registered',
        );
        this.#blocker = id;
        break;
      }
      case 'APP.PAUSE':
      case 'APP.RESUME':
      case 'APP.UPDATE_URL':
      case 'APP.REMOVE': {
        if (event.type === 'APP.RESUME' || event.type === 'APP.UPDATE_URL') {
          if (toTop === 'inProgress' && e.slotAvailable) await this.#ensureSlot(true);
          if (toTop === 'queued') await this.#ensureSlot(false);
        }
        const state = daeStateOf(this.#prevModel);
        let got: boolean | undefined;
        let want: boolean;
        if (event.type === 'APP.PAUSE') {
          want = canPause(state);
          got = dm.pause?.(ours);
        } else if (event.type === 'APP.RESUME') {
          want = canResume(state);
          got = dm.resume?.(ours);
        } else if (event.type === 'APP.UPDATE_URL') {
          want = canUpdate(state);
          this.#url = `${s.url}/mirror-${this.tag}.bin`;
          got = dm.updateRegisteredDownload?.(ours, this.#url);
        } else {
          want = canRemove(state);
          got = dm.remove(ours);
        }
        assert.equal(got, want, `${event.type} returned ${got}, the model says ${want}`);
        this.#trigger = await this.#until(this.#mine(event.type), event.type);
        break;
      }
      case 'DESCRIPTOR.PARSED':
      case 'DESCRIPTOR.REJECTED': {
        const r = this.#parked(event.type);
        const doc = event.type === 'DESCRIPTOR.PARSED' ? (s.documents.get(r.name) ?? '') : '<notACadd/>';
        r.res.writeHead(200, {
          'content-type': CADD_CONTENT_TYPE,
          'content-length': String(Buffer.byteLength(doc)),
        });
        r.res.end(doc);
        r.phase = 'done';
        this.#current = undefined;
        this.#trigger = await this.#until(this.#mine(event.type), event.type);
        break;
      }
      case 'TRANSFER.HEADERS': {
        const r = this.#parked(step.label);
        const status = e.status ?? 0;
        const from = this.#from(r);
        const size = this.#bytes.length;
        if (status === 200) {
          // '200 other-etag': the object changed on the server since the ETag was recorded.
          if (
            e.etag !== undefined &&
            e.etag !== this.#prevModel.context.etag &&
            this.#prevModel.context.etag !== undefined
          )
            this.#realEtag = e.etag;
          else if (e.etag === '"changed"') this.#realEtag = e.etag;
          r.next = 0;
          r.end = size;
          head(r, 200, { etag: this.#realEtag, 'content-length': String(size) });
        } else if (status === 206) {
          // '206 other-size': a Content-Range total that differs from the known size.
          const known = this.#prevModel.context.totalSize;
          const realTotal =
            e.totalSize !== undefined && known !== undefined && e.totalSize !== known ? size + 1 : size;
          r.next = from;
          r.end = realTotal;
          head(r, 206, {
            etag: this.#realEtag,
            'content-range': `bytes ${from}-${realTotal - 1}/${realTotal}`,
            'content-length': String(realTotal - from),
          });
        } else {
          answerStatus(r, status);
          this.#current = undefined;
        }
        this.#trigger = await this.#until(this.#mine('TRANSFER.HEADERS'), step.label);
        break;
      }
      case 'TRANSFER.PROGRESS': {
        const r = this.#current;
        assert.ok(
          r !== undefined && r.phase !== 'done',
          'TRANSFER.PROGRESS needs an open transfer (mapping)',
        );
        if (r.phase === 'parked') this.#openBody(r);
        const target = Math.max(this.scenario.cut, r.next + FLUSH_BYTES - (r.next % FLUSH_BYTES));
        this.#send(r, Math.min(target, this.#bytes.length - 1), false);
        this.#trigger = await this.#until(this.#mine('TRANSFER.PROGRESS'), step.label);
        break;
      }
      case 'TRANSFER.COMPLETE': {
        const r = this.#current;
        assert.ok(
          r !== undefined && r.phase !== 'done',
          'TRANSFER.COMPLETE needs an open transfer (mapping)',
        );
        const short = e.bytesDurable !== undefined && e.bytesDurable !== this.#prevModel.context.totalSize;
        if (short && r.phase === 'parked') {
          // A short 206: the server declares the full size but sends only the first `cut` bytes, then ends.
          const size = this.#bytes.length;
          const cut = this.scenario.cut;
          r.next = 0;
          head(r, 206, {
            etag: this.#realEtag,
            'content-range': `bytes 0-${cut - 1}/${size}`,
            'content-length': String(cut),
          });
          this.#send(r, cut, true);
        } else {
          if (r.phase === 'parked') this.#openBody(r);
          this.#send(r, this.#bytes.length, true);
        }
        this.#current = undefined;
        this.#trigger = await this.#until(this.#mine('TRANSFER.COMPLETE'), step.label);
        break;
      }
      case 'TRANSFER.VERIFIED':
      case 'TRANSFER.CHECKSUM_MISMATCH':
        this.#releaseVerification();
        this.#trigger = await this.#until(this.#mine(event.type), event.type);
        break;
      case 'TRANSFER.VERIFY_ERROR': {
        // A real storage failure: a plain file takes the files directory's path, so keeping the content fails.
        const files = path.join(this.#dir, 'files');
        const aside = `${files}.aside`;
        const moved = await fs.rename(files, aside).then(
          () => true,
          () => false,
        );
        await fs.writeFile(files, '');
        const reported = this.errors.length;
        try {
          this.#releaseVerification();
          this.#trigger = await this.#until(this.#mine(event.type), event.type);
        } finally {
          await fs.rm(files, { force: true });
          if (moved) await fs.rename(aside, files);
        }
        assert.ok(
          this.errors.length > reported,
          'a verification storage failure is reported through onError',
        );
        break;
      }
      case 'TIMER.FIRED':
        this.#trigger = await this.#until(this.#mine(event.type), event.type);
        break;
      case 'TRANSFER.FAILED': {
        const r = this.#current;
        assert.ok(r !== undefined && r.phase !== 'done', 'TRANSFER.FAILED needs a transfer (mapping)');
        if (e.kind === 'transient') r.res.destroy();
        else {
          // A 206 whose Content-Range does not start at the requested byte: unusable → permanent.
          const from = this.#from(r);
          const size = this.#bytes.length;
          head(r, 206, {
            etag: this.#realEtag,
            'content-range': `bytes ${from + 1}-${size - 1}/${size}`,
            'content-length': String(size - from - 1),
          });
        }
        this.#current = undefined;
        this.#trigger = await this.#until(this.#mine('TRANSFER.FAILED'), step.label);
        break;
      }
      default:
        throw new Error(`no real stimulus for ${step.label}`);
    }
    // The model requested a transfer: the real one must reach the wire, from the last durable byte.
    if (this.#actions.some((a) => a.type === 'startTransfer')) {
      const names = [this.#objName, `mirror-${this.tag}.bin`];
      const r = await s.nextRequest(
        mark,
        (q) => names.includes(q.name),
        `the transfer request (${step.label})`,
      );
      this.#current = r;
      this.wire.push(r);
      this.#checkWire(r);
    } else if (this.#actions.some((a) => a.type === 'stopTransfer')) {
      this.#current = undefined;
    }
  }

  /** Range from the real durable offset iff the model keeps bytes; If-Match the real ETag iff the model knows one. */
  #checkWire(r: ParkedRequest): void {
    const mine = this.#trigger?.downloads.get(this.#id);
    const model = this.#model.context;
    const url = `${this.server.url}/${r.name}`;
    assert.equal(
      url,
      this.#m!.context().downloads.get(this.#id)?.context.url,
      'request URL is the current one',
    );
    if (model.bytesReceived > 0)
      assert.equal(r.headers.range, `bytes=${mine?.bytes}-`, 'Range from the last durable byte');
    else assert.equal(r.headers.range, undefined, 'no Range without kept bytes');
    if (model.etag !== undefined)
      assert.equal(r.headers['if-match'], mine?.etag, 'If-Match = the known ETag');
    else assert.equal(r.headers['if-match'], undefined, 'no If-Match without a known ETag');
  }

  async check(stateId: string, step: ModelStep | undefined, index: number): Promise<void> {
    const where = `step ${index} (${step?.label ?? 'start'})`;
    const t = this.#trigger!;
    const mine = t.downloads.get(this.#id);
    const model = this.#model;
    const state = daeStateOf(model);
    const reason = reasonOf(model);
    // 1. The real machine state right after the stimulus was processed.
    if (stateId === 'removed') assert.equal(mine, undefined, `${where}: the download is still listed`);
    else assert.equal(mine?.leaf, stateId, `${where}: real state`);
    // 2. The Download object at that moment (now, for the registration): state, and reason only with 8.
    const object = index < 0 ? { state: this.#object!.state, reason: this.#object!.reason } : t.object;
    assert.equal(object.state, state, `${where}: Download.state`);
    assert.equal(object.reason, reason, `${where}: Download.reason`);
    if (state !== 8) assert.equal(object.reason, undefined);
    // 3. Events: one per DAE state change, in order (let the notification task run first).
    await new Promise((r) => setTimeout(r, 0));
    const expected = [{ state: 16, reason: undefined }, ...this.expected];
    assert.deepEqual(this.seen.slice(0, expected.length), expected, `${where}: DownloadStateChange events`);
    // A verifying download is held at the gate, so it is settled too.
    const settled = !['stalled.waiting', 'stalled.retrying'].includes(stateId);
    if (settled) {
      assert.equal(
        this.seen.length,
        expected.length,
        `${where}: an extra DownloadStateChange ${JSON.stringify(this.seen.slice(expected.length))}`,
      );
      assert.equal(this.#object!.state, state, `${where}: Download.state now`);
      assert.equal(this.#object!.reason, reason, `${where}: Download.reason now`);
    }
    // 4. Files on disk.
    const partial = partialPathOf(path.join(this.#dir, 'partial'), this.#id);
    if (stateId === 'removed') {
      await waitFileGone(partial, `${where}: partial data deleted`);
      const files = await fs.readdir(path.join(this.#dir, 'files')).catch(() => [] as string[]);
      assert.deepEqual(
        files.filter((f) => f.startsWith(`${this.#id}-`)),
        [],
        `${where}: content deleted`,
      );
    }
    if (stateId === 'completed') {
      // Every transfer on the wire was one the model asked for (a resume while verifying asks for none).
      const names = [this.#objName, `mirror-${this.tag}.bin`];
      assert.equal(
        this.server.requests.filter((r) => names.includes(r.name)).length,
        this.wire.length,
        `${where}: object requests the model did not ask for`,
      );
      const file = this.#m!.metaOf(this.#id)?.filePath;
      assert.ok(file !== undefined, `${where}: no completed file`);
      assert.ok(
        (await fs.readFile(file)).equals(this.#bytes),
        `${where}: completed file differs from the object`,
      );
    }
  }

  async stop(): Promise<void> {
    await this.#m?.close();
    assert.deepEqual(this.#m?.mismatches ?? [], [], 'decided return values disagree with the machine');
    await fs.rm(this.#dir, { recursive: true, force: true });
  }
}

async function waitFileGone(file: string, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const exists = await fs.stat(file).then(
      () => true,
      () => false,
    );
    if (!exists) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function caddXml(url: string, size: number, sha256: string | undefined): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ContentAccessDownloadDescriptor xmlns="urn:oipf:iptv:ContentAccessDownloadDescriptor:2008-1">
  <ContentItem>
    <ContentURL>${url}</ContentURL>
    <Title>model path object</Title>
    <TotalSize>${size}</TotalSize>
    ${sha256 === undefined ? '' : `<Checksum algorithm="SHA-256">${sha256}</Checksum>`}
  </ContentItem>
</ContentAccessDownloadDescriptor>`;
}
