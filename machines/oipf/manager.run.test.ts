import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { fcParams } from '../../property-tests/fc.js';
import { CADD_CONTENT_TYPE } from './constants.js';
import { oipfManagerMachine } from './manager.machine.js';
import { chartOf, type ManagerState, managerStart, managerTransition } from './manager.run.js';
import type {
  DaeCaller,
  ManagerOutput,
  OipfManagerContext,
  OipfManagerEvent,
  OipfManagerInput,
} from './manager.types.js';
import { APP } from './oipf.test-support.js';

/** The calling application of the shared fixtures: own downloads only. */
const OWN = APP;
/** A portal of another organisation that manages every download. */
const PORTAL: DaeCaller = {
  appId: 'portal',
  origin: 'portal.example',
  orgId: 'org2',
  permissions: ['permission_downloadmanager_all'],
};

const id = fc.constantFrom('d1', 'd2', 'd3', 'd4');
const caller = fc.constantFrom(OWN, PORTAL);
const size = fc.integer({ min: 1, max: 5000 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops the keys whose value is undefined (an optional field the event does not carry). */
function defined<T extends object>(event: T): T {
  return Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as T;
}

/** Any event the manager takes, over four ids, two applications of two organisations and small sizes. */
const eventArb: fc.Arbitrary<OipfManagerEvent> = fc
  .oneof(
    fc.record({
      type: fc.constant('APP.REGISTER'),
      downloadId: id,
      caller,
      url: fc.constantFrom('http://cdn.example/a', 'http://mirror.example/a', ''),
      contentType: fc.constantFrom('video/mp4', CADD_CONTENT_TYPE),
      priority: maybe(fc.integer({ min: 0, max: 3 })),
      totalSize: maybe(size),
      startDelayMs: maybe(fc.constantFrom(0, 1000)),
    }),
    fc.record({ type: fc.constantFrom('APP.PAUSE', 'APP.RESUME', 'APP.REMOVE'), downloadId: id, caller }),
    fc.record({
      type: fc.constant('APP.UPDATE_URL'),
      downloadId: id,
      caller,
      url: fc.constantFrom('http://mirror.example/a', ''),
    }),
    fc.record({ type: fc.constant('APP.RESERVE'), caller, bytes: fc.integer({ min: -1, max: 20_000 }) }),
    fc.record({
      type: fc.constant('OITF.RESERVATION_CHANGED'),
      orgId: fc.constantFrom('org1', 'org2'),
      bytes: fc.integer({ min: 0, max: 20_000 }),
    }),
    fc.record({
      type: fc.constant('DESCRIPTOR.PARSED'),
      downloadId: id,
      url: fc.constant('http://cdn.example/c'),
      totalSize: maybe(size),
    }),
    fc.record({ type: fc.constant('DESCRIPTOR.REJECTED'), downloadId: id, cause: fc.constant('bad CADD') }),
    fc.record({
      type: fc.constant('TRANSFER.HEADERS'),
      downloadId: id,
      status: fc.constantFrom(200, 206, 404, 412, 416, 503),
      etag: maybe(fc.constantFrom('"a"', '"b"')),
      totalSize: maybe(size),
    }),
    fc.record({
      type: fc.constantFrom('TRANSFER.PROGRESS', 'TRANSFER.COMPLETE'),
      downloadId: id,
      bytesDurable: fc.integer({ min: 0, max: 5000 }),
    }),
    fc.record({
      type: fc.constantFrom('TRANSFER.VERIFIED', 'TRANSFER.CHECKSUM_MISMATCH'),
      downloadId: id,
      verification: fc.integer({ min: 0, max: 3 }),
    }),
    fc.record({
      type: fc.constant('TRANSFER.VERIFY_ERROR'),
      downloadId: id,
      verification: fc.integer({ min: 0, max: 3 }),
      cause: fc.constant('EIO'),
    }),
    fc.record({
      type: fc.constant('TRANSFER.FAILED'),
      downloadId: id,
      kind: fc.constantFrom('transient', 'permanent'),
      httpStatus: maybe(fc.constantFrom(404, 412)),
      cause: fc.constant('x'),
    }),
    fc.record({ type: fc.constant('TIMER.FIRED'), downloadId: id, name: fc.constantFrom('retry', 'start') }),
    fc.record({ type: fc.constant('STORAGE.EXHAUSTED'), downloadId: id }),
    fc.record({
      type: fc.constant('FDP.COMPLETED_WITH_ERRORS'),
      downloadId: id,
      discardFileOnError: fc.constantFrom(0, 1),
    }),
  )
  .map((event) => defined(event) as OipfManagerEvent);

const inputArb: fc.Arbitrary<OipfManagerInput> = fc.record({
  capacityBytes: fc.constantFrom(3000, 100_000),
  maxActive: fc.integer({ min: 1, max: 2 }),
  profile: fc.constantFrom('oipf' as const, 'hbbtv' as const),
});

/** xstate's actions as manager outputs: the effect requests and the notifications, in order. */
function outputsOf(actions: readonly { type: string; params?: unknown }[]): ManagerOutput[] {
  const out: ManagerOutput[] = [];
  for (const a of actions) {
    if (a.type === 'xstate.emit') out.push({ kind: 'emit', event: (a.params as { event: never }).event });
    else if (!a.type.startsWith('xstate.'))
      out.push({ kind: 'effect', effect: { type: a.type, params: a.params } as never });
  }
  return out;
}

/** Everything of a context a step can change, as plain data. */
function plain(context: OipfManagerContext) {
  const { downloads, ...rest } = context;
  return {
    ...rest,
    downloads: downloads.list(),
    usage: downloads.usage,
    active: downloads.activeCount,
    next: downloads.bestStartable()?.id,
    lowest: downloads.lowestActive()?.id,
  };
}

describe('managerTransition: the manager chart without an actor', () => {
  test.prop(
    [inputArb, fc.array(eventArb, { maxLength: 30 }), fc.array(eventArb, { maxLength: 30 })],
    fcParams<[OipfManagerInput, OipfManagerEvent[], OipfManagerEvent[]]>(300),
  )(
    'gives the same state, context and outputs, in the same order, as xstate running the chart — before and after a restart from the downloads and reservations it held',
    (input, before, after) => {
      const agree = (start: OipfManagerInput, events: readonly OipfManagerEvent[]): OipfManagerContext => {
        let [snapshot, actions] = initialTransition(oipfManagerMachine, start);
        let [state, out] = managerStart(start);
        expect(state.value).toBe(snapshot.value);
        expect(out, 'start').toEqual(outputsOf(actions));
        expect(plain(state.context), 'start').toEqual(plain(snapshot.context));
        for (const event of events) {
          [snapshot, actions] = transition(oipfManagerMachine, snapshot, event);
          [state, out] = managerTransition(state, event);
          expect(state.value, event.type).toBe(snapshot.value);
          expect(out, event.type).toEqual(outputsOf(actions));
          expect(plain(state.context), event.type).toEqual(plain(snapshot.context));
        }
        return state.context;
      };
      const held = agree(input, before);
      agree({ ...input, downloads: held.downloads.list(), reservations: held.reservations }, after);
    },
  );

  it('leaves the state it was given as it was (a pure function of state and event)', () => {
    const [start] = managerStart({ capacityBytes: 100_000, maxActive: 1 });
    const register = (downloadId: string): OipfManagerEvent => ({
      type: 'APP.REGISTER',
      downloadId,
      caller: OWN,
      url: `http://cdn.example/${downloadId}`,
      contentType: 'video/mp4',
    });
    const [one] = managerTransition(start, register('a'));
    const [two] = managerTransition(one, register('b'));
    expect(start.context.downloads.size).toBe(0);
    expect(one.context.downloads.list().map((d) => d.id)).toEqual(['a']);
    expect(two.context.downloads.list().map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('an event no handler takes returns the same state and nothing to do', () => {
    const [start] = managerStart({ capacityBytes: 100_000, maxActive: 1 });
    const unknown = { type: 'NOT.AN.EVENT' } as unknown as OipfManagerEvent;
    const [next, out] = managerTransition(start, unknown);
    expect(next).toBe(start);
    expect(out).toEqual([]);
  });

  it('refuses to read a chart that uses what it does not run, naming it', () => {
    const config = oipfManagerMachine.config as unknown as Record<string, unknown>;
    const states = config.states as Record<string, Record<string, unknown>>;
    const withState = (name: string, patch: Record<string, unknown>) => ({
      ...config,
      states: { ...states, [name]: { ...states[name], ...patch } },
    });
    expect(() => chartOf(config)).not.toThrow();
    expect(() => chartOf(withState('oipf', { exit: ['refuse'] }))).toThrow(/'exit' at states\.oipf/);
    expect(() => chartOf(withState('oipf', { states: { x: {} } }))).toThrow(/'states' at states\.oipf/);
    expect(() => chartOf(withState('oipf', { on: { 'APP.PAUSE': { actions: [() => {}] } } }))).toThrow(
      /not in its table/,
    );
    expect(() => chartOf(withState('oipf', { on: { 'APP.PAUSE': { guard: 'nope' } } }))).toThrow(
      /not in its table \(nope\)/,
    );
    expect(() => chartOf(withState('oipf', { on: { 'APP.PAUSE': { target: '#elsewhere' } } }))).toThrow(
      /the target "#elsewhere"/,
    );
    expect(() => chartOf({ ...config, after: { 10: 'oipf' } })).toThrow(/'after' at the root/);
  });

  it('is what the manager state type says: a top-level state and a context', () => {
    const [state]: [ManagerState, ManagerOutput[]] = managerStart({
      capacityBytes: 1,
      profile: 'hbbtv',
    });
    expect(state.value).toBe('hbbtv');
  });
});
