import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { decidePause, decideRemove, decideResume, decideUpdate } from './manager.logic.js';
import type { OipfManagerEvent } from './manager.types.js';
import { APP, managerWith, OTHER } from './oipf.test-support.js';

describe('manager logic: the return values of the synchronous DAE methods', () => {
  const TABLE: Record<string, { pause: boolean; resume: boolean; update: boolean; remove: boolean }> = {
    queued: { pause: true, resume: false, update: true, remove: true },
    inProgress: { pause: true, resume: false, update: true, remove: true },
    paused: { pause: true, resume: true, update: true, remove: true },
    stalled: { pause: true, resume: false, update: true, remove: true },
    completed: { pause: false, resume: false, update: false, remove: true },
    failed: { pause: false, resume: false, update: true, remove: true },
    removed: { pause: false, resume: false, update: false, remove: false },
    unknown: { pause: false, resume: false, update: false, remove: false },
  };

  for (const [state, expected] of Object.entries(TABLE)) {
    it(
      verifies(
        ['DAE-PAUSE-1', 'DAE-PAUSE-3', 'DAE-RESUME-1', 'DAE-UPDATE-5', 'DAE-REMOVE-1', 'DAE-REMOVE-2'],
        `return values in ${state}: decide*() and the machine's lastResult agree with the table`,
      ),
      () => {
        const call = { downloadId: 'd', caller: APP };
        const cases = [
          ['pause', decidePause, { type: 'APP.PAUSE', ...call }],
          ['resume', decideResume, { type: 'APP.RESUME', ...call }],
          ['update', decideUpdate, { type: 'APP.UPDATE_URL', url: 'http://mirror.example/d', ...call }],
          ['remove', decideRemove, { type: 'APP.REMOVE', ...call }],
        ] as const;
        for (const [name, decide, event] of cases) {
          const m = managerWith(state);
          const decided = decide(m.s.context, event as never);
          expect(decided, `${name} in ${state}`).toBe(expected[name]);
          expect(m.send(event as OipfManagerEvent).s.context.lastResult?.value, `${name} in ${state}`).toBe(
            decided,
          );
        }
      },
    );
  }

  it(
    verifies(
      'DAE-UPDATE-5',
      'updateRegisteredDownload with a string that is no absolute http(s) URL returns false and changes nothing',
    ),
    () => {
      for (const state of ['queued', 'paused', 'stalled', 'failed']) {
        for (const url of [
          '',
          'not a url',
          '/relative/path.mp4',
          'ftp://mirror.example/a.mp4',
          'javascript:1',
        ]) {
          const m = managerWith(state);
          const before = m.s.context.downloads.get('d');
          const call = { downloadId: 'd', caller: APP, url };
          expect(decideUpdate(m.s.context, call), `${state} ${url}`).toBe(false);
          const after = m.send({ type: 'APP.UPDATE_URL', ...call }).s.context;
          expect(after.lastResult?.value, `${state} ${url}`).toBe(false);
          expect(after.downloads.get('d'), `${state} ${url}: entry unchanged`).toBe(before);
        }
        const ok = { downloadId: 'd', caller: APP, url: 'https://mirror.example/a.mp4' };
        expect(decideUpdate(managerWith(state).s.context, ok), `${state} mirror`).toBe(true);
      }
    },
  );

  it(verifies('DAE-PAUSE-1', 'pause() on a paused download: true and no notification'), () => {
    const m = managerWith('paused').send({ type: 'APP.PAUSE', downloadId: 'd', caller: APP });
    expect(m.s.context.lastResult?.value).toBe(true);
    expect(m.notes()).toEqual([]);
  });

  it(
    verifies(
      ['DAE-REMOVE-2', 'DAE-REMOVE-1'],
      'remove(): data deleted, REMOVED emitted, later calls with it return false',
    ),
    () => {
      const m = managerWith('inProgress').send({ type: 'APP.REMOVE', downloadId: 'd', caller: APP });
      expect(m.effects()).toEqual(['stopTransfer(d)', 'deleteData(d)']);
      expect(
        m.actions.some(
          (a) =>
            a.type === 'xstate.emit' && (a.params as { event: { type: string } }).event.type === 'REMOVED',
        ),
      ).toBe(true);
      expect(m.send({ type: 'APP.PAUSE', downloadId: 'd', caller: APP }).s.context.lastResult?.value).toBe(
        false,
      );
    },
  );

  it(verifies('DAE-FILTER-3', 'an application may not touch a download it cannot see'), () => {
    const m = managerWith('inProgress');
    expect(decidePause(m.s.context, { downloadId: 'd', caller: OTHER })).toBe(false);
    expect(m.send({ type: 'APP.REMOVE', downloadId: 'd', caller: OTHER }).s.context.lastResult?.value).toBe(
      false,
    );
    expect(m.state('d')).toBe(2);
  });
});
