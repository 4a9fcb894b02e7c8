/**
 * The model spec of the DLOTA agent machine: the concrete events tried in every state, built from one
 * fixed-seed fast-check sample of an object (size, cut point, objectID/objectVersion), the inputs, and the
 * abstraction of a snapshot (its value plus the context facts the guards read).
 *
 * @module
 */
import fc from 'fast-check';
import type { EventObject } from 'xstate';
import type { DownloadContext, DownloadEvent, DownloadInput } from '../../machines/dlota/index.js';
import { dlotaMachine, etagFor } from '../../machines/dlota/index.js';
import { DEFAULT_FC_SEED, fixedSamples } from '../fc.js';
import type { ModelSnapshot, ModelSpec } from '../paths.js';

/** The object every DLOTA model path downloads: sampled once with a fixed seed. */
export interface DlotaScenario {
  /** Object length in bytes (2 B – 4 MiB). */
  readonly size: number;
  /** Where the connection is cut: 1 … size − 1 bytes durably on disk. */
  readonly cut: number;
  readonly objectID: string;
  readonly objectVersion: string;
}

/** Object length, cut point and identity of a DLOTA download; the cut leaves at least one byte on each side. */
export const scenarioArb: fc.Arbitrary<DlotaScenario> = fc
  .record({
    size: fc.integer({ min: 2, max: 4 * 1024 * 1024 }),
    objectID: fc.stringMatching(/^[a-z0-9]{3,10}@example\.com$/),
    objectVersion: fc.tuple(fc.nat(9), fc.nat(9)).map(([a, b]) => `${a + 1}.${b}`),
  })
  .chain((s) => fc.integer({ min: 1, max: s.size - 1 }).map((cut) => ({ ...s, cut })));

/** The fixed seed of the model payloads (independent of `FC_SEED`, so the committed coverage never moves). */
export const MODEL_SEED = DEFAULT_FC_SEED;

/** The one scenario the model paths use. */
export const SCENARIO: DlotaScenario = fixedSamples(scenarioArb, 1, MODEL_SEED)[0]!;

/** URLs of the scenario (a host that is never contacted: the model drives the machine only). */
export const URLS = {
  dd: 'http://dl.example/dd/object.dd',
  object: 'http://dl.example/media/object.bin',
  notify: 'http://dl.example/notify/object',
  updated: 'http://dl.example/dd/object-v2.dd',
} as const;

/** The ETag a compliant server sends for the scenario (DL-PR-3). */
export const ETAG = etagFor(SCENARIO.objectID, SCENARIO.objectVersion);

function dd1(opts: { notify?: boolean; type?: string; version?: string } = {}): string {
  const { size, objectID, objectVersion } = SCENARIO;
  return `<?xml version="1.0" encoding="UTF-8"?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <name>Object</name>
  <type>${opts.type ?? 'image/gif'}</type>
  <size>${size}</size>
  <objectURI>/media/object.bin</objectURI>
  <objectID>${objectID}</objectID>
  <objectVersion>${objectVersion}</objectVersion>
  ${opts.version === undefined ? '' : `<DDVersion>${opts.version}</DDVersion>`}
  ${opts.notify === false ? '' : `<installNotifyURI>${URLS.notify}</installNotifyURI>`}
  <updatedDDURI>${URLS.updated}</updatedDDURI>
  <nextURL>/thanks</nextURL>
</media>`;
}

/** A DD 2.0 product of two objects of the scenario size that suppresses the confirmation step. */
function dd2TwoObjects(): string {
  const object = `<mediaObject><size>${SCENARIO.size}</size><type>image/gif</type><objectURI><server>/media/object.bin</server></objectURI></mediaObject>`;
  return `<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="2.0">
  <product>
    <meta><name>Bundle</name><suppressUserConfirmation>Always</suppressUserConfirmation><installNotifyURI>${URLS.notify}</installNotifyURI></meta>
    ${object}${object}
  </product>
</media>`;
}

