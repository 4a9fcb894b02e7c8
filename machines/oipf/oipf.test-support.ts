/**
 * Test support for machines/oipf (pure, no test runner imports): drives the download and manager
 * machines with the pure `transition` API and reads back their notifications and effect requests.
 *
 * @module
 */
import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import { BYTES_PER_MB, type DaeState } from './constants.js';
import { oipfDownloadMachine } from './download.machine.js';
import type { DaeStateChanged, OipfDownloadEvent, OipfDownloadInput } from './download.types.js';
import { downloadViews } from './manager.logic.js';
import { oipfManagerMachine } from './manager.machine.js';
import type { DaeCaller, OipfManagerEvent, OipfManagerInput, RegisterCall } from './manager.types.js';

/** A download machine snapshot. */
export type DownloadSnap = SnapshotFrom<typeof oipfDownloadMachine>;
/** An action as `transition` returns it. */
export type Action = { type: string; params?: unknown };

/** The input of the download used by the tests. */
export const INPUT: OipfDownloadInput = { id: 'd1', url: 'http://cdn.example/a.mp4', totalSize: 100 };

/** Emitted STATE_CHANGED notifications among returned actions. */
export function notes(actions: readonly Action[]): DaeStateChanged[] {
  return actions
    .filter((a) => a.type === 'xstate.emit')
    .map((a) => (a.params as { event: DaeStateChanged }).event)
    .filter((e) => e.type === 'STATE_CHANGED');
}

/** Effect requests among returned actions, as [name, params]. */
export function effects(actions: readonly Action[]): [string, unknown][] {
  return actions.filter((a) => a.type !== 'xstate.emit').map((a) => [a.type, a.params]);
}

/** Runs events from the initial state; returns the last snapshot and every action returned on the way. */
export function run(
  events: readonly OipfDownloadEvent[],
  input: OipfDownloadInput = INPUT,
): { s: DownloadSnap; all: Action[] } {
  let [s, actions] = initialTransition(oipfDownloadMachine, input);
  const all: Action[] = [...actions];
  for (const event of events) {
    [s, actions] = transition(oipfDownloadMachine, s, event);
    all.push(...actions);
  }
  return { s, all };
}

/** The scheduler gives the download a slot. */
export const START = { type: 'SCHEDULER.START' } as const;
/** A transient transfer failure. */
export const STALL = { type: 'TRANSFER.FAILED', kind: 'transient', cause: 'reset' } as const;
/** The back-off timer fired. */
export const FIRE = { type: 'TIMER.FIRED', name: 'retry' } as const;

/** One event path to every DAE state (and the sub-states that matter). */
export const PATHS: Record<string, readonly OipfDownloadEvent[]> = {
  queued: [],
  inProgress: [START],
  verifying: [START, { type: 'TRANSFER.COMPLETE', bytesDurable: 100 }],
  pausedByApp: [{ type: 'APP.PAUSE' }],
  pausedByScheduler: [START, { type: 'SCHEDULER.PREEMPT' }],
  stalledWaiting: [START, STALL],
  stalledRetrying: [START, STALL, FIRE],
  completed: [
    START,
    { type: 'TRANSFER.COMPLETE', bytesDurable: 100 },
    { type: 'TRANSFER.VERIFIED', verification: 1 },
  ],
  failed: [START, { type: 'TRANSFER.FAILED', kind: 'permanent', httpStatus: 404, cause: 'gone' }],
  removed: [{ type: 'APP.REMOVE' }],
};

/** The DAE state each of {@link PATHS} reaches (undefined: removed). */
export const EXPECTED: Record<string, DaeState | undefined> = {
  queued: 16,
  inProgress: 2,
  verifying: 2,
  pausedByApp: 4,
  pausedByScheduler: 4,
  stalledWaiting: 32,
  stalledRetrying: 32,
  completed: 1,
  failed: 8,
  removed: undefined,
};

/** A manager machine snapshot. */
export type ManagerSnap = SnapshotFrom<typeof oipfManagerMachine>;

/** One megabyte in bytes. */
export const MB = BYTES_PER_MB;
/** The calling application: own downloads only. */
export const APP: DaeCaller = {
  appId: 'app1',
  origin: 'tv.example',
  orgId: 'org1',
  permissions: ['permission_downloadmanager'],
};
/** An application of another domain and organisation. */
export const OTHER: DaeCaller = {
  appId: 'app9',
  origin: 'evil.example',
  orgId: 'org9',
  permissions: ['permission_downloadmanager'],
};

/** A small driver over the pure `transition` API that keeps every returned action. */
export class Driver {
  s: ManagerSnap;
  actions: Action[] = [];
  constructor(input: OipfManagerInput) {
    const [s, actions] = initialTransition(oipfManagerMachine, input);
    this.s = s;
    this.actions = actions;
  }
  /** Sends one event through the pure `transition`; keeps the snapshot and the returned actions. */
  send(event: OipfManagerEvent): this {
    const [s, actions] = transition(oipfManagerMachine, this.s, event);
    this.s = s;
    this.actions = actions;
    return this;
  }
  /** Registers download `id` for {@link APP} (url http://cdn.example/<id>). */
  register(
    id: string,
    priority = 0,
    extra: Partial<Pick<RegisterCall, 'totalSize' | 'contentType' | 'startDelayMs'>> = {},
  ): this {
    return this.send({
      type: 'APP.REGISTER',
      downloadId: id,
      caller: APP,
      url: `http://cdn.example/${id}`,
      contentType: 'video/mp4',
      priority,
      ...extra,
    });
  }
  /** STATE_CHANGED notifications of the last step as "id:state[:reason]". */
  notes(): string[] {
    return this.actions
      .filter((a) => a.type === 'xstate.emit')
      .map((a) => (a.params as { event: DaeStateChanged }).event)
      .filter((e) => e.type === 'STATE_CHANGED')
      .map((e) => (e.reason === undefined ? `${e.id}:${e.state}` : `${e.id}:${e.state}:${e.reason}`));
  }
  /** Effect requests of the last step as "name(downloadId)". */
  effects(): string[] {
    return this.actions
      .filter((a) => a.type !== 'xstate.emit')
      .map((a) => `${a.type}(${(a.params as { downloadId: string }).downloadId})`);
  }
  /** The DAE state of a live download, or undefined. */
  state(id: string): number | undefined {
    return downloadViews(this.s.context).find((v) => v.id === id)?.state;
  }
}

/** A manager holding download 'd' in the named DAE state (or removed / unknown). */
export function managerWith(state: string): Driver {
  const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 1 });
  const id = 'd';
  switch (state) {
    case 'queued':
      return m.register('blocker', 9).register(id, 0);
    case 'inProgress':
      return m.register(id);
    case 'paused':
      return m.register(id).send({ type: 'APP.PAUSE', downloadId: id, caller: APP });
    case 'stalled':
      return m
        .register(id)
        .send({ type: 'TRANSFER.FAILED', downloadId: id, kind: 'transient', cause: 'reset' });
    case 'completed':
      return m
        .register(id)
        .send({ type: 'TRANSFER.COMPLETE', downloadId: id, bytesDurable: 1 })
        .send({ type: 'TRANSFER.VERIFIED', downloadId: id, verification: 1 });
    case 'failed':
      return m
        .register(id)
        .send({ type: 'TRANSFER.FAILED', downloadId: id, kind: 'permanent', httpStatus: 403, cause: 'x' });
    case 'removed':
      return m.register(id).send({ type: 'APP.REMOVE', downloadId: id, caller: APP });
    default:
      return m;
  }
}
