import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { verifies } from '../../property-tests/verifies.js';
import { oipfDownloadMachine } from './download.machine.js';
import { downloadStep, initialDownloadStep } from './download.step.js';
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

describe('download.step: the download machine stepped as xstate steps it (initial step, compiled table)', () => {
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
      ['DAE-STATE-1', 'DAE-STATE-2', 'DAE-EVT-1'],
      'over generated event sequences, every step of the compiled table equals xstate transition (state kept as plain data)',
    ),
    () => {
      const arbEvent: fc.Arbitrary<OipfDownloadEvent> = fc.oneof(
        fc.constantFrom(...EVENTS),
        fc.record({
          type: fc.constant('TRANSFER.HEADERS' as const),
          status: fc.constantFrom(200, 206, 304, 404, 408, 412, 416, 429, 500, 503),
          etag: fc.option(fc.constantFrom('"a"', '"b"'), { nil: undefined }),
          totalSize: fc.option(fc.constantFrom(50, 100, 200), { nil: undefined }),
        }),
        fc.record({
          type: fc.constant('TRANSFER.COMPLETE' as const),
          bytesDurable: fc.constantFrom(0, 60, 100, 200),
        }),
        fc.record({
          type: fc.constant('TRANSFER.PROGRESS' as const),
          bytesDurable: fc.constantFrom(10, 60, 100),
        }),
        fc.record({
          type: fc.constant('TRANSFER.FAILED' as const),
          kind: fc.constantFrom('transient' as const, 'permanent' as const),
          httpStatus: fc.option(fc.constantFrom(404, 412, 500), { nil: undefined }),
          cause: fc.constant('x'),
        }),
        fc.record({
          type: fc.constantFrom('TRANSFER.VERIFIED' as const, 'TRANSFER.CHECKSUM_MISMATCH' as const),
          verification: fc.integer({ min: 0, max: 3 }),
        }),
        fc.record({ type: fc.constant('TIMER.FIRED' as const), name: fc.constant('retry' as const) }),
        fc.record({
          type: fc.constant('FDP.COMPLETED_WITH_ERRORS' as const),
          discardFileOnError: fc.constantFrom(0 as const, 1 as const),
        }),
      );
      const inputs = fc.constantFrom<OipfDownloadInput>(
        INPUT,
        { id: 'h', url: 'http://b/x', priority: 5, profile: 'hbbtv' },
        { id: 'r', url: 'http://b/y', totalSize: 100, bytesReceived: 60, etag: '"a"' },
      );
      fc.assert(
        fc.property(inputs, fc.array(arbEvent, { maxLength: 25 }), (input, events) => {
          let [theirs] = initialTransition(oipfDownloadMachine, input);
          let [mine] = initialDownloadStep(input);
          for (const event of events) {
            if (theirs.status === 'done') break;
            // The manager's way: the state as plain data between steps (value and context only).
            const [next, mineActions] = downloadStep({ value: mine.value, context: mine.context }, event);
            const [after, theirActions] = transition(oipfDownloadMachine, theirs, event);
            expect(decided(next, mineActions)).toEqual(decided(after, theirActions));
            [mine, theirs] = [next, after];
          }
        }),
        { numRuns: 400 },
      );
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
