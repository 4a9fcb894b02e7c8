import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { verifies } from '../../property-tests/verifies.js';
import { oipfDownloadMachine } from './download.machine.js';
import { downloadStep, initialDownloadStep, resolveDownload } from './download.step.js';
import type { OipfDownloadEvent, OipfDownloadInput } from './download.types.js';
import { type Action, INPUT, PATHS } from './oipf.test-support.js';

/** What a step decides: the state, the context and the requested actions (name and params) in order. */
function decided(snapshot: { value: unknown; context: unknown; status: string }, actions: readonly Action[]) {
  return {
    value: snapshot.value,
    context: snapshot.context,
    status: snapshot.status,
    actions: actions.map((a) => [a.type, a.params]),
  };
}

const EVENTS: readonly OipfDownloadEvent[] = [
  ...new Set(Object.values(PATHS).flat()),
  { type: 'APP.PAUSE' },
  { type: 'APP.RESUME', slotAvailable: true },
  { type: 'APP.RESUME', slotAvailable: false },
  { type: 'APP.REMOVE' },
  { type: 'APP.UPDATE_URL', url: 'http://mirror.example/a.mp4', slotAvailable: true },
];

describe('download.step: the download machine stepped without a per-call actor', () => {
  it(
    verifies('DAE-STATE-1', 'the initial step equals xstate initialTransition for every input shape'),
    () => {
      const inputs: OipfDownloadInput[] = [
        INPUT,
        { id: 'h', url: 'http://b/x', priority: 5, profile: 'hbbtv' },
        { id: 'r', url: 'http://b/y', totalSize: 10, bytesReceived: 4, etag: '"e"' },
      ];
      for (const input of inputs) {
        const [mine, mineActions] = initialDownloadStep(input);
        const [theirs, theirActions] = initialTransition(oipfDownloadMachine, input);
        expect(decided(mine, mineActions)).toEqual(decided(theirs, theirActions));
      }
    },
  );

  it(
    verifies(
      ['DAE-STATE-1', 'DAE-EVT-1'],
      'from every state of the test paths, every event steps exactly as xstate transition does',
    ),
    () => {
      let compared = 0;
      for (const path of Object.values(PATHS)) {
        let [snapshot] = initialTransition(oipfDownloadMachine, INPUT);
        for (const event of path) [snapshot] = transition(oipfDownloadMachine, snapshot, event);
        for (const event of EVENTS) {
          const [mine, mineActions] = downloadStep(snapshot, event);
          const [theirs, theirActions] = transition(oipfDownloadMachine, snapshot, event);
          expect(decided(mine, mineActions), `${JSON.stringify(path)} then ${event.type}`).toEqual(
            decided(theirs, theirActions),
          );
          compared += 1;
        }
      }
      expect(compared).toBe(Object.keys(PATHS).length * EVENTS.length);
    },
  );

  it(
    verifies(
      'DAE-STATE-1',
      'a download kept as value and context resolves, memo or not, to what xstate resolveState gives',
    ),
    () => {
      // Every (value, context) pair the test paths pass through, stepped as the manager steps (plain data between
      // steps); looked up again only after all of them, so a context shared by two states is asked with both.
      const seen: Pick<ReturnType<typeof resolveDownload>, 'value' | 'context'>[] = [];
      for (const path of Object.values(PATHS)) {
        let [snapshot] = initialDownloadStep(INPUT);
        seen.push({ value: snapshot.value, context: snapshot.context });
        for (const event of path) {
          [snapshot] = downloadStep(resolveDownload(snapshot.value, snapshot.context), event);
          seen.push({ value: snapshot.value, context: snapshot.context });
        }
      }
      let sharedContexts = 0;
      for (const [i, pair] of seen.entries()) {
        if (seen.some((other, j) => j !== i && other.context === pair.context && other.value !== pair.value))
          sharedContexts += 1;
        const mine = resolveDownload(pair.value, pair.context);
        expect(decided(mine, [])).toEqual(decided(oipfDownloadMachine.resolveState(pair), []));
      }
      // The paths include steps that change the state and not the context (the memo must tell them apart).
      expect(sharedContexts).toBeGreaterThan(0);
    },
  );

  it('one step leaves no trace in the next: the same step twice gives equal results', () => {
    const [first, firstActions] = initialDownloadStep(INPUT);
    const [, pausedActions] = downloadStep(first, { type: 'APP.PAUSE' });
    const [again, againActions] = initialDownloadStep(INPUT);
    expect(decided(again, againActions)).toEqual(decided(first, firstActions));
    expect(pausedActions.length).toBeGreaterThan(0);
    expect(againActions).not.toBe(firstActions);
  });
});
