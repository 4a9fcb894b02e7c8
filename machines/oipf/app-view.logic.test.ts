import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import {
  type AppViewMethod,
  decideOnView,
  decideReserveOnFacts,
  type ReserveFacts,
  stateAfterOnView,
} from './app-view.logic.js';
import { RESERVE } from './constants.js';
import {
  appOf,
  decidePause,
  decideRemove,
  decideResume,
  decideUpdate,
  downloadViews,
} from './manager.logic.js';
import { decideReserve, reserveFacts } from './manager.storage.js';
import type { DaeCaller, OipfManagerContext } from './manager.types.js';
import { APP, MB, managerWith, OTHER } from './oipf.test-support.js';

const STATES = ['queued', 'inProgress', 'paused', 'stalled', 'completed', 'failed', 'removed', 'unknown'];
const DECIDE = {
  pause: decidePause,
  resume: decideResume,
  remove: decideRemove,
  updateRegisteredDownload: (ctx: OipfManagerContext, call: { downloadId: string; caller: DaeCaller }) =>
    decideUpdate(ctx, { ...call, url: 'http://mirror.example/d' }),
} as const;
const EVENT = { pause: 'APP.PAUSE', resume: 'APP.RESUME', remove: 'APP.REMOVE' } as const;

describe("an application's view decides what the manager decides", () => {
  for (const state of STATES) {
    for (const caller of [APP, OTHER]) {
      it(
        verifies(
          ['DAE-PAUSE-1', 'DAE-PAUSE-3', 'DAE-RESUME-1', 'DAE-REMOVE-1', 'DAE-REMOVE-2', 'DAE-UPDATE-5'],
          `${state}, caller ${caller.appId}: decideOnView equals decide*() on the manager context`,
        ),
        () => {
          for (const method of Object.keys(DECIDE) as AppViewMethod[]) {
            const m = managerWith(state);
            const view = downloadViews(m.s.context).find((v) => v.id === 'd');
            const scope = { app: appOf(caller, m.s.context.manageDownloads), profile: m.s.context.profile };
            const onView = decideOnView(scope, method, view, 'http://mirror.example/d');
            expect(onView, `${method} in ${state}`).toBe(
              DECIDE[method](m.s.context, { downloadId: 'd', caller }),
            );
            if (!onView || method === 'updateRegisteredDownload' || view === undefined) continue;
            // The state the page shows until the manager's event is the manager's own next state (resume: 16 or 2).
            const predicted = stateAfterOnView(view, { type: EVENT[method], slotAvailable: false } as never);
            m.send({ type: EVENT[method], downloadId: 'd', caller });
            const actual = downloadViews(m.s.context).find((v) => v.id === 'd')?.state;
            if (method === 'resume') expect([16, 2]).toContain(actual);
            else expect(predicted, `${method} in ${state}`).toBe(actual);
            if (method === 'resume') expect(predicted).toBe(16);
          }
        },
      );
    }
  }

  it(
    verifies(
      ['DAE-RESERVE-1', 'DAE-RESERVE-3', 'DAE-RESERVE-6', 'DAE-RESERVE-7', 'HBB-PROFILE-1'],
      'reserve: decideReserveOnFacts equals decideReserve; an hbbtv view has no pause',
    ),
    () => {
      const m = managerWith('inProgress').register('e', 0, { totalSize: 3 * MB });
      const ctx = { ...m.s.context, reserveNever: ['org9'] };
      for (const caller of [APP, OTHER]) {
        // The facts as a page receives them: plain data over the wire.
        const facts: ReserveFacts = JSON.parse(JSON.stringify(reserveFacts(ctx, caller.orgId)));
        for (const bytes of [-1, 0, 1, 2 * MB, 3 * MB, 10 * MB, 999 * MB, 2000 * MB, 1.5]) {
          expect(decideReserveOnFacts(facts, bytes), `${caller.appId} ${bytes}`).toBe(
            decideReserve(ctx, { caller, bytes }),
          );
        }
      }
      const facts = { never: false, maxGrantableBytes: 10, orgUsedBytes: 5, orgCommittedBytes: 0 };
      // DAE-RESERVE-3/7: only a refused shrink is SMALLER_THAN_USED; a first reservation below the need is not.
      expect(decideReserveOnFacts({ ...facts, reservedBytes: 8 }, 4)).toBe(RESERVE.RESERVE_SMALLER_THAN_USED);
      expect(decideReserveOnFacts(facts, 4)).toBe(RESERVE.RESERVE_OK);
      expect(decideReserveOnFacts({ ...facts, orgCommittedBytes: 6 }, 4)).toBe(RESERVE.RESERVE_UNKNOWN);
      const view = downloadViews(m.s.context).find((v) => v.id === 'd');
      expect(decideOnView({ app: appOf(APP, 'all'), profile: 'hbbtv' }, 'pause', view)).toBe(false);
      expect(decideOnView({ app: appOf(APP, 'all'), profile: 'hbbtv' }, 'remove', view)).toBe(true);
    },
  );
});