const labels = new Map<EventObject, string>();
function labelled<E extends DownloadEvent>(label: string, event: E): E {
  labels.set(event, label);
  return event;
}

const { size, cut } = SCENARIO;
const loaded = (label: string, body: string) =>
  labelled(`DESCRIPTOR.LOADED ${label}`, { type: 'DESCRIPTOR.LOADED', body, url: URLS.dd });
const headers = (label: string, h: Omit<Extract<DownloadEvent, { type: 'RESPONSE.HEADERS' }>, 'type'>) =>
  labelled(`RESPONSE.HEADERS ${label}`, { type: 'RESPONSE.HEADERS', ...h });

/** Every concrete event the DLOTA model tries in every state. */
export const DLOTA_EVENTS: readonly DownloadEvent[] = [
  loaded('dd1', dd1()),
  loaded('dd1-no-notify', dd1({ notify: false })),
  loaded('dd1-audio', dd1({ type: 'audio/mpeg' })),
  loaded('dd1-v3', dd1({ version: '3.0' })),
  loaded('dd2-two-objects', dd2TwoObjects()),
  loaded('broken', '<media'),
  { type: 'DESCRIPTOR.FAILED', reason: 'ECONNREFUSED' },
  labelled('FREE_SPACE.MEASURED enough', { type: 'FREE_SPACE.MEASURED', bytes: 2 * size + 1 }),
  labelled('FREE_SPACE.MEASURED short', { type: 'FREE_SPACE.MEASURED', bytes: size - 1 }),
  { type: 'USER.CONFIRMED' },
  { type: 'USER.DECLINED' },
  { type: 'USER.PAUSE' },
  { type: 'USER.RESUME' },
  { type: 'USER.CANCEL' },
  headers('200 ranges', {
    status: 200,
    acceptRanges: 'bytes',
    etag: ETAG,
    contentLength: size,
    contentType: 'image/gif',
  }),
  headers('200 no-ranges', { status: 200, etag: ETAG, contentLength: size }),
  headers('200 wrong-length', { status: 200, acceptRanges: 'bytes', contentLength: size + 1 }),
  headers(`206 ${cut}-${size - 1}`, {
    status: 206,
    etag: ETAG,
    contentRange: `bytes ${cut}-${size - 1}/${size}`,
  }),
  headers(`206 0-${size - 1}`, { status: 206, etag: ETAG, contentRange: `bytes 0-${size - 1}/${size}` }),
  headers(`206 ${cut}-${size - 1} gzip`, {
    status: 206,
    etag: ETAG,
    contentRange: `bytes ${cut}-${size - 1}/${size}`,
    contentEncoding: 'gzip',
  }),
  headers(`206 ${cut}-${size - 1} other-etag`, {
    status: 206,
    etag: '"another/version"',
    contentRange: `bytes ${cut}-${size - 1}/${size}`,
  }),
  headers('412', { status: 412 }),
  headers(`416 */${size - 1}`, { status: 416, contentRange: `bytes */${size - 1}` }),
  headers('503 retry-after-1h', { status: 503, retryAfter: '3600' }),
  headers('404', { status: 404 }),
  headers('500', { status: 500 }),
  labelled(`BODY.DURABLE @${cut}`, { type: 'BODY.DURABLE', offset: cut }),
  labelled(`BODY.DURABLE @${size}`, { type: 'BODY.DURABLE', offset: size }),
  labelled(`BODY.END @${size}`, { type: 'BODY.END', offset: size }),
  labelled(`BODY.END @${cut}`, { type: 'BODY.END', offset: cut }),
  { type: 'CONNECTION.LOST', cause: 'ECONNRESET' },
  { type: 'NETWORK.BACK' },
  { type: 'STORAGE.FULL' },
  { type: 'DEVICE.SHUTDOWN' },
  // Journals as the agent writes them: whether the server sent Accept-Ranges: bytes is recorded.
  labelled(`RESTART.RECOVERED @${cut}`, {
    type: 'RESTART.RECOVERED',
    offset: cut,
    etag: ETAG,
    length: size,
    acceptRanges: true,
  }),
  labelled(`RESTART.RECOVERED @${size}`, {
    type: 'RESTART.RECOVERED',
    offset: size,
    etag: ETAG,
    length: size,
    acceptRanges: true,
  }),
  labelled(`RESTART.RECOVERED @${cut} no-ranges`, {
    type: 'RESTART.RECOVERED',
    offset: cut,
    etag: ETAG,
    length: size,
    acceptRanges: false,
  }),
  // An install record an earlier run left after its 900 was accepted.
  labelled('INSTALL.RECOVERED', {
    type: 'INSTALL.RECOVERED',
    files: [{ objectURI: URLS.object, size, types: ['image/gif'] }],
  }),
  { type: 'INSTALL.PREPARED' },
  labelled('INSTALL.FAILED insufficientMemory', { type: 'INSTALL.FAILED', reason: 'insufficientMemory' }),
  labelled('INSTALL.FAILED nonAcceptableContent', { type: 'INSTALL.FAILED', reason: 'nonAcceptableContent' }),
  labelled('INSTALL.FAILED attributeMismatch', { type: 'INSTALL.FAILED', reason: 'attributeMismatch' }),
  labelled('INSTALL.FAILED deviceAborted', { type: 'INSTALL.FAILED', reason: 'deviceAborted' }),
  { type: 'REPORT.ACCEPTED' },
  labelled('REPORT.FAILED 503', { type: 'REPORT.FAILED', status: 503 }),
  { type: 'TIMER.FIRED', name: 'reportRetry' },
  { type: 'TIMER.FIRED', name: 'resumeRetry' },
];

