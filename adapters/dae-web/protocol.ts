/**
 * The `serve-dae` protocol between a page's runtime (`/dae.js`) and the Node download manager: JSON text
 * frames over one WebSocket per page (`ws://127.0.0.1:PORT/dae`). Version {@link DAE_PROTOCOL_VERSION}.
 *
 * page → manager
 * - `{"t":"hello","v":1,"page":"http://127.0.0.1:PORT/app/index.html"}` — first frame; the page's URL
 *   chooses its application identity (`--apps`).
 * - `{"t":"call","seq":N,"method":M,"args":{…},"decided":V}` — one DAE call the page already answered with
 *   `decided` (its pure decision); `seq` counts up per connection. Methods and args: {@link CallMessage}.
 *
 * manager → page
 * - `{"t":"welcome","v":1,"app":{…}|null,"profile":…,"manageDownloads":…,"downloads":[…],"summary":{…}}` —
 *   the identity (null: no download objects for this page) and the full list the application may see.
 * - `{"t":"sync","downloads":[…],"removed":[ids],"summary":{…}}` — downloads that changed (progress, new ones
 *   in scope), ids that left the scope or were removed, and the organisation's storage facts.
 * - `{"t":"event","id":…,"state":…,"reason":…,"download":{…}}` — one DownloadStateChange, with the download
 *   as it is after the change; the page updates its view, then calls onDownloadStateChange and dispatches.
 * - `{"t":"result","seq":N,"value":V}` — the manager's own answer to call `seq`, decided again on its state
 *   and in the connection's scope (DAE-FILTER-*, DAE-GET-*); a value unlike `decided` is a disagreement.
 * - `{"t":"error","message":…}` — a frame the manager could not take (bad JSON, unknown type, wrong version);
 *   for a version mismatch the manager closes the socket (code 4000).
 *
 * @module
 */

import type { ReserveFacts } from '../../machines/oipf/app-view.logic.js';
import type { DaeReason, DaeState, ManageDownloads, Permission, Profile } from '../../machines/oipf/index.js';

/** The protocol version; a page speaking another one is refused. */
export const DAE_PROTOCOL_VERSION = 1;

/** The WebSocket path. */
export const DAE_SOCKET_PATH = '/dae';

/** Close code for a hello of another protocol version. */
export const CLOSE_VERSION = 4000;

/** A Download as the page holds it: every DAE 7.4.4 property (plus who initiated it, for the scope rules). */
export interface WireDownload {
  readonly id: string;
  readonly appId: string;
  readonly origin: string;
  readonly descriptorPending: boolean;
  readonly state: DaeState;
  readonly reason: DaeReason | undefined;
  /** Every other property, by name (dates as ISO strings, collections as arrays). */
  readonly props: Readonly<Record<string, unknown>>;
}

/** The application identity a page was given. */
export interface WireApp {
  readonly id: string;
  readonly origin: string;
  readonly organisationId: string;
  readonly permissions: readonly Permission[];
  readonly manageDownloads: ManageDownloads;
}

/** The organisation's storage facts: the manager's properties and what reserve()/checkDownloadPossible need. */
export interface WireSummary {
  readonly hasReserved: number;
  readonly allocated: number;
  readonly discInfo: { readonly free: number; readonly total: number; readonly reserved: number } | undefined;
  readonly reserve: ReserveFacts;
  /** The largest size checkDownloadPossible answers true for now. */
  readonly possibleBytes: number;
}

/** A call the page sends, by method. */
export type CallMessage = { readonly t: 'call'; readonly seq: number; readonly decided: unknown } & (
  | {
      readonly method: 'pause' | 'resume' | 'remove';
      readonly args: { readonly download: string };
    }
  | {
      readonly method: 'updateRegisteredDownload';
      readonly args: { readonly download: string; readonly url: string };
    }
  | {
      readonly method: 'registerDownloadURL';
      readonly args: {
        readonly id: string;
        readonly url: string;
        readonly contentType: string;
        readonly downloadStart: string | null;
        readonly priority: number | null;
      };
    }
  | {
      readonly method: 'registerDownload';
      readonly args: {
        readonly ids: readonly string[];
        readonly cadd: string;
        readonly downloadStart: string | null;
      };
    }
  | { readonly method: 'reserve'; readonly args: { readonly bytes: number } }
  | {
      readonly method: 'flagForDeletion';
      readonly args: { readonly download: string; readonly value: boolean };
    }
);

