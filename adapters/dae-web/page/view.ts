/**
 * The page's view of its application's downloads (browser side of `serve-dae`): what the manager last said
 * (boot record, welcome, sync, events), the socket to it, and the calls the page answered but the manager
 * has not confirmed yet.
 *
 * Socket drops (our decision, the editor's note of DAE-EVT-1): calls keep answering from the view at once;
 * their effects are queued (at most {@link MAX_QUEUED}, then refused with a console warning) and replayed in
 * order after the next welcome, where the manager decides each again on its own state. Events come only from
 * the manager, so while the socket is down no DownloadStateChange fires; on reconnect the welcome replaces
 * the view (no synthetic events for changes missed meanwhile).
 *
 * @module
 */
import {
  type AppViewDownload,
  type AppViewScope,
  stateAfterOnView,
} from '../../../machines/oipf/app-view.logic.js';
import type { DaeReason, DaeState } from '../../../machines/oipf/constants.js';
import {
  type CallMessage,
  DAE_PROTOCOL_VERSION,
  DAE_SOCKET_PATH,
  type ManagerMessage,
  type WireApp,
  type WireDownload,
  type WireSummary,
} from '../protocol.js';

/** Calls kept while the socket is down. */
export const MAX_QUEUED = 1000;

type CallBody = Pick<CallMessage, 'method' | 'args'>;

/** Something that receives the manager's state changes (a DownloadManager object of the page). */
export interface StateChangeSink {
  deliver(id: string, state: DaeState, reason: DaeReason | undefined): void;
}

/** A call whose manager answer differed from the page's (should not happen; the tests read these). */
export interface Disagreement {
  readonly method: string;
  readonly decided: unknown;
  readonly value: unknown;
}

type Welcome = Extract<ManagerMessage, { t: 'welcome' }>;

/** The page's view and its link to the manager. */
export class PageView {
  app: WireApp | null = null;
  profile: Welcome['profile'] = 'oipf';
  summary: WireSummary | null = null;
  readonly downloads = new Map<string, WireDownload>();
  readonly sinks = new Set<StateChangeSink>();
  readonly disagreements: Disagreement[] = [];
  readonly refused: string[] = [];
  connected = false;
  /** Called after every welcome (the page upgrades `<object>` elements once it has an identity). */
  onWelcome: () => void = () => {};

  readonly #socketUrl: string;
  #socket: WebSocket | undefined;
  #welcomed = false;
  #seq = 0;
  #retryMs = 250;
  readonly #queue: { body: CallBody; decided: unknown; replay: boolean }[] = [];
  readonly #pending = new Map<
    number,
    { body: CallBody; decided: unknown; download: string | undefined; replay: boolean }
  >();

  constructor(serverOrigin: string, boot: Welcome | null) {
    this.#socketUrl = `${serverOrigin.replace(/^http/, 'ws')}${DAE_SOCKET_PATH}`;
    if (boot !== null) this.#apply(boot);
  }

  /** The scope the pure decisions use: touch scope with the manager's capability, read scope with the app's. */
  scope(): AppViewScope | undefined {
    const app = this.app;
    if (app === null) return undefined;
    return {
      app: { id: app.id, origin: app.origin, permissions: app.permissions, manageDownloads: 'all' },
      profile: this.profile,
    };
  }

  /** The download as the pure decisions see it. */
  decisionView(id: string | undefined): AppViewDownload | undefined {
    return id === undefined ? undefined : this.downloads.get(id);
  }

