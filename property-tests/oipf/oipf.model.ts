/**
 * The model specs of the two OIPF DAE machines (download lifecycle, download manager): concrete events
 * built from one fixed-seed fast-check sample (size, durable offset, ETag, priorities), the inputs, and
 * the abstraction of a snapshot.
 *
 * @module
 */
import fc from 'fast-check';
import type { EventObject } from 'xstate';
import {
  type DaeCaller,
  daeStateOf,
  type OipfDownloadContext,
  type OipfDownloadEvent,
  type OipfManagerContext,
  type OipfManagerEvent,
  oipfDownloadMachine,
  oipfManagerMachine,
  reasonOf,
} from '../../machines/oipf/index.js';
import { MODEL_SEED } from '../dlota/dlota.model.js';
import { fixedSamples } from '../fc.js';
import type { ModelSnapshot, ModelSpec } from '../paths.js';

/** The download every OIPF model path retrieves: sampled once with the fixed model seed. */
export interface OipfScenario {
  /** Total size in bytes (2 B – 4 MiB). */
  readonly size: number;
  /** Bytes durably on disk when the transfer is interrupted (1 … size − 1). */
  readonly cut: number;
  readonly etag: string;
  /** Priority of the first download; the second registers with a higher one (DAE-PRIO-1). */
  readonly priority: number;
}

/** Size, durable offset, validator and priority of an OIPF download. */
export const oipfScenarioArb: fc.Arbitrary<OipfScenario> = fc
  .record({
    size: fc.integer({ min: 2, max: 4 * 1024 * 1024 }),
    etag: fc.stringMatching(/^"[a-z0-9]{4,12}"$/),
    priority: fc.integer({ min: 0, max: 8 }),
  })
  .chain((s) => fc.integer({ min: 1, max: s.size - 1 }).map((cut) => ({ ...s, cut })));

/** The one scenario of the OIPF model paths. */
export const OIPF_SCENARIO: OipfScenario = fixedSamples(oipfScenarioArb, 1, MODEL_SEED + 1)[0]!;

const { size, cut, etag, priority } = OIPF_SCENARIO;
const URL_A = 'http://cdn.example/a.mp4';
const URL_B = 'http://mirror.example/a.mp4';

const labels = new Map<EventObject, string>();
function labelled<E extends EventObject>(label: string, event: E): E {
  labels.set(event, label);
  return event;
}

