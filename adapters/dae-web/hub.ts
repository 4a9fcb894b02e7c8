/**
 * The manager side of the `serve-dae` protocol: one application group per configured application (its DAE
 * objects from `manager.application()`, shared by all its pages), one connection per page. Every call a page
 * sends is performed on that application's own DAE objects, so the manager decides again, in the
 * application's scope (DAE-FILTER-*, DAE-GET-*): a download outside it is not even found, and a forged id is
 * answered false. Only the manager's public surface is used (application objects, views, context, metaOf).
 *
 * @module
 */
import { type DaeMember, type DownloadView, isMemberAvailable } from '../../machines/oipf/index.js';
import { type ReserveFacts, reserveFacts } from '../../machines/oipf/manager.storage.js';
import {
  type DaeApplication,
  type DaeDownload,
  DaeDownloadTrigger,
  DOWNLOAD_PROPERTIES,
  type DownloadManagerHost,
  type DownloadStateChangeEvent,
} from '../oipf/index.js';
import { appForPage, type DaeWebApp } from './apps.js';
import {
  type CallMessage,
  CLOSE_VERSION,
  DAE_PROTOCOL_VERSION,
  type ManagerMessage,
  parsePageMessage,
  type WireDownload,
  type WireSummary,
} from './protocol.js';

/** Refused frames kept for inspection. */
const KEEP_REFUSED = 100;
/** Every DAE state: the createFilteredList(undefined, ALL) scope is everything an application may see. */
const ALL_STATES = 63;
/** Properties sent besides id/state/reason (HbbTV's two included; undefined ones are simply absent). */
const PROPS = [
  ...DOWNLOAD_PROPERTIES.filter((p) => p !== 'id' && p !== 'state' && p !== 'reason'),
  'errorLevel',
  'flaggedForDeletion',
] as const;
/** A value that is no Download: the DAE objects answer false for it (DAE-REMOVE-2's "not a valid download"). */
const NOT_A_DOWNLOAD = Object.freeze({}) as DaeDownload;

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** The wire form of one application's Download object. */
function wireOf(d: DaeDownload, view: DownloadView | undefined): WireDownload | undefined {
  if (d.id === undefined || d.state === undefined || view === undefined) return undefined;
  const props: Record<string, unknown> = {};
  for (const name of PROPS) {
    const value = (d as unknown as Record<string, unknown>)[name];
    if (value !== undefined) props[name] = plain(value);
  }
  return {
    id: d.id,
    appId: view.appId,
    origin: view.origin,
    descriptorPending: view.descriptorPending,
    state: d.state as WireDownload['state'],
    reason: d.reason as WireDownload['reason'],
    props,
  };
}

interface Group {
  readonly app: DaeWebApp;
  readonly objects: DaeApplication;
  readonly connections: Set<ConnectionState>;
}

/** One page's connection: feed it the page's frames with {@link Connection.receive}. */
export interface Connection {
  /** Handles one text frame from the page. */
  receive(text: string): void;
  /** The page went away. */
  close(): void;
}

/** Options of {@link DaeHub}. */
export interface DaeHubOptions {
  readonly manager: DownloadManagerHost;
  readonly apps: readonly DaeWebApp[];
  /** How often progress is pushed to pages, in ms. @default 200 */
  readonly syncMs?: number;
}

interface ConnectionState {
  group: Group | undefined;
  hello: boolean;
  readonly sent: Map<string, string>;
  summary: string;
  readonly send: (message: ManagerMessage) => void;
  readonly end: (code: number, reason: string) => void;
}

/** Routes pages to their application's DAE objects and keeps their views in step with the manager. */
export class DaeHub {
  readonly #manager: DownloadManagerHost;
  readonly #apps: readonly DaeWebApp[];
  readonly #groups = new Map<string, Group>();
  readonly #timer: NodeJS.Timeout;
  /** The last {@link KEEP_REFUSED} frames refused as malformed or out of place (for tests and logs). */
  readonly refused: string[] = [];

  constructor(options: DaeHubOptions) {
    this.#manager = options.manager;
    this.#apps = options.apps;
    this.#timer = setInterval(() => this.#syncAll(), options.syncMs ?? 200);
    this.#timer.unref();
  }

