/**
 * The DAE API property: random sequences of register / pause / resume / remove / updateRegisteredDownload /
 * reserve / createFilteredList / getDownloads from three applications (different origins, organisations
 * and permissions), interleaved with waits and server faults (cut connection, object missing, object
 * changed), run against the REAL running manager (adapters/oipf) and the reference server on 127.0.0.1:0,
 * and checked against the small independent model of dae-api.model.ts.
 *
 * Downloads move on their own (throttled transfers, pre-emption, stalls), so a command reads the state
 * the manager shows and calls the method in the same synchronous block: nothing can happen in between.
 * Every state read is also kept as the "observed history" the notifications are compared against.
 *
 * `FC_SEED` (default 20261123) fixes the runs and is printed on failure with the shrunk command log;
 * `FC_NUM_RUNS` scales them (default 40, about 20 s); `DAE_PROP_LOG=1` prints every run's log.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  type ApplicationInfo,
  createDownloadManager,
  type DaeApplication,
  DaeDownload,
  DOWNLOAD_PROPERTIES,
  type DownloadCollection,
  type DownloadManagerHost,
} from '../../adapters/oipf/index.js';
import { pattern, tempDir } from '../../adapters/oipf/test-support.js';
import { type DownloadServer, startDownloadServer } from '../../adapters/server/server.js';
import { fcParams, numRuns } from '../fc.js';
import { verifies } from '../verifies.js';
import {
  applyReserve,
  type CallRule,
  type DaeModel,
  expectedFiltered,
  expectedGetAll,
  expectedGetOne,
  type Heard,
  hasReservedMb,
  historyProblems,
  inScope,
  live,
  type ModelApp,
  type ModelDownload,
  newModel,
  pauseRule,
  R,
  removeRule,
  reserveOutcomes,
  resumeRule,
  S,
  type Scope,
  sortIds,
  updateRule,
} from './dae-api.model.js';

const KiB = 1024;
/** Default runs: about 1–2 s each on 2 cores, so the test stays well under 45 s. */
const DEFAULT_RUNS = 40;
const MAX_COMMANDS = 36;
/** A media name the server never has (404 → 8, reason 2). */
const GONE = 'gone.bin';
const PERMISSION: Readonly<Record<Scope, ApplicationInfo['permissions'][number]>> = {
  own: 'permission_downloadmanager',
  samedomain: 'permission_downloadmanager_samedomain',
  all: 'permission_downloadmanager_all',
};

// ─── the run's world ─────────────────────────────────────────────────────────────────────────────

/** What the generator decides per run, besides the commands. */
interface World {
  /** The permission scopes of app1, app2, app3 (a permutation: every run has all three). */
  readonly scopes: readonly [Scope, Scope, Scope];
  /** app2 shares app1's FQDN (samedomain matters) or has its own. */
  readonly app2Origin: 'a.example' | 'c.example';
  /** Sizes of the media objects f0.bin … (a few KiB – 256 KiB). */
  readonly sizes: readonly number[];
  readonly bytesPerSecond: number;
  readonly capacityBytes: number;
  /** Transfer slots: 1 makes queued (16) and pre-emption common. */
  readonly maxActive: number;
  /** Scales the stalled back-off (1 s, 2 s, …): stalls last tens to hundreds of ms. */
  readonly timerScale: number;
}

const worldArb: fc.Arbitrary<World> = fc.record({
  scopes: fc.constantFrom<[Scope, Scope, Scope]>(
    ['own', 'samedomain', 'all'],
    ['own', 'all', 'samedomain'],
    ['samedomain', 'own', 'all'],
    ['samedomain', 'all', 'own'],
    ['all', 'own', 'samedomain'],
    ['all', 'samedomain', 'own'],
  ),
  app2Origin: fc.constantFrom('a.example' as const, 'c.example' as const),
  sizes: fc.array(fc.integer({ min: 4 * KiB, max: 256 * KiB }), { minLength: 2, maxLength: 4 }),
  bytesPerSecond: fc.constantFrom(256 * KiB, 512 * KiB, 1024 * KiB),
  capacityBytes: fc.constantFrom(512 * KiB, 1024 * KiB, 2048 * KiB),
  maxActive: fc.constantFrom(1, 2),
  timerScale: fc.constantFrom(0.02, 0.1),
});

