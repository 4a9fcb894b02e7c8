import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { verifies } from '../../property-tests/verifies.js';
import { DAE_REASON, DAE_STATE } from './constants.js';
import { daeStateOf, reasonOf, STALL_BACKOFF_MS } from './download.logic.js';
import { oipfDownloadMachine } from './download.machine.js';
import type { OipfDownloadEvent } from './download.types.js';
import {
  type Action,
  EXPECTED,
  effects,
  FIRE,
  INPUT,
  notes,
  PATHS,
  run,
  STALL,
  START,
} from './oipf.test-support.js';

describe('oipfDownloadMachine', () => {
  it(verifies(['DAE-STATE-1', 'DAE-EVT-1'], 'registration is queued (16) and announced once'), () => {
    const { s, all } = run([]);
    expect(daeStateOf(s)).toBe(DAE_STATE.DOWNLOAD_NOT_STARTED);
    expect(notes(all)).toEqual([{ type: 'STATE_CHANGED', id: 'd1', state: 16, reason: undefined }]);
  });

  it(verifies('DAE-STATE-1', 'every path reaches the DAE state it names'), () => {
    for (const [name, events] of Object.entries(PATHS)) {
      expect(daeStateOf(run(events).s), name).toBe(EXPECTED[name]);
    }
  });

  it(verifies(['DAE-PAUSE-2', 'DAE-PAUSE-1'], 'pausing an in-progress download closes its transfer'), () => {
    const { s } = run([START, { type: 'TRANSFER.PROGRESS', bytesDurable: 40 }]);
    const [, actions] = transition(oipfDownloadMachine, s, { type: 'APP.PAUSE' });
    expect(effects(actions)).toEqual([['stopTransfer', {}]]);
  });

  it(
    verifies(
      ['DAE-PAUSE-2', 'DAE-PAUSE-1', 'DAE-RESUME-1'],
      'pause() while verifying cancels that verification and keeps every byte; resume() verifies again, never transfers; a result of the cancelled verification is ignored',
    ),
    () => {
      const { s } = run(PATHS.verifying!);
      expect([s.value, s.context.verification, s.context.contentComplete]).toEqual([
        { inProgress: 'verifying' },
        1,
        true,
      ]);
      const [paused, a1] = transition(oipfDownloadMachine, s, { type: 'APP.PAUSE' });
      expect([daeStateOf(paused), paused.context.bytesReceived]).toEqual([4, 100]);
      expect(effects(a1)).toEqual([['cancelVerification', { verification: 1 }]]);
      // A late answer of the cancelled verification changes nothing while paused.
      const late = { type: 'TRANSFER.VERIFIED', verification: 1 } as const;
      const [stillPaused, a2] = transition(oipfDownloadMachine, paused, late);
      expect([stillPaused.value, a2]).toEqual([paused.value, []]);
      // resume() with a free slot: in progress (2) by a new verification (generation 2), no transfer.
      const [resumed, a3] = transition(oipfDownloadMachine, paused, {
        type: 'APP.RESUME',
        slotAvailable: true,
      });
      expect(resumed.value).toEqual({ inProgress: 'verifying' });
      expect(effects(a3)).toEqual([['verifyContent', { bytes: 100, verification: 2 }]]);
      expect(notes(a3).map((n) => n.state)).toEqual([2]);
      // Stale answers of generation 1 are ignored; only generation 2 completes or fails it.
      for (const stale of [late, { type: 'TRANSFER.CHECKSUM_MISMATCH', verification: 1 } as const]) {
        const [next, actions] = transition(oipfDownloadMachine, resumed, stale);
        expect([next.value, next.context.bytesReceived, actions]).toEqual([resumed.value, 100, []]);
      }
      const [done] = transition(oipfDownloadMachine, resumed, { type: 'TRANSFER.VERIFIED', verification: 2 });
      expect(daeStateOf(done)).toBe(1);
      // resume() without a slot queues it (16); when started it verifies, again without a transfer.
      const [queued] = transition(oipfDownloadMachine, paused, { type: 'APP.RESUME', slotAvailable: false });
      expect(daeStateOf(queued)).toBe(16);
      const [started, a4] = transition(oipfDownloadMachine, queued, START);
      expect([started.value, effects(a4)]).toEqual([
        { inProgress: 'verifying' },
        [['verifyContent', { bytes: 100, verification: 2 }]],
      ]);
      // Pre-empted while verifying: the same, resumed by the OITF.
      const [preempted, a5] = transition(oipfDownloadMachine, s, { type: 'SCHEDULER.PREEMPT' });
      expect([preempted.value, effects(a5)]).toEqual([
        { paused: 'byScheduler' },
        [['cancelVerification', { verification: 1 }]],
      ]);
      const [, a6] = transition(oipfDownloadMachine, preempted, START);
      expect(effects(a6)).toEqual([['verifyContent', { bytes: 100, verification: 2 }]]);
      // A changed object forgets its bytes: a later start transfers from byte 0 again.
      const [mismatch] = transition(oipfDownloadMachine, s, {
        type: 'TRANSFER.CHECKSUM_MISMATCH',
        verification: 1,
      });
      expect([mismatch.context.contentComplete, mismatch.context.bytesReceived]).toEqual([false, 0]);
    },
  );

  it(
    verifies(
      ['DAE-UPDATE-2', 'DAE-UPDATE-1'],
      "in progress + new URL (a mirror): stop, continue from the last byte at the new URL with no If-Match of the old URL; the mirror's 206 of the same total size is appended and its ETag kept, another total size fails (reason 3)",
    ),
    () => {
      const { s } = run([
        START,
        { type: 'TRANSFER.HEADERS', status: 200, etag: '"v1"' },
        { type: 'TRANSFER.PROGRESS', bytesDurable: 40 },
      ]);
      const [next, actions] = transition(oipfDownloadMachine, s, {
        type: 'APP.UPDATE_URL',
        url: 'http://b/x',
        slotAvailable: true,
      });
      expect(effects(actions)).toEqual([
        ['stopTransfer', {}],
        ['startTransfer', { url: 'http://b/x', fromByte: 40, ifMatch: undefined }],
      ]);
      expect(notes(actions)).toEqual([]);
      expect(daeStateOf(next)).toBe(2);
      const mirror = { type: 'TRANSFER.HEADERS', status: 206, etag: '"mirror-7"' } as const;
      const [accepted, a2] = transition(oipfDownloadMachine, next, { ...mirror, totalSize: 100 });
      expect([daeStateOf(accepted), accepted.context.etag, accepted.context.bytesReceived]).toEqual([
        2,
        '"mirror-7"',
        40,
      ]);
      expect(effects(a2)).toEqual([]);
      const [refused] = transition(oipfDownloadMachine, next, { ...mirror, totalSize: 101 });
      expect([daeStateOf(refused), reasonOf(refused)]).toEqual([8, 3]);
      // The same URL again keeps its validator.
      const [same, a3] = transition(oipfDownloadMachine, s, {
        type: 'APP.UPDATE_URL',
        url: s.context.url,
        slotAvailable: true,
      });
      expect(same.context.etag).toBe('"v1"');
      expect(effects(a3)).toContainEqual([
        'startTransfer',
        { url: s.context.url, fromByte: 40, ifMatch: '"v1"' },
      ]);
    },
  );

  it(
    verifies('DAE-UPDATE-2', 'paused + new URL stays paused and resumes from the last byte at the new URL'),
    () => {
      const { s } = run([START, { type: 'TRANSFER.PROGRESS', bytesDurable: 30 }, { type: 'APP.PAUSE' }]);
      const [updated, a1] = transition(oipfDownloadMachine, s, {
        type: 'APP.UPDATE_URL',
        url: 'http://b/x',
        slotAvailable: true,
      });
      expect(daeStateOf(updated)).toBe(4);
      expect(a1).toEqual([]);
      const [, a2] = transition(oipfDownloadMachine, updated, { type: 'APP.RESUME', slotAvailable: true });
      expect(effects(a2)).toEqual([
        ['startTransfer', { url: 'http://b/x', fromByte: 30, ifMatch: undefined }],
      ]);
    },
  );

  it(
    verifies('DAE-UPDATE-3', 'failed or stalled + new URL resumes from the last byte at the new URL'),
    () => {
      for (const path of [PATHS.failed!, PATHS.stalledWaiting!, PATHS.stalledRetrying!]) {
        const { s } = run([START, { type: 'TRANSFER.PROGRESS', bytesDurable: 25 }, ...path.slice(1)]);
        const [next, actions] = transition(oipfDownloadMachine, s, {
          type: 'APP.UPDATE_URL',
          url: 'http://b/x',
          slotAvailable: true,
        });
        expect(daeStateOf(next)).toBe(2);
        expect(effects(actions)).toContainEqual([
          'startTransfer',
          { url: 'http://b/x', fromByte: 25, ifMatch: undefined },
        ]);
        expect(notes(actions)).toEqual([{ type: 'STATE_CHANGED', id: 'd1', state: 2, reason: undefined }]);
      }
    },
  );

  it(verifies('DAE-UPDATE-4', 'queued + new URL: nothing more until started'), () => {
    const { s } = run([]);
    const [next, actions] = transition(oipfDownloadMachine, s, {
      type: 'APP.UPDATE_URL',
      url: 'http://b/x',
      slotAvailable: true,
    });
    expect(actions).toEqual([]);
    const [, started] = transition(oipfDownloadMachine, next, START);
    expect(effects(started)).toEqual([
      ['startTransfer', { url: 'http://b/x', fromByte: 0, ifMatch: undefined }],
    ]);
  });

  it(
    verifies(
      ['DAE-STATE-1', 'DAE-STATE-2'],
      'stalled retries on the bounded back-off, then fails with reason 4',
    ),
    () => {
      let { s } = run([START, { type: 'TRANSFER.PROGRESS', bytesDurable: 10 }]);
      let actions: Action[];
      [s, actions] = transition(oipfDownloadMachine, s, STALL);
      const delays: unknown[] = effects(actions)
        .filter(([n]) => n === 'startTimer')
        .map(([, p]) => p);
      for (let i = 0; i < STALL_BACKOFF_MS.length; i += 1) {
        [s, actions] = transition(oipfDownloadMachine, s, FIRE);
        expect(effects(actions)).toEqual([
          ['startTransfer', { url: INPUT.url, fromByte: 10, ifMatch: undefined }],
        ]);
        [s, actions] = transition(oipfDownloadMachine, s, STALL);
        delays.push(
          ...effects(actions)
            .filter(([n]) => n === 'startTimer')
            .map(([, p]) => p),
        );
      }
      expect(delays).toEqual(STALL_BACKOFF_MS.map((ms) => ({ name: 'retry', ms })));
      expect(daeStateOf(s)).toBe(8);
      expect(reasonOf(s)).toBe(DAE_REASON.OTHER);
      expect(notes(actions)).toEqual([{ type: 'STATE_CHANGED', id: 'd1', state: 8, reason: 4 }]);
    },
  );

  it(verifies('DAE-STATE-1', 'a stalled download that recovers returns to in progress (2)'), () => {
    const { s } = run([START, STALL, FIRE]);
    const [next, actions] = transition(oipfDownloadMachine, s, { type: 'TRANSFER.HEADERS', status: 206 });
    expect(daeStateOf(next)).toBe(2);
    expect(next.context.stallAttempts).toBe(0);
    expect(notes(actions)).toEqual([{ type: 'STATE_CHANGED', id: 'd1', state: 2, reason: undefined }]);
  });

  it(
    verifies(
      'DAE-STATE-2',
      'HTTP statuses map to reasons; a changed ETag fails (reason 2) and discards its bytes',
    ),
    () => {
      const cases: [number, number][] = [
        [401, 1],
        [402, 1],
        [403, 1],
        [404, 2],
        [410, 2],
        [412, 2],
        [416, 3],
        [400, 4],
      ];
      for (const [status, reason] of cases) {
        const { s } = run([START, { type: 'TRANSFER.HEADERS', status }]);
        expect(reasonOf(s), String(status)).toBe(reason);
      }
      const { s, all } = run([
        START,
        { type: 'TRANSFER.HEADERS', status: 200, etag: '"v1"' },
        { type: 'TRANSFER.PROGRESS', bytesDurable: 50 },
        { type: 'APP.PAUSE' },
        { type: 'APP.RESUME', slotAvailable: true },
        { type: 'TRANSFER.HEADERS', status: 206, etag: '"v2"' },
      ]);
      expect(reasonOf(s)).toBe(DAE_REASON.NOT_AVAILABLE);
      expect(s.context.bytesReceived).toBe(0);
      expect(effects(all)).toContainEqual(['deleteData', {}]);
      expect(run([START, { type: 'TRANSFER.HEADERS', status: 503 }]).s.value).toEqual({ stalled: 'waiting' });
    },
  );

  it(verifies('DAE-STATE-2', 'a bad checksum or length fails with reason 3'), () => {
    expect(
      reasonOf(run([...PATHS.verifying!, { type: 'TRANSFER.CHECKSUM_MISMATCH', verification: 1 }]).s),
    ).toBe(3);
    expect(reasonOf(run([START, { type: 'TRANSFER.COMPLETE', bytesDurable: 99 }]).s)).toBe(3);
  });

  it(
    verifies(
      'DAE-STATE-2',
      'a storage failure while verifying fails with reason 4 and discards the bytes; a stale one is ignored',
    ),
    () => {
      const { s, all } = run([
        ...PATHS.verifying!,
        { type: 'TRANSFER.VERIFY_ERROR', verification: 1, cause: 'EIO' },
      ]);
      expect(reasonOf(s)).toBe(DAE_REASON.OTHER);
      expect(s.context.bytesReceived).toBe(0);
      expect(effects(all)).toContainEqual(['deleteData', {}]);
      const stale = run([
        ...PATHS.verifying!,
        { type: 'TRANSFER.VERIFY_ERROR', verification: 0, cause: 'EIO' },
      ]);
      expect(stale.s.value).toEqual({ inProgress: 'verifying' });
    },
  );

  it(
    verifies('HBB-FDP-1', 'FDP completed with errors: completed (1) only in HbbTV with discard flag 0'),
    () => {
      const fdp = (profile: 'oipf' | 'hbbtv', flag: 0 | 1) =>
        run([START, { type: 'FDP.COMPLETED_WITH_ERRORS', discardFileOnError: flag }], { ...INPUT, profile })
          .s;
      expect(daeStateOf(fdp('hbbtv', 0))).toBe(1);
      expect(reasonOf(fdp('hbbtv', 1))).toBe(3);
      expect(reasonOf(fdp('oipf', 0))).toBe(3);
    },
  );

  it(
    verifies(
      ['DAE-EVT-1', 'DAE-STATE-2'],
      'random walks: one notification per DAE state change, reason only with 8',
    ),
    () => {
      const eventArb: fc.Arbitrary<OipfDownloadEvent> = fc.oneof(
        fc.constant(START),
        fc.constant({ type: 'SCHEDULER.PREEMPT' } as const),
        fc.constant({ type: 'APP.PAUSE' } as const),
        fc.boolean().map((slotAvailable) => ({ type: 'APP.RESUME', slotAvailable }) as const),
        fc
          .boolean()
          .map((slotAvailable) => ({ type: 'APP.UPDATE_URL', url: 'http://m/x', slotAvailable }) as const),
        fc
          .constantFrom(200, 206, 403, 404, 412, 503)
          .map((status) => ({ type: 'TRANSFER.HEADERS', status }) as const),
        fc.nat(100).map((bytesDurable) => ({ type: 'TRANSFER.PROGRESS', bytesDurable }) as const),
        fc
          .constantFrom(99, 100)
          .map((bytesDurable) => ({ type: 'TRANSFER.COMPLETE', bytesDurable }) as const),
        fc.constant({ type: 'TRANSFER.VERIFIED', verification: 1 } as const),
        fc.constant(STALL),
        fc.constant(FIRE),
        fc.constant({ type: 'STORAGE.EXHAUSTED' } as const),
      );
      fc.assert(
        fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
          let [s] = initialTransition(oipfDownloadMachine, INPUT);
          for (const event of events) {
            const before = daeStateOf(s);
            const [next, actions] = transition(oipfDownloadMachine, s, event);
            const after = daeStateOf(next);
            const expected =
              before === after
                ? []
                : [{ type: 'STATE_CHANGED', id: 'd1', state: after, reason: reasonOf(next) }];
            expect(notes(actions)).toEqual(expected);
            expect(reasonOf(next) === undefined).toBe(after !== 8);
            s = next;
          }
        }),
        { seed: 4242, numRuns: 300 },
      );
    },
  );

  it(
    verifies(
      'DAE-STATE-1',
      'createTestModel walks the machine: shortest paths reach every state (no invoke, no after)',
    ),
    async () => {
      const model = createTestModel(oipfDownloadMachine, {
        input: INPUT,
        events: [
          START,
          { type: 'SCHEDULER.PREEMPT' },
          { type: 'APP.PAUSE' },
          { type: 'APP.RESUME', slotAvailable: true },
          { type: 'APP.RESUME', slotAvailable: false },
          { type: 'APP.UPDATE_URL', url: 'http://b/x', slotAvailable: true },
          { type: 'APP.REMOVE' },
          { type: 'TRANSFER.HEADERS', status: 206 },
          { type: 'TRANSFER.HEADERS', status: 403 },
          { type: 'TRANSFER.COMPLETE', bytesDurable: 100 },
          { type: 'TRANSFER.VERIFIED', verification: 1 },
          { type: 'TRANSFER.CHECKSUM_MISMATCH', verification: 1 },
          STALL,
          FIRE,
          { type: 'STORAGE.EXHAUSTED' },
          { type: 'DESCRIPTOR.REJECTED', cause: 'bad xml' },
        ],
        serializeState: (s) => `${JSON.stringify(s.value)}|${s.context.stallAttempts}|${s.context.url}`,
      });
      const paths = model.getShortestPaths();
      const reached = new Set(
        paths
          .flatMap((p) => [p.state, ...p.steps.map((step) => step.state)])
          .map((st) => JSON.stringify(st.value)),
      );
      for (const value of [
        '"queued"',
        '"completed"',
        '"removed"',
        '{"failed":"other"}',
        '{"failed":"storageFull"}',
      ]) {
        expect(reached).toContain(value);
      }
      expect(reached).toContain('{"stalled":"retrying"}');
      expect(reached).toContain('{"paused":"byScheduler"}');
      for (const path of paths.slice(0, 5)) await path.test({});
    },
  );
});
