/**
 * Pure manager steps: each takes the manager context and an event, steps the affected downloads with
 * the download machine's pure `transition`, reschedules the transfer slots, and returns the next
 * context with the effect requests and notifications in the order they happened.
 *
 * Why plain data rather than spawned actors: the manager's whole state is then one immutable value
 * (each entry persisted as is, restored as input), `transition(oipfManagerMachine, …)` stays pure and
 * returns every child effect as one of the manager's own actions, and tests need no actor system. A
 * download is stepped with the machine compiled into its step table (download.step.ts, ../stepper.ts:
 * what xstate's `transition` decides, checked against it).
 * A step touches only the entries it names through the index (manager.index.ts): O(log n) each.
 *
 * @module
 */
import { CADD_CONTENT_TYPE, DAE_STATE, RESERVE } from './constants.js';
import { daeStateOf } from './download.logic.js';
import { downloadStep, initialDownloadStep } from './download.step.js';
import type { DownloadStateValue, OipfDownloadEffects, OipfDownloadEvent } from './download.types.js';
import { type DownloadIndex, isInProgressOrStalled, isVerifying } from './manager.index.js';
import { findDownload } from './manager.logic.js';
import { fitsStorage, withReservation } from './manager.storage.js';
import type {
  DaeCaller,
  DownloadCall,
  LastResult,
  ManagedDownload,
  ManagerEffectRequest,
  ManagerOutput,
  ManagerStep,
  OipfManagerContext,
  OipfManagerEmitted,
  OipfManagerEvent,
  RegisterCall,
} from './manager.types.js';

const EFFECT_NAMES: ReadonlySet<string> = new Set<keyof OipfDownloadEffects>([
  'startTransfer',
  'stopTransfer',
  'deleteData',
  'startTimer',
  'cancelTimer',
  'verifyContent',
  'cancelVerification',
]);

/** Turns a child's returned actions into the manager's outputs, tagged with the download id. */
function outputsOf(
  downloadId: string,
  actions: readonly { type: string; params?: unknown }[],
): ManagerOutput[] {
  const out: ManagerOutput[] = [];
  for (const action of actions) {
    if (action.type === 'xstate.emit') {
      out.push({ kind: 'emit', event: (action.params as { event: OipfManagerEmitted }).event });
    } else if (EFFECT_NAMES.has(action.type)) {
      const params = { ...(action.params as object), downloadId };
      out.push({ kind: 'effect', effect: { type: action.type, params } as ManagerEffectRequest });
    }
  }
  return out;
}

function withDownloads(step: ManagerStep, downloads: DownloadIndex, out: readonly ManagerOutput[]) {
  return { context: { ...step.context, downloads }, out: [...step.out, ...out] };
}

/** Steps one download with the download machine's pure step (download.step.ts); a removed one is dropped. */
export function stepDownload(step: ManagerStep, downloadId: string, event: OipfDownloadEvent): ManagerStep {
  const download = findDownload(step.context, downloadId);
  if (download === undefined) return step;
  const [next, actions] = downloadStep(download, event);
  const downloads =
    next.status === 'done'
      ? step.context.downloads.without(downloadId)
      : step.context.downloads.with({
          ...download,
          value: next.value as DownloadStateValue,
          context: next.context,
        });
  return withDownloads(step, downloads, outputsOf(downloadId, actions));
}

/**
 * Fills free slots with the highest-priority startable downloads, pre-empting a lower-priority
 * active one when a higher one waits (DAE-PRIO-1); a download that would not fit its organisation's
 * reservation or the free space fails with reason 0 instead of starting (DAE-RESERVE-5). A slot is a
 * transfer: one whose bytes are all kept starts (verifies again) without one.
 * Bounded: every round starts, fails or pre-empts one download, and pre-emption strictly raises the
 * active set's priorities.
 */
export function rebalance(step: ManagerStep): ManagerStep {
  let current = step;
  for (let round = 0; round < 4 * current.context.downloads.size + 4; round += 1) {
    const { context } = current;
    const next = context.downloads.bestStartable();
    if (next === undefined) return current;
    // One whose bytes are all kept only verifies again: it needs no transfer slot.
    if (context.downloads.activeCount < context.maxActive || next.context.contentComplete) {
      const need = next.context.totalSize ?? next.context.bytesReceived;
      const event = fitsStorage(context, next, need) ? 'SCHEDULER.START' : 'STORAGE.EXHAUSTED';
      current = stepDownload(current, next.id, { type: event });
      continue;
    }
    const lowest = context.downloads.lowestActive();
    if (lowest === undefined || lowest.context.priority >= next.context.priority) return current;
    current = stepDownload(current, lowest.id, { type: 'SCHEDULER.PREEMPT' });
  }
  return current;
}

