/**
 * What the OIPF DAE machines must emit and request in each state, asserted at every step of every model
 * path: one STATE_CHANGED per DAE state change with the right state and a reason only in state 8, the
 * transfer requested from the last durable byte of the current URL, pausing closes the transfer, the
 * return values of the synchronous methods, bounded slots, and refused reservations that change nothing.
 *
 * @module
 */
import assert from 'node:assert/strict';
import type { EventObject } from 'xstate';
import {
  canPause,
  canResume,
  canUpdate,
  DAE_STATE,
  type DaeStateChanged,
  daeStateOf,
  type OipfDownloadContext,
  type OipfDownloadEffects,
  type OipfManagerContext,
  RESERVE,
  reasonOf,
} from '../../machines/oipf/index.js';
import type { PathCheck, RequestedAction, StepView } from '../machine-system.js';

const emitted = (actions: readonly RequestedAction[]) =>
  actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: { type: string } }).event);
const notes = (actions: readonly RequestedAction[]) =>
  emitted(actions).filter((e): e is DaeStateChanged => e.type === 'STATE_CHANGED');
const of = (actions: readonly RequestedAction[], type: string) => actions.filter((a) => a.type === type);
const dctx = (snapshot: { context: unknown }) => snapshot.context as OipfDownloadContext;
const top = (states: readonly string[]) => states.map((s) => s.split('.')[0]);

