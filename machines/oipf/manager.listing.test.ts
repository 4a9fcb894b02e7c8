import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParams } from '../../property-tests/fc.js';
import { verifies } from '../../property-tests/verifies.js';
import { CADD_CONTENT_TYPE } from './constants.js';
import { type DownloadListing, IdSequence, listDownloads } from './manager.listing.js';
import {
  appOf,
  downloadViews,
  filteredListQuery,
  getDownloadsQuery,
  type ListQuery,
} from './manager.logic.js';
import type { DaeCaller, OipfManagerContext, OipfManagerEvent } from './manager.types.js';
import { APP, Driver, MB, OTHER } from './oipf.test-support.js';
import { filterAdmits, stateInSet, visibleTo } from './scope.js';

/** An application of APP's domain that may see every download. */
const PORTAL: DaeCaller = { ...APP, appId: 'portal', permissions: ['permission_downloadmanager_all'] };
const SIBLING: DaeCaller = {
  ...APP,
  appId: 'sibling',
  permissions: ['permission_downloadmanager_samedomain'],
};

/** The list calls checked: a name, the query, and the reference answer from the per-download scope rules. */
interface Case {
  readonly name: string;
  readonly query: (ctx: OipfManagerContext) => ListQuery;
  readonly reference: (ctx: OipfManagerContext) => string[];
}

function getCase(caller: DaeCaller): Case {
  return {
    name: `getDownloads() by ${caller.appId}`,
    query: (ctx) => getDownloadsQuery(ctx, caller)!,
    reference: (ctx) =>
      downloadViews(ctx)
        .filter((v) => !v.descriptorPending && visibleTo(appOf(caller, ctx.manageDownloads), v))
        .map((v) => v.id),
  };
}

function filterCase(caller: DaeCaller, currentDomain: boolean | undefined, states: number): Case {
  return {
    name: `createFilteredList(${currentDomain}, ${states}) by ${caller.appId}`,
    query: (ctx) => filteredListQuery(ctx, caller, currentDomain, states),
    reference: (ctx) =>
      downloadViews(ctx)
        .filter(
          (v) =>
            stateInSet(v.state, states) && filterAdmits(appOf(caller, ctx.manageDownloads), v, currentDomain),
        )
        .map((v) => v.id),
  };
}

const CASES: readonly Case[] = [
  getCase(PORTAL),
  getCase(APP),
  getCase(SIBLING),
  getCase(OTHER),
  filterCase(PORTAL, undefined, 63),
  filterCase(PORTAL, false, 63),
  filterCase(APP, true, 63),
  filterCase(SIBLING, undefined, 4 + 16),
  filterCase(PORTAL, undefined, 2),
  filterCase(OTHER, undefined, 8 + 1),
];

/** Follows a manager through events, keeping every case's listing from one step to the next. */
class Lists {
  readonly kept = new Map<string, DownloadListing>();
  /** `chunkSize`: the sequences' chunk size (small ones make every change split, empty or edit chunks). */
  constructor(
    readonly m: Driver,
    readonly chunkSize?: number,
  ) {}
  /**
   * Sends the event, refreshes each kept listing and checks it against a fresh one and the reference; with
   * `refresh` false only sends it (an application that lists again only after several changes).
   */
  step(event: OipfManagerEvent | undefined, refresh = true): void {
    if (event !== undefined) this.m.send(event);
    if (!refresh) return;
    const ctx = this.m.s.context;
    for (const c of CASES) {
      const kept = this.kept.get(c.name);
      const before = kept?.ids.toArray();
      const refreshed = listDownloads(ctx.downloads, c.query(ctx), kept, this.chunkSize);
      const expected = c.reference(ctx);
      expect(refreshed.ids.toArray(), `${c.name} after ${event?.type ?? 'start'}`).toEqual(expected);
      expect(refreshed.ids.length).toBe(expected.length);
      for (const [i, id] of expected.entries()) expect(refreshed.ids.at(i)).toBe(id);
      expect(refreshed.ids.at(expected.length)).toBeUndefined();
      // The earlier answer is a snapshot: deriving the next one left it as it was.
      if (kept !== undefined) expect(kept.ids.toArray()).toEqual(before);
      this.kept.set(c.name, refreshed);
    }
  }
}

