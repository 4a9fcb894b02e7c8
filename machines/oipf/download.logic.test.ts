import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { verifies } from '../../property-tests/verifies.js';
import { DAE_REASON, DAE_STATE } from './constants.js';
import {
  canPause,
  canRemove,
  canResume,
  canUpdate,
  daeStateOf,
  outcomeOfCompletion,
  outcomeOfFailure,
  outcomeOfHeaders,
  outcomeOfStatus,
  reasonOf,
  retryDelayMs,
} from './download.logic.js';
import { oipfDownloadMachine } from './download.machine.js';
import { EXPECTED, effects, INPUT, notes, PATHS, run } from './oipf.test-support.js';

describe('download logic: return values and reasons in every state', () => {
  for (const [name, events] of Object.entries(PATHS)) {
    const state = EXPECTED[name];
    it(verifies(['DAE-PAUSE-1', 'DAE-PAUSE-3'], `pause() in ${name}: returns ${canPause(state)}`), () => {
      const { s } = run(events);
      const [next, actions] = transition(oipfDownloadMachine, s, { type: 'APP.PAUSE' });
      const expected = name !== 'completed' && name !== 'failed' && name !== 'removed';
      expect(canPause(daeStateOf(s))).toBe(expected);
      if (expected) expect(daeStateOf(next)).toBe(DAE_STATE.DOWNLOAD_PAUSED);
      else expect(next.value).toEqual(s.value);
      // Decision: pause() on an already-paused download returns true and fires no event.
      const changed = expected && state !== DAE_STATE.DOWNLOAD_PAUSED;
      expect(notes(actions)).toEqual(
        changed ? [{ type: 'STATE_CHANGED', id: 'd1', state: 4, reason: undefined }] : [],
      );
    });

    it(verifies('DAE-RESUME-1', `resume() in ${name}: returns ${canResume(state)}`), () => {
      const { s } = run(events);
      const [next] = transition(oipfDownloadMachine, s, { type: 'APP.RESUME', slotAvailable: true });
      expect(canResume(daeStateOf(s))).toBe(state === 4);
      if (state === 4) expect(daeStateOf(next)).toBe(DAE_STATE.DOWNLOAD_IN_PROGRESS);
      else expect(next.value).toEqual(s.value);
    });

    it(
      verifies(
        ['DAE-UPDATE-1', 'DAE-UPDATE-5'],
        `updateRegisteredDownload() in ${name}: returns ${canUpdate(state)}`,
      ),
      () => {
        const { s } = run(events);
        const [next] = transition(oipfDownloadMachine, s, {
          type: 'APP.UPDATE_URL',
          url: 'http://b/x',
          slotAvailable: true,
        });
        expect(canUpdate(daeStateOf(s))).toBe(state !== 1 && state !== undefined);
        expect(next.context.url).toBe(canUpdate(state) ? 'http://b/x' : INPUT.url);
      },
    );

    it(verifies(['DAE-REMOVE-1', 'DAE-REMOVE-2'], `remove() in ${name}: returns ${canRemove(state)}`), () => {
      const { s } = run(events);
      const [next, actions] = transition(oipfDownloadMachine, s, { type: 'APP.REMOVE' });
      expect(canRemove(daeStateOf(s))).toBe(state !== undefined);
      expect(next.status).toBe('done');
      if (state !== undefined) expect(effects(actions)).toContainEqual(['deleteData', {}]);
      else expect(actions).toEqual([]);
    });

    it(verifies('DAE-STATE-2', `reason in ${name} is ${state === 8 ? 'defined' : 'undefined'}`), () => {
      const { s, all } = run(events);
      expect(reasonOf(s) === undefined).toBe(state !== 8);
      for (const note of notes(all)) expect(note.reason === undefined).toBe(note.state !== 8);
    });
  }

  it(verifies('DAE-STATE-2', 'outcome functions: status, failure kind, headers and completion'), () => {
    expect(outcomeOfStatus(402)).toBe(DAE_REASON.CANNOT_DOWNLOAD);
    expect(outcomeOfStatus(410)).toBe(DAE_REASON.NOT_AVAILABLE);
    expect(outcomeOfStatus(412)).toBe('changed');
    expect(outcomeOfStatus(502)).toBe('stall');
    expect(outcomeOfStatus(418)).toBe(DAE_REASON.OTHER);
    expect(outcomeOfFailure({ kind: 'transient' })).toBe('stall');
    expect(outcomeOfFailure({ kind: 'permanent' })).toBe(DAE_REASON.OTHER);
    expect(outcomeOfFailure({ kind: 'transient', httpStatus: 404 })).toBe(DAE_REASON.NOT_AVAILABLE);
    const kept = { etag: '"v1"', totalSize: 100, bytesReceived: 10 };
    expect(outcomeOfHeaders(kept, { status: 206, etag: '"v1"', totalSize: 100 })).toBe('accept');
    expect(outcomeOfHeaders(kept, { status: 206, etag: '"v2"' })).toBe('changed');
    expect(outcomeOfHeaders(kept, { status: 206, totalSize: 99 })).toBe(DAE_REASON.BAD_CHECKSUM);
    expect(outcomeOfHeaders(kept, { status: 200 })).toBe('restart');
    expect(outcomeOfHeaders({ ...kept, bytesReceived: 0 }, { status: 200 })).toBe('accept');
    expect(outcomeOfCompletion({ totalSize: 100 }, 100)).toBe('verify');
    expect(outcomeOfCompletion({ totalSize: undefined }, 7)).toBe('verify');
    expect(outcomeOfCompletion({ totalSize: 100 }, 98)).toBe(DAE_REASON.BAD_CHECKSUM);
    expect(retryDelayMs(99)).toBe(16000);
  });
});