/** Every concrete event the download-lifecycle model tries in every state. */
export const OIPF_DOWNLOAD_EVENTS: readonly OipfDownloadEvent[] = [
  { type: 'SCHEDULER.START' },
  // APP.PAUSE before SCHEDULER.PREEMPT: on a tie the paths pause by the application, whose resume() a real
  // manager can be asked with a free slot (a slot freed for one paused by the OITF restarts it at once).
  { type: 'APP.PAUSE' },
  { type: 'SCHEDULER.PREEMPT' },
  labelled('APP.RESUME slot', { type: 'APP.RESUME', slotAvailable: true }),
  labelled('APP.RESUME no-slot', { type: 'APP.RESUME', slotAvailable: false }),
  labelled('APP.UPDATE_URL slot', { type: 'APP.UPDATE_URL', url: URL_B, slotAvailable: true }),
  labelled('APP.UPDATE_URL no-slot', { type: 'APP.UPDATE_URL', url: URL_B, slotAvailable: false }),
  { type: 'APP.REMOVE' },
  labelled('DESCRIPTOR.PARSED', { type: 'DESCRIPTOR.PARSED', url: URL_A, totalSize: size }),
  { type: 'DESCRIPTOR.REJECTED', cause: 'bad CADD' },
  labelled('TRANSFER.HEADERS 200', { type: 'TRANSFER.HEADERS', status: 200, etag, totalSize: size }),
  labelled('TRANSFER.HEADERS 206', { type: 'TRANSFER.HEADERS', status: 206, etag, totalSize: size }),
  labelled('TRANSFER.HEADERS 200 other-etag', {
    type: 'TRANSFER.HEADERS',
    status: 200,
    etag: '"changed"',
    totalSize: size,
  }),
  labelled('TRANSFER.HEADERS 206 other-size', {
    type: 'TRANSFER.HEADERS',
    status: 206,
    etag,
    totalSize: size + 1,
  }),
  ...[403, 404, 412, 416, 400, 503].map((status) =>
    labelled(`TRANSFER.HEADERS ${status}`, { type: 'TRANSFER.HEADERS', status } as const),
  ),
  labelled(`TRANSFER.PROGRESS @${cut}`, { type: 'TRANSFER.PROGRESS', bytesDurable: cut }),
  labelled(`TRANSFER.COMPLETE @${size}`, { type: 'TRANSFER.COMPLETE', bytesDurable: size }),
  labelled(`TRANSFER.COMPLETE @${cut}`, { type: 'TRANSFER.COMPLETE', bytesDurable: cut }),
  { type: 'TRANSFER.VERIFIED', verification: 1 },
  { type: 'TRANSFER.CHECKSUM_MISMATCH', verification: 1 },
  labelled('TRANSFER.VERIFY_ERROR', { type: 'TRANSFER.VERIFY_ERROR', verification: 1, cause: 'EIO' }),
  labelled('TRANSFER.FAILED transient', { type: 'TRANSFER.FAILED', kind: 'transient', cause: 'reset' }),
  labelled('TRANSFER.FAILED permanent', { type: 'TRANSFER.FAILED', kind: 'permanent', cause: 'refused' }),
  ...[403, 404, 412, 416].map((httpStatus) =>
    labelled(`TRANSFER.FAILED ${httpStatus}`, {
      type: 'TRANSFER.FAILED',
      kind: 'permanent',
      httpStatus,
      cause: 'http',
    } as const),
  ),
  { type: 'TIMER.FIRED', name: 'retry' },
  { type: 'STORAGE.EXHAUSTED' },
  labelled('FDP.COMPLETED_WITH_ERRORS keep', { type: 'FDP.COMPLETED_WITH_ERRORS', discardFileOnError: 0 }),
  labelled('FDP.COMPLETED_WITH_ERRORS discard', { type: 'FDP.COMPLETED_WITH_ERRORS', discardFileOnError: 1 }),
];

function serializeDownload(snapshot: ModelSnapshot): string {
  const c = snapshot.context as OipfDownloadContext;
  return JSON.stringify([
    snapshot.status,
    snapshot.value,
    // The guards read whether bytes are kept (all of them), the validator, the known size and the retry count.
    // The verification generation is left out: it grows with every pause/resume while verifying (an unbounded
    // graph), and the model's results carry the first generation, the one every shortest path waits for.
    c.bytesReceived > 0,
    c.contentComplete,
    c.etag ?? null,
    c.totalSize ?? null,
    c.stallAttempts,
  ]);
}

/** How the model walks `oipfDownloadMachine`: OIPF and HbbTV profiles. */
export const OIPF_DOWNLOAD_MODEL: ModelSpec = {
  machineId: 'oipf-download',
  machine: oipfDownloadMachine,
  variants: [
    { name: 'oipf', input: { id: 'd1', url: URL_A, totalSize: size, priority } },
    { name: 'hbbtv', input: { id: 'd1', url: URL_A, totalSize: size, priority, profile: 'hbbtv' } },
  ],
  events: OIPF_DOWNLOAD_EVENTS,
  serializeState: serializeDownload,
  label: (event) => labels.get(event) ?? event.type,
};

/** The application every manager path calls from (its own downloads only). */
export const CALLER: DaeCaller = {
  appId: 'app1',
  origin: 'tv.example',
  orgId: 'org1',
  permissions: ['permission_downloadmanager'],
};

const d1 = { downloadId: 'd1' } as const;
const call = { ...d1, caller: CALLER } as const;