function register(id: string, caller: DaeCaller, contentType = 'video/mp4'): OipfManagerEvent {
  return { type: 'APP.REGISTER', downloadId: id, caller, url: `http://cdn.example/${id}`, contentType };
}

describe('manager.listing: list answers kept from one call to the next', () => {
  it(
    verifies(
      ['DAE-GET-1', 'DAE-GET-2', 'DAE-GET-3', 'DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-FILTER-4'],
      'after register, pause, resume, pre-emption, descriptor, failure and remove, each kept answer equals the scope rules applied afresh (other apps stay hidden)',
    ),
    () => {
      const lists = new Lists(new Driver({ capacityBytes: 1000 * MB, maxActive: 1 }));
      lists.step(undefined);
      for (const event of [
        register('a', APP),
        register('b', OTHER),
        register('c', APP, CADD_CONTENT_TYPE),
        register('d', SIBLING),
        { type: 'APP.PAUSE', downloadId: 'a', caller: APP },
        register('hi', PORTAL),
        { type: 'APP.RESUME', downloadId: 'a', caller: APP },
        { type: 'DESCRIPTOR.PARSED', downloadId: 'c', url: 'http://cdn.example/c.mp4' },
        { type: 'TRANSFER.FAILED', downloadId: 'hi', kind: 'permanent', httpStatus: 404, cause: 'gone' },
        { type: 'APP.REMOVE', downloadId: 'b', caller: OTHER },
        { type: 'APP.REMOVE', downloadId: 'a', caller: APP },
        register('a2', APP),
      ] satisfies OipfManagerEvent[]) {
        lists.step(event);
      }
      // Scoping: an own-only application never sees another's download, in any kept answer.
      expect(lists.kept.get('getDownloads() by app1')?.ids.toArray()).toEqual(['c', 'a2']);
      expect(lists.kept.get('getDownloads() by app9')?.ids.toArray()).toEqual([]);
    },
  );

  it('a download removed and registered again under its id between two list calls is listed at its new place', () => {
    const lists = new Lists(new Driver({ capacityBytes: 1000 * MB, maxActive: 1 }), 1);
    lists.step(register('a', APP));
    lists.step(register('b', APP));
    lists.step({ type: 'APP.REMOVE', downloadId: 'a', caller: APP }, false);
    lists.step(register('a', APP));
    expect(lists.kept.get('getDownloads() by app1')?.ids.toArray()).toEqual(['b', 'a']);
  });

  it('a change that moves no download in or out keeps the very same ids; one that does makes new ones', () => {
    const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 1 }).register('a').register('b');
    const every = getDownloadsQuery(m.s.context, PORTAL)!;
    const first = listDownloads(m.s.context.downloads, every);
    expect(listDownloads(m.s.context.downloads, every, first)).toBe(first);
    m.send({ type: 'APP.PAUSE', downloadId: 'b', caller: APP });
    const paused = listDownloads(m.s.context.downloads, every, first);
    expect(paused.downloads).toBe(m.s.context.downloads);
    expect(paused.ids).toBe(first.ids);
    m.register('c');
    const grown = listDownloads(m.s.context.downloads, every, paused);
    expect(grown.ids).not.toBe(first.ids);
    expect(grown.ids.toArray()).toEqual(['a', 'b', 'c']);
    expect(first.ids.toArray()).toEqual(['a', 'b']);
  });

  it(
    verifies(
      ['DAE-GET-1', 'DAE-FILTER-3', 'DAE-FILTER-4'],
      'for random event sequences, every kept answer equals the scope rules applied afresh',
    ),
    () => {
      const callers = [APP, OTHER, SIBLING, PORTAL];
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const id = fc.constantFrom(...ids);
      const caller = fc.constantFrom(...callers);
      const eventArb: fc.Arbitrary<OipfManagerEvent> = fc.oneof(
        fc
          .tuple(id, caller, fc.boolean(), fc.integer({ min: 0, max: 3 }))
          .map(([downloadId, c, cadd, priority]) => ({
            ...register(downloadId, c, cadd ? CADD_CONTENT_TYPE : 'video/mp4'),
            priority,
          })),
        fc
          .tuple(id, caller)
          .map(([downloadId, c]) => ({ type: 'APP.PAUSE', downloadId, caller: c }) as const),
        fc
          .tuple(id, caller)
          .map(([downloadId, c]) => ({ type: 'APP.RESUME', downloadId, caller: c }) as const),
        fc
          .tuple(id, caller)
          .map(([downloadId, c]) => ({ type: 'APP.REMOVE', downloadId, caller: c }) as const),
        id.map((downloadId) => ({ type: 'DESCRIPTOR.PARSED', downloadId, url: 'http://x/y' }) as const),
        id.map((downloadId) => ({ type: 'TRANSFER.COMPLETE', downloadId, bytesDurable: 0 }) as const),
        // Generation 1 is the first verification's; a later one's result is ignored as stale (DAE-PAUSE-2).
        fc
          .tuple(id, fc.integer({ min: 1, max: 2 }))
          .map(
            ([downloadId, verification]) =>
              ({ type: 'TRANSFER.VERIFIED', downloadId, verification }) as const,
          ),
        id.map(
          (downloadId) =>
            ({ type: 'TRANSFER.FAILED', downloadId, kind: 'transient', cause: 'reset' }) as const,
        ),
      );
      fc.assert(
        fc.property(
          fc.array(fc.tuple(eventArb, fc.boolean()), { maxLength: 30 }),
          fc.constantFrom(undefined, 1, 2, 3),
          (events, chunk) => {
            const lists = new Lists(new Driver({ capacityBytes: 1000 * MB, maxActive: 2 }), chunk);
            lists.step(undefined);
            // Listed after some events only: a listing then takes several changes at once (a download removed
            // and registered again under its id among them).
            for (const [event, refresh] of events) lists.step(event, refresh);
            lists.step(undefined);
          },
        ),
        fcParams(100),
      );
    },
  );

  it('IdSequence: removals and insertions by registration number give what a plain array gives, the earlier sequence untouched', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 60 })), { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (start, ops, chunkSize) => {
          let model = [...start].sort((x, y) => x - y);
          let seq = IdSequence.of(
            model.map((n) => `d${n}`),
            model,
            chunkSize,
          );
          // Applied in batches of up to three changes, as a listing applies what one step changed.
          for (let i = 0; i < ops.length; i += 3) {
            const removed = new Set<number>();
            const added = new Set<number>();
            for (const [remove, n] of ops.slice(i, i + 3)) {
              if (remove && model.includes(n) && !added.has(n)) removed.add(n);
              if (!remove && !model.includes(n) && !removed.has(n)) added.add(n);
            }
            const earlier = seq;
            const earlierIds = earlier.toArray();
            seq = seq.withChanges(
              [...removed].sort((x, y) => x - y),
              [...added].sort((x, y) => x - y).map((n) => ({ id: `d${n}`, seq: n })),
            );
            model = [...model.filter((n) => !removed.has(n)), ...added].sort((x, y) => x - y);
            expect(seq.toArray()).toEqual(model.map((n) => `d${n}`));
            expect(seq.length).toBe(model.length);
            for (const [k, n] of model.entries()) expect(seq.at(k)).toBe(`d${n}`);
            expect(earlier.toArray()).toEqual(earlierIds);
          }
        },
      ),
      fcParams(200),
    );
  });
});