  /** The welcome a page at `pageUrl` gets: its identity and everything it may see (also the `/dae.js` boot). */
  welcome(pageUrl: string): Extract<ManagerMessage, { t: 'welcome' }> {
    const group = this.#groupFor(pageUrl);
    const profile = this.#manager.profile;
    if (group === undefined)
      return { t: 'welcome', v: DAE_PROTOCOL_VERSION, app: null, profile, downloads: [], summary: null };
    const { app } = group;
    return {
      t: 'welcome',
      v: DAE_PROTOCOL_VERSION,
      app: {
        id: app.id,
        origin: app.origin,
        organisationId: app.organisationId,
        permissions: [...app.permissions],
        manageDownloads: app.manageDownloads ?? this.#manager.context().manageDownloads,
      },
      profile: app.profile,
      downloads: [...this.#list(group).values()],
      summary: this.#summary(group),
    };
  }

  /** A new page connection; `send` writes a frame to it, `end` closes it. */
  connect(send: (message: ManagerMessage) => void, end: (code: number, reason: string) => void): Connection {
    const state: ConnectionState = {
      group: undefined,
      hello: false,
      sent: new Map(),
      summary: '',
      send,
      end,
    };
    return {
      receive: (text) => this.#receive(state, text),
      close: () => {
        state.group?.connections.delete(state);
      },
    };
  }

  /** Stops the progress pushes. */
  close(): void {
    clearInterval(this.#timer);
  }

  #refuse(what: string): void {
    this.refused.push(what);
    if (this.refused.length > KEEP_REFUSED) this.refused.shift();
  }

  #groupFor(pageUrl: string): Group | undefined {
    const app = appForPage(this.#apps, pageUrl);
    if (app === undefined) return undefined;
    let group = this.#groups.get(app.path);
    if (group === undefined) {
      const objects = this.#manager.application(app);
      const created: Group = { app, objects, connections: new Set() };
      objects.downloadManager.addEventListener('DownloadStateChange', (event) =>
        this.#onStateChange(created, event as DownloadStateChangeEvent),
      );
      this.#groups.set(app.path, created);
      group = created;
    }
    return group;
  }

  #receive(state: ConnectionState, text: string): void {
    let message: ReturnType<typeof parsePageMessage>;
    try {
      message = parsePageMessage(text);
    } catch (error) {
      this.#refuse(`${(error as Error).message}: ${text.slice(0, 200)}`);
      state.send({ t: 'error', message: (error as Error).message });
      return;
    }
    if (message.t === 'hello') {
      if (message.v !== DAE_PROTOCOL_VERSION) {
        state.send({ t: 'error', message: `protocol version ${message.v} is not ${DAE_PROTOCOL_VERSION}` });
        state.end(CLOSE_VERSION, 'protocol version');
        return;
      }
      if (state.hello) {
        state.send({ t: 'error', message: 'hello was already sent on this connection' });
        return;
      }
      state.hello = true;
      const welcome = this.welcome(message.page);
      state.group = this.#groupFor(message.page);
      state.group?.connections.add(state);
      for (const d of welcome.downloads) state.sent.set(d.id, JSON.stringify(d));
      state.summary = JSON.stringify(welcome.summary);
      state.send(welcome);
      return;
    }
    const group = state.group;
    if (group === undefined) {
      this.#refuse(`call without an application: ${message.method}`);
      state.send({
        t: 'error',
        message: 'this page has no download objects (send hello from a configured page)',
      });
      return;
    }
    const value = this.#perform(group, message);
    state.send({ t: 'result', seq: message.seq, value: value ?? null });
    setImmediate(() => this.#sync(group));
  }

  /** Performs a call on the application's own DAE objects: the manager decides again, in its scope. */
  #perform(group: Group, message: CallMessage): unknown {
    const { objects, app } = group;
    const dm = objects.downloadManager;
    const member = (name: string) => isMemberAvailable(app.profile, name as DaeMember);
    const find = (id: string): DaeDownload => {
      const list = dm.createFilteredList(undefined, ALL_STATES);
      for (let i = 0; i < list.length; i += 1) if (list.item(i)?.id === id) return list.item(i)!;
      return NOT_A_DOWNLOAD;
    };
    const dateOf = (iso: string | null) => (iso === null ? null : new Date(iso));
    switch (message.method) {
      case 'pause':
      case 'resume':
        return member(message.method) && (dm[message.method]?.(find(message.args.download)) ?? false);
      case 'remove':
        return dm.remove(find(message.args.download));
      case 'updateRegisteredDownload':
        return (
          member(message.method) &&
          (dm.updateRegisteredDownload?.(find(message.args.download), message.args.url) ?? false)
        );
      case 'registerDownloadURL': {
        const { id, url, contentType, downloadStart, priority } = message.args;
        const trigger = DaeDownloadTrigger.withIds(objects.downloadTrigger, [id]);
        return trigger.registerDownloadURL(url, contentType, dateOf(downloadStart), priority ?? undefined);
      }
      case 'registerDownload': {
        const trigger = DaeDownloadTrigger.withIds(objects.downloadTrigger, message.args.ids);
        return trigger.registerDownload(message.args.cadd, dateOf(message.args.downloadStart));
      }
      case 'reserve':
        return dm.reserve(message.args.bytes);
      case 'flagForDeletion': {
        const d = find(message.args.download);
        if (d === NOT_A_DOWNLOAD || app.profile !== 'hbbtv' || d.flaggedForDeletion === undefined)
          return false;
        d.flaggedForDeletion = message.args.value;
        return true;
      }
    }
  }