const BASE_INPUT: DownloadInput = {
  ddUrl: URLS.dd,
  supportedTypes: ['image/*'],
  maxUpdates: 1,
  maxReportAttempts: 2,
  reportRetryMs: 1000,
};

/**
 * The abstract vertex of a DLOTA snapshot: its value plus the context facts the guards of the current
 * state read (offsets only while retrieving, the pause cause only while paused, the outcome only once it
 * is being reported), so the graph stays small (stack.md sharp edge 2).
 */
function serializeDlota(snapshot: ModelSnapshot): string {
  const c = snapshot.context as DownloadContext;
  const leaf = JSON.stringify(snapshot.value);
  const retrieving = leaf.includes('retrieving');
  const reporting = leaf.includes('notifying') || snapshot.status !== 'active';
  return JSON.stringify([
    snapshot.status,
    snapshot.value,
    c.objects.map((o) => o.types.join('|')),
    c.notifyURI !== undefined,
    c.updates,
    retrieving
      ? [c.objectIndex, c.transfer.offset, c.transfer.acceptRanges, c.transfer.etag !== undefined]
      : null,
    leaf.includes('paused') ? [c.pauseCause ?? null, c.resumeRetries] : null,
    reporting ? [c.outcome ?? null, c.report?.attempts ?? null, c.reported] : null,
  ]);
}

/** How the model walks `dlotaMachine`: three inputs, the events above, the abstraction above. */
export const DLOTA_MODEL: ModelSpec = {
  machineId: 'dlota',
  machine: dlotaMachine,
  variants: [
    { name: 'default', input: BASE_INPUT },
    {
      name: 'no auto-resume',
      input: { ...BASE_INPUT, resumePolicy: { onRestart: false, onNetworkBack: false } },
    },
    { name: 'product 1', input: { ...BASE_INPUT, productIndex: 1 } },
  ],
  events: DLOTA_EVENTS,
  serializeState: serializeDlota,
  // After one updated descriptor the chart repeats itself: the vertex is kept, not expanded again.
  stopWhen: (snapshot) => (snapshot.context as DownloadContext).updates > 0,
  label: (event) => labels.get(event) ?? event.type,
};
