/**
 * The ports of the DLOTA agent machine: its input, context, output, every effect it requests
 * ({@link DownloadEffects}) and every event an adapter sends back ({@link DownloadEvent}).
 *
 * @module
 */
import type { Descriptor, MediaObject, ParseFailure } from './descriptor.types.js';
import type { StatusNumbering, StatusOutcome } from './status.js';

/** One retrieved media object as the installer sees it. */
export interface DownloadFile {
  /** The ObjectURI it was retrieved from (DL-RET-2). */
  readonly objectURI: string;
  readonly size: number;
  readonly types: readonly string[];
  readonly objectID?: string;
  readonly objectVersion?: string;
  readonly installParam?: string;
}

/** A status report: the body goes as `text/plain` to `url` (DL-NOTIFY-1). */
export interface StatusReport {
  readonly url: string;
  /** `<code> <text>`, e.g. `900 Success`. */
  readonly body: string;
  readonly outcome: StatusOutcome;
}

/** Why a retrieval is paused (seed §5.2.4.2 lists these causes; which one applies is the adapter's call). */
export type PauseCause = 'user' | 'connectionLost' | 'noMemory' | 'shutdown' | 'restart' | 'serverBusy';

/** When the agent resumes a paused retrieval by itself; the user can always resume. */
export interface ResumePolicy {
  /** Resume a retrieval paused by a lost connection when the network comes back. @default true */
  readonly onNetworkBack: boolean;
  /** Resume after a restart that recovered a journal. @default true */
  readonly onRestart: boolean;
}

/** What the caller gives the machine. */
export interface DownloadInput {
  /** Absolute URL of the download descriptor. */
  readonly ddUrl: string;
  /** Media types the device can install; `type/*` and `*\/*` wildcards are honoured (DL-STEP-4). */
  readonly supportedTypes: readonly string[];
  /** The caller already has the user's consent: skip confirmation (DL-STEP-5). @default false */
  readonly preConfirmed?: boolean;
  /** Status code numbering (957 or 955 for Media Object Updated). @default 'seed' */
  readonly numbering?: StatusNumbering;
  /** How many times one status report is POSTed before it is left queued (DL-INST-12). @default 3 */
  readonly maxReportAttempts?: number;
  /** Base delay of the report retry back-off, doubled after each failed attempt. @default 2000 */
  readonly reportRetryMs?: number;
  /** Auto-resume policy. @default { onNetworkBack: true, onRestart: true } */
  readonly resumePolicy?: Partial<ResumePolicy>;
  /** Which product of a DD 2.0 this run installs; one machine per product. @default 0 */
  readonly productIndex?: number;
  /** How many updated descriptors (412 → 957 → updatedDDURI) one run follows. @default 3 */
  readonly maxUpdates?: number;
  /** Base delay before a resume answered by a temporary error (5xx, 408, 429) is tried again, doubled per retry. @default 2000 */
  readonly resumeRetryMs?: number;
  /** Retries of a resume answered by temporary errors before the retrieval stays paused (range kept). @default 3 */
  readonly maxResumeRetries?: number;
  /** The longest wait (back-off or `Retry-After`) the agent waits by itself; longer → stays paused. @default 60000 */
  readonly maxRetryWaitMs?: number;
}

/** The resolved options a run works with (input with defaults applied). */
export interface DownloadOptions {
  readonly supportedTypes: readonly string[];
  readonly preConfirmed: boolean;
  readonly numbering: StatusNumbering;
  readonly maxReportAttempts: number;
  readonly reportRetryMs: number;
  readonly resumePolicy: ResumePolicy;
  readonly productIndex: number;
  readonly maxUpdates: number;
  readonly resumeRetryMs: number;
  readonly maxResumeRetries: number;
  readonly maxRetryWaitMs: number;
}

/** The transfer of the current media object: what is durably on disk and what the server said. */
export interface Transfer {
  /** Bytes of the object durably written so far: the resume offset (never a received-bytes counter). */
  readonly offset: number;
  /** The object's full length (Content-Length of the 200, else the DD size). */
  readonly length: number;
  /** The ETag exactly as received, quotes and all, `W/` of a weak one included (DL-PR-9). */
  readonly etag?: string;
  /** The `Last-Modified` exactly as received: the validator when there is no strong ETag (DL-PR-9, DL-PR-11). */
  readonly lastModified?: string;
  /** Whether the server sent `Accept-Ranges: bytes` (DL-PR-12). */
  readonly acceptRanges: boolean;
  /** The response's Content-Type, for the attribute check (DL-INST-10). */
  readonly contentType?: string;
}