  #views(): Map<string, DownloadView> {
    return new Map(this.#manager.views().map((v) => [v.id, v]));
  }

  /** Everything the application may see, in the manager's order. */
  #list(group: Group, views = this.#views()): Map<string, WireDownload> {
    const list = group.objects.downloadManager.createFilteredList(undefined, ALL_STATES);
    const out = new Map<string, WireDownload>();
    for (let i = 0; i < list.length; i += 1) {
      const wire = wireOf(list.item(i)!, views.get(list.item(i)!.id ?? ''));
      if (wire !== undefined) out.set(wire.id, wire);
    }
    return out;
  }

  #summary(group: Group): WireSummary {
    const { objects, app } = group;
    const dm = objects.downloadManager;
    const context = this.#manager.context();
    const reserve: ReserveFacts = reserveFacts(context, app.organisationId);
    // checkDownloadPossible is monotonic in the size: its largest true size, found by bisection.
    const possible = (n: number) => objects.downloadTrigger.checkDownloadPossible(n);
    let possibleBytes = -1;
    if (possible(0)) {
      let lo = 0;
      let hi = Number.MAX_SAFE_INTEGER;
      while (lo < hi) {
        const mid = lo + Math.ceil((hi - lo) / 2);
        if (possible(mid)) lo = mid;
        else hi = mid - 1;
      }
      possibleBytes = lo;
    }
    return {
      hasReserved: dm.hasReserved,
      allocated: dm.allocated,
      discInfo: member(app, 'discInfo') ? dm.discInfo : undefined,
      reserve,
      possibleBytes,
    };
  }

  #onStateChange(group: Group, event: DownloadStateChangeEvent): void {
    const wire = wireOf(event.item, this.#views().get(event.item.id ?? ''));
    if (wire === undefined) return;
    const text = JSON.stringify(wire);
    for (const state of group.connections) {
      state.sent.set(wire.id, text);
      state.send({ t: 'event', id: wire.id, state: event.state, reason: event.reason, download: wire });
    }
  }

  #syncAll(): void {
    const views = this.#views();
    for (const group of this.#groups.values()) if (group.connections.size > 0) this.#sync(group, views);
  }

  /** Sends each page of the group what changed since its last frame. */
  #sync(group: Group, views = this.#views()): void {
    if (group.connections.size === 0) return;
    const list = this.#list(group, views);
    const summary = this.#summary(group);
    const summaryText = JSON.stringify(summary);
    const texts = new Map([...list].map(([id, d]) => [id, JSON.stringify(d)]));
    for (const state of group.connections) {
      const changed = [...list.values()].filter((d) => state.sent.get(d.id) !== texts.get(d.id));
      const removed = [...state.sent.keys()].filter((id) => !list.has(id));
      if (changed.length === 0 && removed.length === 0 && summaryText === state.summary) continue;
      for (const d of changed) state.sent.set(d.id, texts.get(d.id)!);
      for (const id of removed) state.sent.delete(id);
      state.summary = summaryText;
      state.send({ t: 'sync', downloads: changed, removed, summary });
    }
  }
}

function member(app: DaeWebApp, name: DaeMember): boolean {
  return isMemberAvailable(app.profile, name);
}