function modelApps(world: World): ModelApp[] {
  const orgOf = (origin: string) => `org-${origin.split('.')[0]}`;
  const origins = ['a.example', world.app2Origin, 'b.example'];
  return origins.map((origin, i) => ({
    name: `app${i + 1}`,
    id: `app${i + 1}`,
    origin,
    orgId: orgOf(origin),
    scope: world.scopes[i] as Scope,
  }));
}

/** The real system of one run, plus everything observed of it. */
interface Env {
  readonly m: DownloadManagerHost;
  readonly s: DownloadServer;
  readonly srvDir: string;
  readonly home: string;
  readonly files: readonly string[];
  readonly apps: ReadonlyMap<string, DaeApplication>;
  /** Per application, per download: onDownloadStateChange calls and DownloadStateChange DOM events. */
  readonly heardCb: Map<string, Map<string, Heard[]>>;
  readonly heardDom: Map<string, Map<string, Heard[]>>;
  /** Every state change the host reported (no scope), per download. */
  readonly heardHost: Map<string, Heard[]>;
  /** Every state seen when reading the manager, per download. */
  readonly observed: Map<string, number[]>;
  /** Notifications heard per (app, download) when the download was removed: nothing may follow. */
  readonly heardAtRemoval: Map<string, number>;
  readonly log: string[];
  /** Violations noticed in callbacks (reported by the next command). */
  readonly problems: string[];
  model: DaeModel;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

async function startEnv(world: World): Promise<Env> {
  const srvDir = await tempDir('dlstate-dae-prop-srv-');
  const home = await tempDir('dlstate-dae-prop-');
  const files = world.sizes.map((_, i) => `f${i}.bin`);
  await Promise.all(files.map((f, i) => fs.writeFile(path.join(srvDir, f), pattern(world.sizes[i]!, i))));
  const s = await startDownloadServer({
    dir: srvDir,
    faults: { bytesPerSecond: world.bytesPerSecond, missing: new Set() },
  });
  const m = await createDownloadManager({
    dir: home,
    capacityBytes: world.capacityBytes,
    maxActive: world.maxActive,
    flushEveryBytes: 16 * KiB,
    // A cut connection stalls (32), then recovers or fails within a run.
    timerScale: world.timerScale,
    fetchOptions: { bodyTimeoutMs: 2000 },
  });
  const apps = modelApps(world);
  const env: Env = {
    m,
    s,
    srvDir,
    home,
    files: [...files, GONE],
    apps: new Map(),
    heardCb: new Map(),
    heardDom: new Map(),
    heardHost: new Map(),
    observed: new Map(),
    heardAtRemoval: new Map(),
    log: [],
    problems: [],
    model: newModel(apps, world.capacityBytes),
  };
  const appMap = env.apps as Map<string, DaeApplication>;
  for (const app of apps) {
    const dae = m.application({
      id: app.id,
      origin: app.origin,
      organisationId: app.orgId,
      permissions: [PERMISSION[app.scope]],
    });
    appMap.set(app.name, dae);
    const cb = new Map<string, Heard[]>();
    const dom = new Map<string, Heard[]>();
    env.heardCb.set(app.name, cb);
    env.heardDom.set(app.name, dom);
    const own = (item: unknown, channel: string) => {
      const id = DaeDownload.idOf(item);
      if (id === undefined || item !== dae.downloadManager.downloadFor(id))
        env.problems.push(`${app.name} ${channel}: item is not its Download object for ${String(id)}`);
      return id ?? '?';
    };
    dae.downloadManager.onDownloadStateChange = (item, state, reason) =>
      push(cb, own(item, 'onDownloadStateChange'), { state, reason });
    dae.downloadManager.addEventListener('DownloadStateChange', (event) => {
      const e = event as Event & { item: unknown; state: number; reason: number | undefined };
      if (e.bubbles || e.cancelable) env.problems.push(`${app.name}: event bubbles or is cancellable`);
      push(dom, own(e.item, 'DownloadStateChange'), { state: e.state, reason: e.reason });
    });
  }
  m.onStateChange((change) => {
    push(env.heardHost, change.id, { state: change.state, reason: change.reason });
    observe(env);
  });
  return env;
}

async function closeEnv(env: Env): Promise<void> {
  await env.m.close().catch(() => {});
  await env.s.close().catch(() => {});
  await fs.rm(env.home, { recursive: true, force: true });
  await fs.rm(env.srvDir, { recursive: true, force: true });
}

// ─── observation and invariants ──────────────────────────────────────────────────────────────────

function fail(env: Env, message: string): never {
  throw new Error(`${message}\n--- command log ---\n${env.log.join('\n')}`);
}

function stateNow(env: Env, id: string): number | undefined {
  return env.m.views().find((v) => v.id === id)?.state;
}

/**
 * Reads every download's state (the observed history) and checks what must hold at every instant:
 * the manager holds exactly the model's live downloads, and storage is never over-committed —
 * an organisation's downloads hold no more than its reservation, and reservations plus what the
 * others hold fit the capacity (DAE-RESERVE-5).
 */
function observe(env: Env): void {
  const { m, model } = env;
  const views = m.views();
  for (const v of views) push(env.observed, v.id, v.state);
  const liveIds = sortIds(live(model).map((d) => d.id));
  const viewIds = sortIds(views.map((v) => v.id));
  // Registration adds to the model in the same synchronous block, before any notification can run.
  if (liveIds.join() !== viewIds.join())
    env.problems.push(`manager holds [${viewIds.join()}], model [${liveIds.join()}]`);
  const held = new Map<string, number>();
  for (const v of views) {
    const bytes = Math.max(v.amountDownloaded, m.liveBytes(v.id) ?? 0);
    held.set(v.orgId, (held.get(v.orgId) ?? 0) + bytes);
  }
  let committed = 0;
  const orgs = new Set([...held.keys(), ...model.reservations.keys()]);
  for (const org of orgs) {
    const h = held.get(org) ?? 0;
    const reserved = model.reservations.get(org);
    if (reserved !== undefined && h > reserved)
      env.problems.push(`storage: ${org} holds ${h} B beyond its reservation of ${reserved} B`);
    committed += Math.max(h, reserved ?? 0);
  }
  if (committed > model.capacityBytes)
    env.problems.push(`storage: ${committed} B committed beyond the capacity of ${model.capacityBytes} B`);
}

/** Lets the microtask that dispatches notifications run, then observes. */
async function settle(env: Env): Promise<void> {
  for (let i = 0; i < 2; i += 1) await new Promise((r) => setImmediate(r));
  observe(env);
}

function idsOf(collection: DownloadCollection | null | undefined): string[] | null {
  if (collection === null || collection === undefined) return null;
  return sortIds(Array.from({ length: collection.length }, (_, i) => collection.item(i)?.id ?? '?'));
}

/** After every command: problems from callbacks, scopes of getDownloads, reasons, removed objects. */
function checkInvariants(env: Env): void {
  if (env.problems.length > 0) fail(env, env.problems.join('\n'));
  for (const app of env.model.apps) {
    const dae = env.apps.get(app.name)!;
    // DAE-GET-3: getDownloads() is exactly the caller's scope.
    const got = idsOf(dae.downloadManager.getDownloads!());
    const want = expectedGetAll(env.model, app);
    if (got?.join() !== want.join())
      fail(env, `${app.name}.getDownloads() = [${String(got)}], the model says [${want.join()}]`);
    for (const d of env.model.downloads) {
      const object = dae.downloadManager.downloadFor(d.id);
      if (d.removed) {
        // DAE-REMOVE-2: every property of a removed download is undefined, for every application.
        const defined = DOWNLOAD_PROPERTIES.filter((p) => object[p] !== undefined);
        if (defined.length > 0) fail(env, `${app.name}: removed d${d.id} still has ${defined.join(', ')}`);
      } else if ((object.state === S.FAILED) !== (object.reason !== undefined)) {
        // DAE-STATE-2: reason only with state 8.
        fail(env, `${app.name}: d${d.id} state ${object.state} reason ${String(object.reason)}`);
      }
    }
  }
}

/** The end of a run: each download's notifications against its observed history, for every application. */
function checkNotifications(env: Env): void {
  for (const d of env.model.downloads) {
    const host = env.heardHost.get(d.id) ?? [];
    const current = d.removed ? undefined : stateNow(env, d.id);
    const problems = historyProblems(host, env.observed.get(d.id) ?? [], current);
    if (problems.length > 0) fail(env, `d${d.id} notifications: ${problems.join('; ')}`);
    const line = (hs: readonly Heard[]) =>
      hs.map((h) => `${h.state}${h.reason === undefined ? '' : `:${h.reason}`}`).join(' ');
    for (const app of env.model.apps) {
      const want = inScope(app, d) ? line(host) : '';
      for (const [channel, heard] of [
        ['onDownloadStateChange', env.heardCb],
        ['DownloadStateChange', env.heardDom],
      ] as const) {
        const got = heard.get(app.name)?.get(d.id) ?? [];
        // DAE-EVT-1/2: one call and one DOM event per state change, to exactly the applications in scope.
        if (line(got) !== want)
          fail(env, `${app.name} ${channel} for d${d.id}: [${line(got)}], expected [${want}]`);
        const atRemoval = env.heardAtRemoval.get(`${app.name}/${d.id}`);
        if (atRemoval !== undefined && got.length > atRemoval)
          fail(env, `${app.name} heard d${d.id} after its removal: [${line(got.slice(atRemoval))}]`);
      }
    }
  }
  if (env.m.mismatches.length > 0)
    fail(env, `decided values the machine disagreed with: ${JSON.stringify(env.m.mismatches)}`);
}

// ─── commands ────────────────────────────────────────────────────────────────────────────────────

type Cmd = fc.AsyncCommand<DaeModel, Env>;

/** A command prints its plan until it ran, then the log line of its last run. */
abstract class DaeCommand implements Cmd {
  protected last: string | undefined;
  abstract plan(): string;
  abstract act(env: Env): Promise<string> | string;
  check(_model: Readonly<DaeModel>): boolean {
    return true;
  }
  async run(_model: DaeModel, env: Env): Promise<void> {
    this.last = undefined;
    try {
      const line = await this.act(env);
      this.last = line;
      env.log.push(line);
      await settle(env);
      checkInvariants(env);
    } catch (error) {
      // The shrunk counterexample then prints what this command did, not only what it planned.
      this.last = `${this.last ?? this.plan()} ✗ ${String((error as Error).message).split('\n')[0]}`;
      throw error;
    }
  }
  toString(): string {
    return this.last ?? this.plan();
  }
}

function appOf(env: Env, index: number): { app: ModelApp; dae: DaeApplication } {
  const app = env.model.apps[index % env.model.apps.length]!;
  return { app, dae: env.apps.get(app.name)! };
}

/** A download the model knows (live or removed), picked by index. */
function pick(model: DaeModel, index: number): ModelDownload {
  return model.downloads[index % model.downloads.length]!;
}

class Register extends DaeCommand {
  constructor(
    readonly appIndex: number,
    readonly file: number,
    readonly priority: number,
    readonly emptyUrl: boolean,
  ) {
    super();
  }
  plan(): string {
    return `app${(this.appIndex % 3) + 1}.registerDownloadURL(${this.emptyUrl ? "''" : `#f${this.file}`}, p${this.priority})`;
  }
  act(env: Env): string {
    const { app, dae } = appOf(env, this.appIndex);
    const name = env.files[this.file % env.files.length]!;
    const url = this.emptyUrl ? '' : `${env.s.url}/media/${name}`;
    const known = new Set(env.model.downloads.map((d) => d.id));
    const id = dae.downloadTrigger.registerDownloadURL(url, 'video/mp4', null, this.priority);
    const line = `${app.name}.registerDownloadURL(${this.emptyUrl ? "''" : name}, p${this.priority})→${id === undefined ? 'undefined' : `d${id}`}`;
    if (this.emptyUrl) {
      // Ours: an empty URL names nothing to download, so it is refused.
      if (id !== undefined) fail(env, `${line}: an empty URL must be refused`);
      return line;
    }
    if (typeof id !== 'string' || id === '' || known.has(id))
      fail(env, `${line}: expected a fresh download id`);
    env.model.downloads.push({ id, appId: app.id, origin: app.origin, orgId: app.orgId, removed: false });
    const state = stateNow(env, id);
    const allowed: readonly number[] = [S.QUEUED, S.IN_PROGRESS, S.FAILED];
    if (state === undefined || !allowed.includes(state))
      fail(env, `${line}: state ${String(state)} right after registration`);
    // DAE-GET-1: the registering application sees its own download.
    const mine = idsOf(dae.downloadManager.getDownloads!(id));
    if (mine?.join() !== id) fail(env, `${line}: getDownloads(${id}) = [${String(mine)}]`);
    return `${line} [${state}]`;
  }
}

type Method = 'pause' | 'resume' | 'remove' | 'updateRegisteredDownload';
const RULES: Readonly<Record<Method, (state: number | undefined, touchable: boolean) => CallRule>> = {
  pause: pauseRule,
  resume: resumeRule,
  remove: removeRule,
  updateRegisteredDownload: updateRule,
};

/** pause / resume / remove / updateRegisteredDownload on any known download, in scope or not. */
class Call extends DaeCommand {
  constructor(
    readonly method: Method,
    readonly appIndex: number,
    readonly download: number,
    readonly file: number,
  ) {
    super();
  }
  override check(model: Readonly<DaeModel>): boolean {
    return model.downloads.length > 0;
  }
  plan(): string {
    const extra = this.method === 'updateRegisteredDownload' ? `, #f${this.file}` : '';
    return `app${(this.appIndex % 3) + 1}.${this.method}(#${this.download}${extra})`;
  }
  act(env: Env): string {
    const { app, dae } = appOf(env, this.appIndex);
    const d = pick(env.model, this.download);
    const api = dae.downloadManager;
    const object = api.downloadFor(d.id);
    const name = env.files[this.file % env.files.length]!;
    const url = `${env.s.url}/media/${name}`;
    // Read the state and call in one synchronous block: no transfer event can come in between.
    const before = stateNow(env, d.id);
    const rule = RULES[this.method](before, !d.removed && inScope(app, d));
    const foreign = d.removed || inScope(app, d) ? '' : ' (out of scope)';
    let result: boolean;
    if (this.method === 'updateRegisteredDownload') result = api.updateRegisteredDownload!(object, url);
    else if (this.method === 'remove') result = api.remove(object);
    else result = api[this.method]!(object);
    const after = stateNow(env, d.id);
    const extra = this.method === 'updateRegisteredDownload' ? `, ${name}` : '';
    const line = `${app.name}.${this.method}(d${d.id}@${before ?? 'removed'}${extra})→${result}${after === before ? '' : ` [→${after ?? 'removed'}]`}${foreign}`;
    if (result !== rule.result) fail(env, `${line}: the spec says ${rule.result}`);
    if (!rule.after.includes(after))
      fail(env, `${line}: state afterwards ${String(after)}, the spec allows ${rule.after.join('/')}`);
    if (this.method === 'remove' && result) {
      d.removed = true;
      for (const other of env.model.apps)
        env.heardAtRemoval.set(`${other.name}/${d.id}`, env.heardCb.get(other.name)?.get(d.id)?.length ?? 0);
      // DAE-REMOVE-2: all-undefined at once, for the caller's object.
      const defined = DOWNLOAD_PROPERTIES.filter((p) => object[p] !== undefined);
      if (defined.length > 0) fail(env, `${line}: still has ${defined.join(', ')}`);
    }
    return line;
  }
}

/** reserve(bytes): the result is one the rules allow; only RESERVE_OK changes anything (HBB-RESERVE-1). */
class Reserve extends DaeCommand {
  constructor(
    readonly appIndex: number,
    readonly bytes: number,
  ) {
    super();
  }
  plan(): string {
    return `app${(this.appIndex % 3) + 1}.reserve(${this.bytes})`;
  }
  act(env: Env): string {
    const { app, dae } = appOf(env, this.appIndex);
    const { model, m } = env;
    const reservedBefore = model.apps.map((a) => env.apps.get(a.name)!.downloadManager.hasReserved);
    const discBefore = dae.downloadManager.discInfo?.reserved;
    const views = m.views().filter((v) => v.orgId === app.orgId);
    const held = views.reduce((sum, v) => sum + v.amountDownloaded, 0);
    const needs = views.reduce((sum, v) => sum + Math.max(v.totalSize ?? 0, v.amountDownloaded), 0);
    const result = dae.downloadManager.reserve(this.bytes);
    const line = `${app.name}.reserve(${this.bytes})→${result} [${app.orgId} holds ${held} B]`;
    const allowed = reserveOutcomes(this.bytes, model.capacityBytes);
    if (!allowed.includes(result)) fail(env, `${line}: the rules allow ${allowed.join('/')}`);
    // DAE-RESERVE-3: OK never below what the organisation holds; SMALLER only below what it needs.
    if (result === R.OK && this.bytes > 0 && this.bytes < held)
      fail(env, `${line}: granted below what it holds`);
    if (result === R.SMALLER && this.bytes >= needs)
      fail(env, `${line}: refused, but its downloads need only ${needs} B`);
    // DAE-RESERVE-3/7: SMALLER_THAN_USED only refuses a shrink, never a first or growing reservation.
    const before = env.model.reservations.get(app.orgId);
    if (result === R.SMALLER && (before === undefined || this.bytes >= before))
      fail(env, `${line}: SMALLER_THAN_USED for a first or growing reservation (was ${before ?? 'none'})`);
    applyReserve(model, app.orgId, this.bytes, result);
    // HBB-RESERVE-1 (a refused reserve changes nothing), DAE-PROP-1 (hasReserved per organisation).
    model.apps.forEach((a, i) => {
      const now = env.apps.get(a.name)!.downloadManager.hasReserved;
      const want = hasReservedMb(model, a.orgId);
      if (now !== want) fail(env, `${line}: ${a.name}.hasReserved ${now}, expected ${want}`);
      if (result !== R.OK && now !== reservedBefore[i])
        fail(env, `${line}: a refused reserve changed ${a.name}'s`);
    });
    if (result !== R.OK && dae.downloadManager.discInfo?.reserved !== discBefore)
      fail(env, `${line}: a refused reserve changed discInfo.reserved`);
    // DAE-PROP-2: discInfo.reserved is every organisation's reservation, in MB rounded up.
    const total = [...model.reservations.values()].reduce((sum, b) => sum + b, 0);
    if (dae.downloadManager.discInfo?.reserved !== Math.ceil(total / 1_048_576))
      fail(
        env,
        `${line}: discInfo.reserved ${dae.downloadManager.discInfo?.reserved}, reservations hold ${total} B`,
      );
    // DAE-PROP-1: allocated is -1 exactly when there is no reservation.
    if ((dae.downloadManager.allocated === -1) !== (hasReservedMb(model, app.orgId) === -1))
      fail(
        env,
        `${line}: allocated ${dae.downloadManager.allocated} with hasReserved ${dae.downloadManager.hasReserved}`,
      );
    return line;
  }
}

/** createFilteredList(currentDomain, states) against the model's filter table (DAE-FILTER-1…4). */
class FilteredList extends DaeCommand {
  constructor(
    readonly appIndex: number,
    readonly currentDomain: boolean | undefined,
    readonly states: number,
  ) {
    super();
  }
  plan(): string {
    return `app${(this.appIndex % 3) + 1}.createFilteredList(${String(this.currentDomain)}, ${this.states})`;
  }
  act(env: Env): string {
    const { app, dae } = appOf(env, this.appIndex);
    const states = new Map(env.m.views().map((v) => [v.id, v.state]));
    const list = dae.downloadManager.createFilteredList(this.currentDomain, this.states);
    const got = idsOf(list) ?? [];
    const want = expectedFiltered(env.model, app, this.currentDomain, this.states, (id) => states.get(id));
    const line = `${app.name}.createFilteredList(${String(this.currentDomain)}, ${this.states})→[${got.map((id) => `d${id}`).join(' ')}]`;
    if (got.join() !== want.join())
      fail(env, `${line}: the model lists [${want.map((id) => `d${id}`).join(' ')}]`);
    for (const item of list)
      if (item !== dae.downloadManager.downloadFor(item.id ?? ''))
        fail(env, `${line}: not the app's Download object`);
    return line;
  }
}

/** getDownloads(), getDownloads(null), getDownloads(id) of a known or an unknown id (DAE-GET-1, DAE-GET-3). */
class GetDownloads extends DaeCommand {
  constructor(
    readonly appIndex: number,
    readonly arg: 'absent' | 'null' | 'unknown' | number,
  ) {
    super();
  }
  override check(model: Readonly<DaeModel>): boolean {
    return typeof this.arg !== 'number' || model.downloads.length > 0;
  }
  plan(): string {
    return `app${(this.appIndex % 3) + 1}.getDownloads(${typeof this.arg === 'number' ? `#${this.arg}` : this.arg})`;
  }
  act(env: Env): string {
    const { app, dae } = appOf(env, this.appIndex);
    const get = dae.downloadManager.getDownloads!;
    let shown: string;
    let got: string[] | null;
    let want: string[];
    if (this.arg === 'absent' || this.arg === 'null') {
      shown = this.arg === 'absent' ? '' : 'null';
      got = idsOf(this.arg === 'absent' ? get() : get(null));
      want = expectedGetAll(env.model, app);
    } else {
      const id = this.arg === 'unknown' ? 'no-such-id' : pick(env.model, this.arg).id;
      shown = this.arg === 'unknown' ? `'${id}'` : `d${id}`;
      got = idsOf(get(id));
      want = expectedGetOne(env.model, app, id);
    }
    const line = `${app.name}.getDownloads(${shown})→[${(got ?? ['null']).map((id) => `d${id}`).join(' ')}]`;
    if (got?.join() !== want.join())
      fail(env, `${line}: the model says [${want.map((id) => `d${id}`).join(' ')}]`);
    return line;
  }
}

/** Lets time pass (transfers progress, complete, stall, recover), observing every 5 ms; or only until a state changes. */
class Wait extends DaeCommand {
  constructor(
    readonly ms: number,
    readonly untilChange: boolean,
  ) {
    super();
  }
  plan(): string {
    return this.untilChange ? `waitForChange(≤${this.ms} ms)` : `wait(${this.ms} ms)`;
  }
  async act(env: Env): Promise<string> {
    const states = () =>
      env.m
        .views()
        .map((v) => `d${v.id}@${v.state}${v.reason === undefined ? '' : `:${v.reason}`}`)
        .join(' ');
    const start = Date.now();
    const before = states();
    while (Date.now() < start + this.ms && !(this.untilChange && states() !== before)) {
      observe(env);
      await new Promise((r) => setTimeout(r, 5));
    }
    return `${this.untilChange ? 'waitForChange' : 'wait'}(${Date.now() - start} ms) [${states()}]`;
  }
}

/** Server faults: cut the next media body, toggle an object missing (404), change an object (new ETag). */
class Fault extends DaeCommand {
  constructor(
    readonly kind: 'cut' | 'missing' | 'change',
    readonly file: number,
    readonly amount: number,
  ) {
    super();
  }
  plan(): string {
    return `server.${this.kind}(#f${this.file}${this.kind === 'cut' ? `, ${this.amount}` : ''})`;
  }
  async act(env: Env): Promise<string> {
    const real = env.files.filter((f) => f !== GONE);
    const name = real[this.file % real.length]!;
    if (this.kind === 'cut') {
      env.s.faults.cutNextBodyAfter = this.amount;
      return `server.cutNextBodyAfter(${this.amount})`;
    }
    if (this.kind === 'missing') {
      const missing = env.s.faults.missing!;
      const now = !missing.has(name);
      if (now) missing.add(name);
      else missing.delete(name);
      return `server.missing(${name}, ${now})`;
    }
    // Replace, not rewrite: a body being streamed keeps reading the old object (never a torn one).
    const full = path.join(env.srvDir, name);
    const size = (await fs.stat(full)).size + (this.amount % 2 === 0 ? 0 : 1024);
    await fs.writeFile(`${full}.tmp`, pattern(size, this.amount));
    await fs.rename(`${full}.tmp`, full);
    return `server.change(${name}, ${size} B)`;
  }
}

const appIndex = fc.nat({ max: 2 });
const downloadIndex = fc.nat({ max: 40 });
const fileIndex = fc.nat({ max: 4 });

const commandArbs: fc.Arbitrary<Cmd>[] = [
  fc
    .tuple(appIndex, fileIndex, fc.nat({ max: 3 }), fc.nat({ max: 19 }))
    .map(([a, f, p, e]) => new Register(a, f, p, e === 0)),
  fc.tuple(appIndex, fileIndex, fc.nat({ max: 3 })).map(([a, f, p]) => new Register(a, f, p, false)),
  ...(['pause', 'resume', 'remove', 'updateRegisteredDownload'] as const).map((method) =>
    fc.tuple(appIndex, downloadIndex, fileIndex).map(([a, d, f]) => new Call(method, a, d, f)),
  ),
  fc
    .tuple(appIndex, downloadIndex, fc.constantFrom('pause', 'resume') as fc.Arbitrary<Method>)
    .map(([a, d, method]) => new Call(method, a, d, 0)),
  fc
    .tuple(appIndex, fc.oneof(fc.constantFrom(0, -1, 1.5, 4096), fc.integer({ min: 1, max: 3 * 1024 * KiB })))
    .map(([a, b]) => new Reserve(a, b)),
  fc
    .tuple(
      appIndex,
      fc.constantFrom(true, false, undefined),
      fc.oneof(fc.constant(63), fc.integer({ min: 0, max: 63 })),
    )
    .map(([a, cd, st]) => new FilteredList(a, cd, st)),
  fc
    .tuple(
      appIndex,
      fc.oneof(fc.constantFrom('absent' as const, 'null' as const, 'unknown' as const), downloadIndex),
    )
    .map(([a, arg]) => new GetDownloads(a, arg)),
  fc.constantFrom(10, 40, 120, 250).map((ms) => new Wait(ms, false)),
  fc.constantFrom(100, 300).map((ms) => new Wait(ms, true)),
  fc
    .tuple(
      fc.constantFrom('cut' as const, 'missing' as const, 'change' as const),
      fileIndex,
      fc.integer({ min: 1, max: 48 * KiB }),
    )
    .map(([kind, f, n]) => new Fault(kind, f, n)),
];

// ─── the property ────────────────────────────────────────────────────────────────────────────────

const runs = numRuns(DEFAULT_RUNS);
/** Generous for shrinking a failure; a passing default run takes a fraction of it. */
const TIME_LIMIT_MS = Math.max(90_000, runs * 6_000);

describe('DAE API against the running manager (fast-check model run)', () => {
  it(
    verifies(
      [
        'DAE-PAUSE-1',
        'DAE-PAUSE-3',
        'DAE-RESUME-1',
        'DAE-REMOVE-1',
        'DAE-REMOVE-2',
        'DAE-UPDATE-2',
        'DAE-UPDATE-3',
        'DAE-UPDATE-4',
        'DAE-UPDATE-5',
        'DAE-STATE-1',
        'DAE-STATE-2',
        'DAE-EVT-1',
        'DAE-EVT-2',
        'DAE-FILTER-1',
        'DAE-FILTER-2',
        'DAE-FILTER-3',
        'DAE-FILTER-4',
        'DAE-GET-1',
        'DAE-GET-3',
        'DAE-RESERVE-3',
        'DAE-RESERVE-5',
        'DAE-RESERVE-6',
        'DAE-PROP-1',
        'DAE-PROP-2',
        'HBB-RESERVE-1',
      ],
      'random API calls from three applications plus server faults obey the model: results, reasons, one event per change, scope, reservations, storage',
    ),
    async () => {
      await fc.assert(
        fc.asyncProperty(
          worldArb,
          fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: 'max' }),
          async (world, cmds) => {
            const env = await startEnv(world);
            try {
              await fc.asyncModelRun(() => ({ model: env.model, real: env }), cmds);
              await settle(env);
              checkInvariants(env);
              checkNotifications(env);
              if (process.env.DAE_PROP_LOG) console.log(env.log.join('\n'), '\n====');
            } finally {
              await closeEnv(env);
            }
          },
        ),
        fcParams(DEFAULT_RUNS, { interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false }),
      );
    },
    TIME_LIMIT_MS + 60_000,
  );
});