/** Every concrete event the manager model tries in every state. */
export const OIPF_MANAGER_EVENTS: readonly OipfManagerEvent[] = [
  labelled(`APP.REGISTER d1 p${priority}`, {
    type: 'APP.REGISTER',
    ...call,
    url: URL_A,
    contentType: 'video/mp4',
    priority,
    totalSize: size,
  }),
  labelled(`APP.REGISTER d2 p${priority + 1}`, {
    type: 'APP.REGISTER',
    downloadId: 'd2',
    caller: CALLER,
    url: URL_B,
    contentType: 'video/mp4',
    priority: priority + 1,
    totalSize: size,
  }),
  labelled('APP.PAUSE d1', { type: 'APP.PAUSE', ...call }),
  labelled('APP.RESUME d1', { type: 'APP.RESUME', ...call }),
  labelled('APP.UPDATE_URL d1', { type: 'APP.UPDATE_URL', ...call, url: URL_B }),
  labelled('APP.REMOVE d1', { type: 'APP.REMOVE', ...call }),
  labelled(`APP.RESERVE ${2 * size}`, { type: 'APP.RESERVE', caller: CALLER, bytes: 2 * size }),
  labelled('APP.RESERVE too-large', { type: 'APP.RESERVE', caller: CALLER, bytes: 1000 * size }),
  labelled('OITF.RESERVATION_CHANGED 0', { type: 'OITF.RESERVATION_CHANGED', orgId: 'org1', bytes: 0 }),
  labelled('DESCRIPTOR.PARSED d1', { type: 'DESCRIPTOR.PARSED', ...d1, url: URL_A, totalSize: size }),
  labelled('DESCRIPTOR.REJECTED d1', { type: 'DESCRIPTOR.REJECTED', ...d1, cause: 'bad CADD' }),
  labelled('TRANSFER.HEADERS d1 206', {
    type: 'TRANSFER.HEADERS',
    ...d1,
    status: 206,
    etag,
    totalSize: size,
  }),
  labelled(`TRANSFER.PROGRESS d1 @${cut}`, { type: 'TRANSFER.PROGRESS', ...d1, bytesDurable: cut }),
  labelled(`TRANSFER.COMPLETE d1 @${size}`, { type: 'TRANSFER.COMPLETE', ...d1, bytesDurable: size }),
  labelled('TRANSFER.VERIFIED d1', { type: 'TRANSFER.VERIFIED', ...d1, verification: 1 }),
  labelled('TRANSFER.CHECKSUM_MISMATCH d1', { type: 'TRANSFER.CHECKSUM_MISMATCH', ...d1, verification: 1 }),
  labelled('TRANSFER.VERIFY_ERROR d1', {
    type: 'TRANSFER.VERIFY_ERROR',
    ...d1,
    verification: 1,
    cause: 'EIO',
  }),
  labelled('TRANSFER.FAILED d1 transient', {
    type: 'TRANSFER.FAILED',
    ...d1,
    kind: 'transient',
    cause: 'reset',
  }),
  labelled('TIMER.FIRED d1', { type: 'TIMER.FIRED', ...d1, name: 'retry' }),
  labelled('STORAGE.EXHAUSTED d1', { type: 'STORAGE.EXHAUSTED', ...d1 }),
  labelled('FDP.COMPLETED_WITH_ERRORS d1', {
    type: 'FDP.COMPLETED_WITH_ERRORS',
    ...d1,
    discardFileOnError: 0,
  }),
];

function serializeManager(snapshot: ModelSnapshot): string {
  const c = snapshot.context as OipfManagerContext;
  return JSON.stringify([
    snapshot.status,
    snapshot.value,
    c.downloads
      .list()
      .map((d) => [d.id, daeStateOf(d) ?? null, reasonOf(d) ?? null, d.context.bytesReceived > 0]),
    Object.keys(c.reservations).sort(),
  ]);
}

/** How the model walks `oipfManagerMachine`: one slot, OIPF and HbbTV profiles. */
export const OIPF_MANAGER_MODEL: ModelSpec = {
  machineId: 'oipf-manager',
  machine: oipfManagerMachine,
  variants: [
    { name: 'oipf', input: { capacityBytes: 100 * size, maxActive: 1 } },
    { name: 'hbbtv', input: { capacityBytes: 100 * size, maxActive: 1, profile: 'hbbtv' } },
  ],
  events: OIPF_MANAGER_EVENTS,
  serializeState: serializeManager,
  label: (event) => labels.get(event) ?? event.type,
};