  /** Opens the socket (and re-opens it after a drop). */
  connect(): void {
    const socket = new WebSocket(this.#socketUrl);
    this.#socket = socket;
    socket.onopen = () => {
      this.#retryMs = 250;
      socket.send(JSON.stringify({ t: 'hello', v: DAE_PROTOCOL_VERSION, page: location.href }));
    };
    socket.onmessage = (event) => this.#receive(JSON.parse(String(event.data)) as ManagerMessage);
    socket.onclose = () => {
      this.connected = false;
      this.#welcomed = false;
      // Calls the manager never answered go first in the replay: each is safe to repeat (a registration
      // under the same id is refused as a duplicate, pause/resume/remove/reserve land on the same state).
      const unanswered = [...this.#pending.values()].map((p) => ({
        body: p.body,
        decided: p.decided,
        replay: true,
      }));
      this.#pending.clear();
      this.#queue.unshift(...unanswered);
      if (this.#socket !== socket) return;
      setTimeout(() => this.connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 4000);
    };
  }

  /** Test hook: drops the socket as a network failure would (the view reconnects by itself). */
  dropSocket(): void {
    this.#socket?.close();
  }

  /** Sends (or queues) a call the page answered with `decided`. */
  call(body: CallBody, decided: unknown): void {
    if (this.#welcomed && this.#socket?.readyState === WebSocket.OPEN) {
      this.#send(body, decided, false);
      return;
    }
    if (this.#queue.length >= MAX_QUEUED) {
      this.refused.push(body.method);
      console.warn(`dae.js: ${body.method} not sent: ${MAX_QUEUED} calls already wait for the manager`);
      return;
    }
    this.#queue.push({ body, decided, replay: false });
  }

  /** Shows the state the download machine gives after a call, until the manager's event arrives. */
  predict(id: string, event: 'APP.PAUSE' | 'APP.RESUME' | 'APP.REMOVE'): void {
    const current = this.downloads.get(id);
    if (current === undefined) return;
    const state = stateAfterOnView(
      current,
      event === 'APP.RESUME' ? { type: event, slotAvailable: false } : { type: event },
    );
    if (state === undefined) this.downloads.delete(id);
    else this.downloads.set(id, { ...current, state, reason: undefined });
  }

  #send(body: CallBody, decided: unknown, replay: boolean): void {
    this.#seq += 1;
    const download = 'download' in body.args ? body.args.download : undefined;
    this.#pending.set(this.#seq, { body, decided, download, replay });
    this.#socket?.send(JSON.stringify({ t: 'call', seq: this.#seq, ...body, decided }));
  }

  #inFlight(id: string): boolean {
    for (const pending of this.#pending.values()) if (pending.download === id) return true;
    return false;
  }

  #apply(welcome: Welcome): void {
    this.app = welcome.app;
    this.profile = welcome.profile;
    this.summary = welcome.summary;
    this.downloads.clear();
    for (const d of welcome.downloads) this.downloads.set(d.id, d);
  }

  #receive(message: ManagerMessage): void {
    switch (message.t) {
      case 'welcome': {
        this.#apply(message);
        this.connected = true;
        this.#welcomed = true;
        for (const { body, decided, replay } of this.#queue.splice(0)) this.#send(body, decided, replay);
        this.onWelcome();
        return;
      }
      case 'sync':
        // A download with a call in flight keeps the state the page showed until the manager's answer.
        for (const d of message.downloads) if (!this.#inFlight(d.id)) this.downloads.set(d.id, d);
        for (const id of message.removed) this.downloads.delete(id);
        this.summary = message.summary;
        return;
      case 'event':
        this.downloads.set(message.id, message.download);
        for (const sink of this.sinks) sink.deliver(message.id, message.state, message.reason ?? undefined);
        return;
      case 'result': {
        const pending = this.#pending.get(message.seq);
        this.#pending.delete(message.seq);
        const value = message.value ?? undefined;
        // A repeated call may find its first copy's effect already done: only first sends are compared.
        if (pending !== undefined && !pending.replay && !Object.is(value, pending.decided ?? undefined))
          this.disagreements.push({ method: pending.body.method, decided: pending.decided, value });
        return;
      }
      case 'error':
        this.refused.push(message.message);
        console.warn(`dae.js: the download manager refused a frame: ${message.message}`);
        return;
    }
  }
}