/** The machine's context. */
export interface DownloadContext {
  readonly options: DownloadOptions;
  /** The descriptor URL being processed (the updatedDDURI after a 412). */
  readonly ddUrl: string;
  readonly dd?: Descriptor;
  readonly parseFailure?: ParseFailure;
  /** The media objects of the selected product, retrieved one after another. */
  readonly objects: readonly MediaObject[];
  readonly objectIndex: number;
  readonly transfer: Transfer;
  readonly pauseCause?: PauseCause;
  /** Files completely retrieved (and attribute-checked) so far, in order. */
  readonly retrieved: readonly DownloadFile[];
  readonly outcome?: StatusOutcome;
  /** Why the outcome is what it is (human text, with the clause id where one applies). */
  readonly reason?: string;
  /** Where reports go for the current descriptor (DL-INST-4). */
  readonly notifyURI?: string;
  /** The report being delivered and how many attempts it had. */
  readonly report?: StatusReport & { readonly attempts: number };
  /** Whether the final report of the current descriptor was accepted (200). */
  readonly reported: boolean;
  /** Reports that could not be delivered: the adapter persists them and retries later (DL-INST-12). */
  readonly pendingReports: readonly StatusReport[];
  /** Updated descriptors followed so far (DL-PR-10). */
  readonly updates: number;
  /** Resumes of the current object answered by a temporary error since its last appended 206. */
  readonly resumeRetries: number;
  /** The files made usable (only after success, DL-INST-1/2). */
  readonly committed: readonly DownloadFile[];
}

/** What a finished run returns. */
export interface DownloadOutput {
  readonly outcome: StatusOutcome;
  readonly statusCode: number;
  /** The report body, e.g. `900 Success`. */
  readonly statusLine: string;
  /** Whether the final status report was delivered (false also when no InstallNotifyURI was given). */
  readonly reported: boolean;
  /** Whether the objects were made usable: success and, with InstallNotifyURI, an accepted report. */
  readonly installed: boolean;
  readonly reason?: string;
  /** Offered after success and after failure (DL-NEXT-1). */
  readonly nextURL?: string;
  /** The committed files; empty unless installed. */
  readonly files: readonly DownloadFile[];
  /** Reports still to deliver (DL-INST-12). */
  readonly pendingReports: readonly StatusReport[];
}

/** Names of the timers the machine requests. */
export type DownloadTimer = 'reportRetry' | 'resumeRetry';

/** Params of `askConfirmation`: what the user is shown (DL-STEP-5). */
export interface ConfirmationRequest {
  readonly name?: string;
  readonly vendor?: string;
  readonly description?: string;
  /** Total bytes of the product's media objects. */
  readonly size: number;
  readonly types: readonly string[];
  readonly objectCount: number;
}

/**
 * Every effect the machine requests, by action name → params. An adapter implements each
 * (see {@link DownloadPort}); the machine never performs one itself.
 */
export interface DownloadEffects {
  /** GET the descriptor; answer DESCRIPTOR.LOADED or DESCRIPTOR.FAILED. */
  fetchDescriptor: { readonly url: string };
  /** Measure free storage; answer FREE_SPACE.MEASURED (DL-STEP-3). */
  queryFreeSpace: { readonly requiredBytes: number };
  /** Ask the user; answer USER.CONFIRMED or USER.DECLINED (DL-STEP-5). */
  askConfirmation: ConfirmationRequest;
  /**
   * GET exactly the ObjectURI (DL-RET-2); on resume with one Range (DL-PR-7, DL-PR-8) and If-Match
   * (DL-PR-9). Answer RESPONSE.HEADERS, then BODY.DURABLE… and BODY.END, or CONNECTION.LOST. Bytes are
   * written at the object's `offset` (0 for a fresh GET, the kept offset for a resume).
   */
  httpGet: {
    readonly url: string;
    readonly objectIndex: number;
    readonly offset: number;
    readonly range?: string;
    /** The kept strong ETag (DL-PR-9); never a weak one. */
    readonly ifMatch?: string;
    /** The kept `Last-Modified` when no strong ETag was kept (our reading of DL-PR-9). */
    readonly ifUnmodifiedSince?: string;
  };
  /** Stop the current transfer (close the request and socket) and flush what was written. */
  abortTransfer: Record<string, never>;
  /**
   * Delete retrieved bytes: `scope: 'object'` only the current object's (`objectIndex`), `scope: 'all'`
   * everything this run retrieved or pre-installed, kept range included (DL-INST-11, DL-PR-10).
   */
  discardPartial: { readonly scope: 'object' | 'all'; readonly objectIndex?: number };
  /** Prepare the retrieved objects for use without making them usable; answer INSTALL.PREPARED/FAILED. */
  preInstall: { readonly files: readonly DownloadFile[] };
  /** Make the pre-installed objects usable (DL-INST-1, DL-INST-2, DL-PR-5). Fire and forget. */
  commitObject: { readonly files: readonly DownloadFile[] };
  /** POST a status report as text/plain; answer REPORT.ACCEPTED (200) or REPORT.FAILED (DL-NOTIFY-1). */
  postReport: { readonly url: string; readonly body: string };
  /** Start a named one-shot timer; answer TIMER.FIRED with the same name. */
  startTimer: { readonly name: DownloadTimer; readonly ms: number };
  /** Cancel a named timer; no answer. */
  cancelTimer: { readonly name: DownloadTimer };
}