/**
 * Whether a download may transfer at once: a slot is free, or one is held by a lower priority, which
 * is pre-empted first so the notifications come in the order the slots change (DAE-PRIO-1); one whose
 * bytes are all kept needs no slot (it only verifies again).
 */
function makeRoomFor(
  step: ManagerStep,
  download: ManagedDownload,
): { step: ManagerStep; slotAvailable: boolean } {
  const context = step.context;
  if (context.downloads.activeCount < context.maxActive || download.context.contentComplete)
    return { step, slotAvailable: true };
  const lowest = context.downloads.lowestActive();
  if (lowest === undefined || lowest.context.priority >= download.context.priority) {
    return { step, slotAvailable: false };
  }
  return { step: stepDownload(step, lowest.id, { type: 'SCHEDULER.PREEMPT' }), slotAvailable: true };
}

function record(step: ManagerStep, lastResult: LastResult): ManagerStep {
  return { context: { ...step.context, lastResult }, out: step.out };
}

const start = (context: OipfManagerContext): ManagerStep => ({ context, out: [] });

/** registerDownloadURL (accepted): a new download in queued (16); a CADD one first fetches its descriptor. */
export function stepRegister(context: OipfManagerContext, call: RegisterCall): ManagerStep {
  const [snapshot, actions] = initialDownloadStep({
    id: call.downloadId,
    url: call.url,
    priority: call.priority ?? 0,
    totalSize: call.totalSize,
    profile: context.profile,
  });
  const descriptorPending = call.contentType === CADD_CONTENT_TYPE;
  const startDelayMs = call.startDelayMs ?? 0;
  const download: ManagedDownload = {
    id: call.downloadId,
    appId: call.caller.appId,
    origin: call.caller.origin,
    orgId: call.caller.orgId,
    contentType: call.contentType,
    descriptorPending,
    ...(startDelayMs > 0 ? { startPending: true } : {}),
    value: snapshot.value as DownloadStateValue,
    context: snapshot.context,
  };
  const out = outputsOf(call.downloadId, actions);
  if (startDelayMs > 0) {
    // Ours (dae-download.md): downloadStart is honoured — queued until the start timer fires.
    out.push({
      kind: 'effect',
      effect: {
        type: 'startTimer',
        params: { downloadId: call.downloadId, name: 'start', ms: startDelayMs },
      },
    });
  }
  if (descriptorPending) {
    out.push({
      kind: 'effect',
      effect: { type: 'fetchDescriptor', params: { downloadId: call.downloadId, url: call.url } },
    });
  }
  const registered = withDownloads(start(context), context.downloads.with(download), out);
  return record(rebalance(registered), {
    method: 'registerDownloadURL',
    downloadId: call.downloadId,
    value: call.downloadId,
  });
}

/** pause (accepted): the download pauses (no event if already paused) and its slot goes to the next. */
export function stepPause(context: OipfManagerContext, call: DownloadCall): ManagerStep {
  const paused = stepDownload(start(context), call.downloadId, { type: 'APP.PAUSE' });
  return record(rebalance(paused), { method: 'pause', downloadId: call.downloadId, value: true });
}

/** resume (accepted): in progress at once when a slot is free (or taken by a lower priority), else queued. */
export function stepResume(context: OipfManagerContext, call: DownloadCall): ManagerStep {
  const download = findDownload(context, call.downloadId)!;
  // A download whose descriptor is not parsed yet has no content URL: it waits queued (DAE-GET-2).
  const room = download.descriptorPending
    ? { step: start(context), slotAvailable: false }
    : makeRoomFor(start(context), download);
  const resumed = stepDownload(room.step, call.downloadId, {
    type: 'APP.RESUME',
    slotAvailable: room.slotAvailable,
  });
  return record(rebalance(resumed), { method: 'resume', downloadId: call.downloadId, value: true });
}