/** The download-lifecycle step invariants. */
export const OIPF_DOWNLOAD_CHECKS: readonly PathCheck[] = [
  {
    name: 'exactly one STATE_CHANGED per DAE state change, naming the new state',
    clauses: ['DAE-EVT-1', 'DAE-STATE-1'],
    applies: () => true,
    assert: ({ prev, next, actions }) => {
      const before = daeStateOf(prev);
      const after = daeStateOf(next);
      const list = notes(actions);
      if (after === undefined) assert.equal(list.length, 0, 'no STATE_CHANGED once removed');
      else if (after === before) assert.equal(list.length, 0, `no event without a change (${after})`);
      else
        assert.deepEqual(
          list.map((n) => n.state),
          [after],
        );
    },
  },
  {
    name: 'the reason is defined only with state 8, and is the failed sub-state’s',
    clauses: ['DAE-STATE-2'],
    applies: () => true,
    assert: ({ next, actions }) => {
      for (const n of notes(actions)) {
        assert.equal(n.reason === undefined, n.state !== DAE_STATE.DOWNLOAD_FAILED, JSON.stringify(n));
        if (n.reason !== undefined) assert.equal(n.reason, reasonOf(next));
      }
      if (daeStateOf(next) !== DAE_STATE.DOWNLOAD_FAILED) assert.equal(reasonOf(next), undefined);
    },
  },
  {
    name: 'a transfer starts from the last durable byte of the current URL, with If-Match the known ETag',
    clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-2', 'DAE-UPDATE-3'],
    applies: (s) => s.rows.some((r) => r.actions.includes('startTransfer')),
    assert: ({ next, actions }) => {
      const starts = of(actions, 'startTransfer').map(
        (a) => a.params as OipfDownloadEffects['startTransfer'],
      );
      assert.equal(starts.length, 1);
      const c = dctx(next);
      assert.deepEqual(starts[0], { url: c.url, fromByte: c.bytesReceived, ifMatch: c.etag });
    },
  },
  {
    name: 'a 200 to a transfer that already has bytes restarts from byte 0, never appends',
    clauses: ['DAE-UPDATE-2'],
    applies: (s) =>
      (s.event as { status?: number }).status === 200 &&
      (s.before.includes('inProgress.transferring') || s.before.includes('stalled.retrying')),
    assert: ({ prev, next, actions }) => {
      const e = dctx(prev);
      if (e.bytesReceived === 0 || daeStateOf(next) === DAE_STATE.DOWNLOAD_FAILED) return;
      assert.equal(of(actions, 'deleteData').length, 1, 'the kept bytes are deleted');
      assert.equal(dctx(next).bytesReceived, 0);
      const starts = of(actions, 'startTransfer').map(
        (a) => a.params as OipfDownloadEffects['startTransfer'],
      );
      assert.deepEqual(
        starts.map((t) => t.fromByte),
        [0],
      );
    },
  },
  {
    name: 'pausing a transferring download closes its transfer',
    clauses: ['DAE-PAUSE-2'],
    applies: (s) => s.before.includes('inProgress.transferring') && top(s.after).includes('paused'),
    assert: ({ actions }) => assert.equal(of(actions, 'stopTransfer').length, 1),
  },
  {
    name: 'pausing a verifying download cancels that verification and keeps every byte',
    clauses: ['DAE-PAUSE-2'],
    applies: (s) => s.before.includes('inProgress.verifying') && top(s.after).includes('paused'),
    assert: ({ prev, next, actions }) => {
      assert.deepEqual(
        of(actions, 'cancelVerification').map((a) => a.params),
        [{ verification: dctx(prev).verification }],
      );
      assert.equal(of(actions, 'stopTransfer').length, 0);
      assert.equal(dctx(next).bytesReceived, dctx(prev).bytesReceived);
      assert.equal(dctx(next).contentComplete, true);
    },
  },
  {
    name: 'a download with every byte kept never transfers again: in progress means a new verification',
    clauses: ['DAE-PAUSE-2', 'DAE-RESUME-1'],
    applies: (s) => s.after.includes('inProgress.verifying') && !top(s.before).includes('inProgress'),
    assert: ({ prev, next, actions }) => {
      assert.equal(
        dctx(prev).contentComplete,
        true,
        'only a download with every byte kept skips the transfer',
      );
      assert.equal(of(actions, 'startTransfer').length, 0);
      assert.deepEqual(
        of(actions, 'verifyContent').map((a) => a.params),
        [{ bytes: dctx(prev).bytesReceived, verification: dctx(prev).verification + 1 }],
      );
      assert.equal(dctx(next).verification, dctx(prev).verification + 1);
    },
  },
  {
    name: 'a changed object fails with reason 2 and its bytes are discarded, never appended',
    clauses: ['DAE-STATE-2'],
    applies: (s) => s.after.includes('failed.notAvailable') && !s.before.includes('failed.notAvailable'),
    assert: ({ next, event, actions }) => {
      const e = event as EventObject & { status?: number; httpStatus?: number; etag?: string };
      if (e.status === 412 || e.httpStatus === 412 || e.etag !== undefined) {
        assert.equal(of(actions, 'deleteData').length, 1);
        assert.equal(dctx(next).bytesReceived, 0);
      }
    },
  },
  {
    name: 'remove(): all data deleted, REMOVED emitted once, nothing after',
    clauses: ['DAE-REMOVE-1', 'DAE-REMOVE-2'],
    applies: (s) => s.after.includes('removed') && !s.before.includes('removed'),
    assert: ({ next, actions }) => {
      assert.equal(of(actions, 'deleteData').length, 1);
      assert.deepEqual(emitted(actions), [{ type: 'REMOVED', id: dctx(next).id }]);
      assert.equal(next.status, 'done');
    },
  },
  {
    name: 'HbbTV FDP completed with errors and discard flag 0 → completed (1); otherwise failed reason 3',
    clauses: ['HBB-FDP-1'],
    applies: (s) => s.event.type === 'FDP.COMPLETED_WITH_ERRORS' && s.rows.length > 0,
    assert: ({ prev, next, event }) => {
      const keep =
        dctx(prev).profile === 'hbbtv' && (event as { discardFileOnError?: number }).discardFileOnError === 0;
      assert.equal(daeStateOf(next), keep ? DAE_STATE.DOWNLOAD_COMPLETED : DAE_STATE.DOWNLOAD_FAILED);
      if (!keep) assert.equal(reasonOf(next), 3);
    },
  },
];

const mctx = (snapshot: { context: unknown }) => snapshot.context as OipfManagerContext;
const stateOf = (context: OipfManagerContext, id: string) => {
  const d = context.downloads.get(id);
  return d === undefined ? undefined : daeStateOf(d);
};
const appCall = (s: { event: EventObject }) =>
  s.event as EventObject & { downloadId?: string; caller?: { appId: string } };

function lastResult(view: StepView) {
  return mctx(view.next).lastResult as { method: string; downloadId?: string; value: unknown } | undefined;
}