/** The adapter side of the machine: one function per effect, wired with `machine.provide({ actions })`. */
export type DownloadPort = { [K in keyof DownloadEffects]: (params: DownloadEffects[K]) => void };

/** Headers of a media object response, as the HTTP adapter reads them (raw header values). */
export interface ResponseHeadersEvent {
  readonly type: 'RESPONSE.HEADERS';
  readonly status: number;
  readonly acceptRanges?: string;
  /** Exactly as received, quotes (and a weak `W/`) included. */
  readonly etag?: string;
  /** The raw `Last-Modified`. */
  readonly lastModified?: string;
  /** The raw `Retry-After` (delta-seconds or an HTTP-date). */
  readonly retryAfter?: string;
  /** The raw `Date` of the response: what an HTTP-date `Retry-After` is measured from. */
  readonly date?: string;
  readonly contentRange?: string;
  readonly contentLength?: number;
  readonly contentType?: string;
  /** The raw `Content-Encoding`: on a 206 anything but `identity` is not the object's bytes (stack.md edge 8). */
  readonly contentEncoding?: string;
}

/** Why the installer failed, mapped onto statuses 901, 952, 953, 905 (DL-INST-7…10). */
export type InstallFailure =
  | 'insufficientMemory'
  | 'deviceAborted'
  | 'nonAcceptableContent'
  | 'attributeMismatch';

/** Every event the machine accepts. */
export type DownloadEvent =
  | {
      readonly type: 'DESCRIPTOR.LOADED';
      /** The descriptor as received (bytes: the machine decodes them per XML 1.0 §4.3.3), or already text. */
      readonly body: string | Uint8Array;
      readonly contentType?: string;
      readonly url: string;
    }
  | { readonly type: 'DESCRIPTOR.FAILED'; readonly reason: string; readonly status?: number }
  | {
      readonly type: 'FREE_SPACE.MEASURED';
      readonly bytes: number;
      /** Bytes of this descriptor's objects already kept in the state directory (journaled): not fetched again. */
      readonly keptBytes?: number;
    }
  | { readonly type: 'USER.CONFIRMED' }
  | { readonly type: 'USER.DECLINED' }
  | { readonly type: 'USER.PAUSE' }
  | { readonly type: 'USER.RESUME' }
  | { readonly type: 'USER.CANCEL' }
  | ResponseHeadersEvent
  /** Bytes of the current object durably on disk, counted from byte 0 of the object. */
  | { readonly type: 'BODY.DURABLE'; readonly offset: number }
  /** The body ended; `offset` is what is durably on disk then. */
  | { readonly type: 'BODY.END'; readonly offset: number }
  | { readonly type: 'CONNECTION.LOST'; readonly cause: string }
  | { readonly type: 'NETWORK.BACK' }
  | { readonly type: 'STORAGE.FULL' }
  | { readonly type: 'DEVICE.SHUTDOWN' }
  /**
   * After a crash: what the journal says is durably on disk for the current object; an adapter sends it
   * before the object's first request is answered (in `retrieving.requesting`) so a resume needs no extra GET.
   */
  | {
      readonly type: 'RESTART.RECOVERED';
      readonly offset: number;
      readonly etag?: string;
      readonly lastModified?: string;
      readonly length: number;
      /** Whether the server of the kept range sent `Accept-Ranges: bytes` (journaled); absent = unknown, never resumed. */
      readonly acceptRanges?: boolean;
    }
  /**
   * At the start of a run: an earlier run's install record says its 900 was accepted and these files are
   * installed (the adapter has finished moving them into place). Nothing is fetched or reported again.
   */
  | { readonly type: 'INSTALL.RECOVERED'; readonly files: readonly DownloadFile[] }
  | { readonly type: 'INSTALL.PREPARED' }
  | { readonly type: 'INSTALL.FAILED'; readonly reason: InstallFailure; readonly detail?: string }
  | { readonly type: 'REPORT.ACCEPTED' }
  | { readonly type: 'REPORT.FAILED'; readonly status?: number; readonly reason?: string }
  | { readonly type: 'TIMER.FIRED'; readonly name: DownloadTimer };

/** The event type strings, for adapters that switch on them. */
export type DownloadEventType = DownloadEvent['type'];

/** Every effect the machine requests, by name: one list for adapters that wire them all (checked complete). */
export const DOWNLOAD_EFFECT_NAMES = Object.freeze([
  'fetchDescriptor',
  'queryFreeSpace',
  'askConfirmation',
  'httpGet',
  'abortTransfer',
  'discardPartial',
  'preInstall',
  'commitObject',
  'postReport',
  'startTimer',
  'cancelTimer',
] as const satisfies readonly (keyof DownloadEffects)[]);

// Compile-time check that the list names every effect of the port.
type Unlisted = Exclude<keyof DownloadEffects, (typeof DOWNLOAD_EFFECT_NAMES)[number]>;
/** `true`, and a compile error while `DOWNLOAD_EFFECT_NAMES` misses a member of {@link DownloadEffects}. */
export const DOWNLOAD_EFFECTS_LISTED: Unlisted extends never ? true : never = true;