/** Every frame a page sends. */
export type PageMessage = { readonly t: 'hello'; readonly v: number; readonly page: string } | CallMessage;

/** Every frame the manager sends. */
export type ManagerMessage =
  | {
      readonly t: 'welcome';
      readonly v: number;
      readonly app: WireApp | null;
      readonly profile: Profile;
      readonly downloads: readonly WireDownload[];
      readonly summary: WireSummary | null;
    }
  | {
      readonly t: 'sync';
      readonly downloads: readonly WireDownload[];
      readonly removed: readonly string[];
      readonly summary: WireSummary;
    }
  | {
      readonly t: 'event';
      readonly id: string;
      readonly state: DaeState;
      readonly reason: DaeReason | undefined;
      readonly download: WireDownload;
    }
  | { readonly t: 'result'; readonly seq: number; readonly value: unknown }
  | { readonly t: 'error'; readonly message: string };

/** The Download properties of DAE 7.4.4 the page shows (plus `priority` and HbbTV's two), besides id/state/reason. */
export const WIRE_DOWNLOAD_PROPERTIES = Object.freeze([
  'name',
  'description',
  'contentID',
  'totalSize',
  'amountDownloaded',
  'contentURL',
  'uri',
  'originSite',
  'originSiteName',
  'iconURL',
  'transferType',
  'startTime',
  'timeElapsed',
  'timeRemaining',
  'currentBitrate',
  'parentalRatings',
  'drmControl',
  'metadata',
  'suspendedByTerminal',
  'priority',
  'errorLevel',
  'flaggedForDeletion',
] as const);

/** Ids a page may choose for its registrations: short, URL- and file-safe. */
export const PAGE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

const str = (v: unknown): v is string => typeof v === 'string';
const optDate = (v: unknown): boolean => v === null || (str(v) && !Number.isNaN(Date.parse(v)));

/** Checks the shape of each call's args; a frame that fails is answered with an error and has no effect. */
const ARGS: Readonly<Record<CallMessage['method'], (a: Record<string, unknown>) => boolean>> = {
  pause: (a) => str(a.download),
  resume: (a) => str(a.download),
  remove: (a) => str(a.download),
  updateRegisteredDownload: (a) => str(a.download) && str(a.url),
  registerDownloadURL: (a) =>
    str(a.id) &&
    PAGE_ID_PATTERN.test(a.id) &&
    str(a.url) &&
    str(a.contentType) &&
    optDate(a.downloadStart) &&
    (a.priority === null || (typeof a.priority === 'number' && Number.isFinite(a.priority))),
  registerDownload: (a) =>
    Array.isArray(a.ids) &&
    a.ids.length <= 64 &&
    a.ids.every((id) => str(id) && PAGE_ID_PATTERN.test(id)) &&
    str(a.cadd) &&
    optDate(a.downloadStart),
  reserve: (a) => typeof a.bytes === 'number',
  flagForDeletion: (a) => str(a.download) && typeof a.value === 'boolean',
};

/** Parses one frame from a page; throws an Error naming what is wrong. */
export function parsePageMessage(text: string): PageMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error('not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.t === 'hello') {
    if (typeof m.v !== 'number' || !str(m.page))
      throw new Error('hello needs a numeric "v" and a string "page"');
    return { t: 'hello', v: m.v, page: m.page };
  }
  if (m.t === 'call') {
    if (!Number.isSafeInteger(m.seq)) throw new Error('call needs an integer "seq"');
    const check = str(m.method) ? ARGS[m.method as CallMessage['method']] : undefined;
    if (check === undefined) throw new Error(`unknown method ${JSON.stringify(m.method)}`);
    const args = m.args;
    if (args === null || typeof args !== 'object' || !check(args as Record<string, unknown>))
      throw new Error(`bad arguments for ${m.method as string}`);
    return m as unknown as CallMessage;
  }
  throw new Error(`unknown message type ${JSON.stringify(m.t)}`);
}