/** The download-manager step invariants. */
export const OIPF_MANAGER_CHECKS: readonly PathCheck[] = [
  {
    name: 'STATE_CHANGED notifications follow each download’s DAE state, one per change, in order',
    clauses: ['DAE-EVT-1'],
    applies: () => true,
    assert: ({ prev, next, actions }) => {
      const list = notes(actions);
      const ids = new Set([...mctx(prev).downloads, ...mctx(next).downloads].map((d) => d.id));
      for (const id of ids) {
        const mine = list.filter((n) => n.id === id).map((n) => n.state);
        const before = stateOf(mctx(prev), id);
        const after = stateOf(mctx(next), id);
        for (let i = 1; i < mine.length; i += 1)
          assert.notEqual(mine[i], mine[i - 1], `${id}: a repeated event`);
        if (after === undefined) continue;
        if (mine.length === 0)
          assert.equal(after, before, `${id} changed ${before}→${after} without an event`);
        else assert.equal(mine.at(-1), after, `${id}: the last event is not its state`);
      }
    },
  },
  {
    name: 'every reason is defined only with state 8',
    clauses: ['DAE-STATE-2'],
    applies: () => true,
    assert: ({ actions }) => {
      for (const n of notes(actions)) assert.equal(n.reason === undefined, n.state !== 8, JSON.stringify(n));
    },
  },
  {
    name: 'no more transfers active than slots (a verifying download transfers nothing)',
    clauses: ['DAE-PRIO-1'],
    applies: () => true,
    assert: ({ next }) => {
      const c = mctx(next);
      const active = c.downloads.list().filter((d) => {
        const s = daeStateOf(d);
        const verifying =
          typeof d.value === 'object' && 'inProgress' in d.value && d.value.inProgress === 'verifying';
        return (s === DAE_STATE.DOWNLOAD_IN_PROGRESS && !verifying) || s === DAE_STATE.DOWNLOAD_STALLED;
      });
      assert.ok(active.length <= c.maxActive, `${active.length} active with ${c.maxActive} slots`);
    },
  },
  {
    name: 'pause() returns true exactly for an in-progress, queued, stalled (or paused) download; HbbTV has none',
    clauses: ['DAE-PAUSE-1', 'DAE-PAUSE-3', 'HBB-PROFILE-1'],
    applies: (s) => s.event.type === 'APP.PAUSE',
    assert: (view) => {
      const c = mctx(view.prev);
      const expected = c.profile !== 'hbbtv' && canPause(stateOf(c, appCall(view).downloadId ?? ''));
      assert.equal(lastResult(view)?.value, expected);
    },
  },
  {
    name: 'resume() returns true exactly for a paused download; HbbTV has none',
    clauses: ['DAE-RESUME-1', 'HBB-PROFILE-1'],
    applies: (s) => s.event.type === 'APP.RESUME',
    assert: (view) => {
      const c = mctx(view.prev);
      const expected = c.profile !== 'hbbtv' && canResume(stateOf(c, appCall(view).downloadId ?? ''));
      assert.equal(lastResult(view)?.value, expected);
    },
  },
  {
    name: 'updateRegisteredDownload() is false only for a completed (or unknown) download',
    clauses: ['DAE-UPDATE-5', 'HBB-PROFILE-1'],
    applies: (s) => s.event.type === 'APP.UPDATE_URL',
    assert: (view) => {
      const c = mctx(view.prev);
      const expected = c.profile !== 'hbbtv' && canUpdate(stateOf(c, appCall(view).downloadId ?? ''));
      assert.equal(lastResult(view)?.value, expected);
    },
  },
  {
    name: 'remove() is true for a live download, which is then gone with its data',
    clauses: ['DAE-REMOVE-1', 'DAE-REMOVE-2'],
    applies: (s) => s.event.type === 'APP.REMOVE',
    assert: (view) => {
      const id = appCall(view).downloadId ?? '';
      const existed = stateOf(mctx(view.prev), id) !== undefined;
      assert.equal(lastResult(view)?.value, existed);
      assert.equal(stateOf(mctx(view.next), id), undefined);
      if (existed) assert.ok(of(view.actions, 'deleteData').length >= 1);
    },
  },
  {
    name: 'a reserve() that is not RESERVE_OK changes nothing',
    clauses: ['HBB-RESERVE-1', 'DAE-RESERVE-7'],
    applies: (s) => s.event.type === 'APP.RESERVE',
    assert: (view) => {
      const result = lastResult(view);
      assert.equal(result?.method, 'reserve');
      if (result?.value !== RESERVE.RESERVE_OK) {
        assert.deepEqual(mctx(view.next).reservations, mctx(view.prev).reservations);
      }
    },
  },
];