/** updateRegisteredDownload (accepted): a failed one needs a slot to resume; a stalled one holds its own. */
export function stepUpdate(
  context: OipfManagerContext,
  call: DownloadCall & { readonly url: string },
): ManagerStep {
  const download = findDownload(context, call.downloadId)!;
  const failed = daeStateOf(download) === DAE_STATE.DOWNLOAD_FAILED;
  const room = failed ? makeRoomFor(start(context), download) : { step: start(context), slotAvailable: true };
  const event = { type: 'APP.UPDATE_URL', url: call.url, slotAvailable: room.slotAvailable } as const;
  const updated = stepDownload(room.step, call.downloadId, event);
  return record(rebalance(updated), {
    method: 'updateRegisteredDownload',
    downloadId: call.downloadId,
    value: true,
  });
}

/** remove (accepted): the download's data is deleted, it is dropped, its slot goes to the next. */
export function stepRemove(context: OipfManagerContext, call: DownloadCall): ManagerStep {
  const removed = stepDownload(start(context), call.downloadId, { type: 'APP.REMOVE' });
  return record(rebalance(removed), { method: 'remove', downloadId: call.downloadId, value: true });
}

/** reserve (granted): sets, adjusts or with 0 cancels the caller organisation's reservation (DAE-RESERVE-2, DAE-RESERVE-6). */
export function stepReserve(
  context: OipfManagerContext,
  call: { readonly caller: DaeCaller; readonly bytes: number },
): ManagerStep {
  const orgId = call.caller.orgId;
  return record(stepReservation(context, orgId, call.bytes), {
    method: 'reserve',
    orgId,
    value: RESERVE.RESERVE_OK,
  });
}

/** Sets (or with 0 cancels) an organisation's reservation; callers decide whether it is granted. */
export function stepReservation(context: OipfManagerContext, orgId: string, bytes: number): ManagerStep {
  return start({ ...context, reservations: withReservation(context.reservations, orgId, bytes) });
}

/** The download event an adapter event stands for, after the storage checks (DAE-RESERVE-5). */
function childEventOf(context: OipfManagerContext, event: OipfManagerEvent): OipfDownloadEvent | undefined {
  if (!('downloadId' in event) || event.type.startsWith('APP.')) return undefined;
  const download = findDownload(context, event.downloadId);
  if (download === undefined) return undefined;
  const { downloadId: _id, ...rest } = event as OipfManagerEvent & { downloadId: string };
  const child = rest as OipfDownloadEvent;
  if (child.type === 'TRANSFER.PROGRESS' && !fitsStorage(context, download, child.bytesDurable)) {
    return { type: 'STORAGE.EXHAUSTED' };
  }
  if (
    child.type === 'TRANSFER.HEADERS' &&
    child.totalSize !== undefined &&
    (child.status === 200 || child.status === 206)
  ) {
    if (!fitsStorage(context, download, child.totalSize)) return { type: 'STORAGE.EXHAUSTED' };
  }
  return child;
}

/** An adapter's result event (transfer, timer, descriptor, storage, FDP): forwarded to its download, then slots rebalanced. */
export function stepAdapterEvent(context: OipfManagerContext, event: OipfManagerEvent): ManagerStep {
  if (event.type === 'TIMER.FIRED' && event.name === 'start') {
    // The requested start time came: the download becomes startable and takes a slot if one is free.
    const download = findDownload(context, event.downloadId);
    if (download === undefined) return start(context);
    const downloads = context.downloads.with({ ...download, startPending: false });
    return rebalance(withDownloads(start(context), downloads, []));
  }
  const child = childEventOf(context, event);
  if (child === undefined || !('downloadId' in event)) return start(context);
  let step = start(context);
  if (event.type === 'DESCRIPTOR.PARSED' || event.type === 'DESCRIPTOR.REJECTED') {
    const download = findDownload(context, event.downloadId)!;
    step = withDownloads(step, context.downloads.with({ ...download, descriptorPending: false }), []);
  }
  return rebalance(stepDownload(step, event.downloadId, child));
}

/**
 * A restored download cannot still be transferring: in progress or stalled ones come back paused by
 * the OITF and are resumed by the first rebalance (from their last durable byte; one restored while
 * verifying, with every byte kept, verifies again without a transfer).
 */
export function restoredDownload(stored: ManagedDownload): ManagedDownload {
  // An entry written before verification generations existed: a verifying one had every byte kept.
  const c = stored.context as Partial<ManagedDownload['context']> & ManagedDownload['context'];
  const verifying = isVerifying(stored);
  const download: ManagedDownload = {
    ...stored,
    context: { ...c, contentComplete: c.contentComplete ?? verifying, verification: c.verification ?? 0 },
  };
  return isInProgressOrStalled(download)
    ? { ...download, value: { paused: 'byScheduler' }, context: { ...download.context, stallAttempts: 0 } }
    : download;
}
