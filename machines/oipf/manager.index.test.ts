import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { committedBytes, DownloadIndex, footprintBytes, isActive, isStartable } from './manager.index.js';
import type { ManagedDownload } from './manager.types.js';
import { PATHS, run } from './oipf.test-support.js';

const STATES = Object.keys(PATHS).filter((s) => s !== 'removed');

/** A download entry in one of the reachable states, with a given priority and organisation. */
function entry(id: string, state: string, priority: number, orgId: string): ManagedDownload {
  const { s } = run(PATHS[state]!, { id, url: `http://cdn.example/${id}`, totalSize: 100, priority });
  return {
    id,
    appId: 'app1',
    origin: 'tv.example',
    orgId,
    contentType: 'video/mp4',
    descriptorPending: false,
    value: s.value as ManagedDownload['value'],
    context: s.context,
  };
}

type Op =
  | { put: true; id: string; state: string; priority: number; org: string }
  | { put: false; id: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    put: fc.constant(true as const),
    id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
    state: fc.constantFrom(...STATES),
    priority: fc.integer({ min: 0, max: 3 }),
    org: fc.constantFrom('o1', 'o2'),
  }),
  fc.record({ put: fc.constant(false as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
);

/** The naive model: an array in registration order, sorted on demand (what the context was before). */
function byPriority(list: readonly ManagedDownload[]): ManagedDownload[] {
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => b.d.context.priority - a.d.context.priority || a.i - b.i)
    .map(({ d }) => d);
}

describe('manager index: keyed downloads, startable and active ones in priority order', () => {
  test.prop([fc.array(opArb, { maxLength: 40 })], { seed: 18, numRuns: 300 })(
    verifies(
      ['DAE-PRIO-1', 'DAE-RESERVE-5'],
      'after any puts and removals the index agrees with a sorted array: order, next to start, first to pre-empt, per-organisation bytes; earlier indexes are unchanged',
    ),
    (ops) => {
      let index = DownloadIndex.empty();
      let model: ManagedDownload[] = [];
      const history: { index: DownloadIndex; ids: string[] }[] = [];
      for (const op of ops) {
        const before = index;
        if (op.put) {
          const d = entry(op.id, op.state, op.priority, op.org);
          const at = model.findIndex((m) => m.id === op.id);
          model = at < 0 ? [...model, d] : model.map((m) => (m.id === op.id ? d : m));
          index = index.with(d);
        } else {
          model = model.filter((m) => m.id !== op.id);
          index = index.without(op.id);
        }
        const changed = new Set<string>();
        index.changesSince(before, (id) => changed.add(id));
        expect([...changed], 'changesSince names the one entry touched').toEqual(
          before.get(op.id) === index.get(op.id) ? [] : [op.id],
        );
        history.push({ index, ids: model.map((m) => m.id) });
        expect(index.list().map((d) => d.id)).toEqual(model.map((m) => m.id));
        expect(index.bestStartable()?.id).toBe(byPriority(model.filter(isStartable))[0]?.id);
        expect(index.lowestActive()?.id).toBe(byPriority(model.filter(isActive)).at(-1)?.id);
        expect(index.activeCount).toBe(model.filter(isActive).length);
        for (const org of ['o1', 'o2']) {
          const mine = model.filter((m) => m.orgId === org);
          expect(index.usage[org]?.committed ?? 0).toBe(mine.reduce((s, m) => s + committedBytes(m), 0));
          expect(index.usage[org]?.footprint ?? 0).toBe(mine.reduce((s, m) => s + footprintBytes(m), 0));
        }
      }
      // Persistence: every earlier index still lists what it listed (nothing was changed in place).
      for (const { index: old, ids } of history) expect(old.list().map((d) => d.id)).toEqual(ids);
    },
  );

  test.prop([fc.array(opArb, { maxLength: 40 })], { seed: 19, numRuns: 300 })(
    'of(list), built in place, is the index successive with() calls build: order, lookups, slots, usage; and it is frozen like one',
    (ops) => {
      const list = ops.flatMap((op) => (op.put ? [entry(op.id, op.state, op.priority, op.org)] : []));
      let stepped = DownloadIndex.empty();
      for (const d of list) stepped = stepped.with(d);
      const built = DownloadIndex.of(list);
      expect(built.list()).toEqual(stepped.list());
      for (const d of list) expect(built.get(d.id)).toBe(stepped.get(d.id));
      expect(built.bestStartable()?.id).toBe(stepped.bestStartable()?.id);
      expect(built.lowestActive()?.id).toBe(stepped.lowestActive()?.id);
      expect(built.activeCount).toBe(stepped.activeCount);
      expect(built.usage).toEqual(stepped.usage);
      // The next registration gets the next sequence number either way (registered last).
      const late = entry('z', STATES[0]!, 1, 'o1');
      expect(
        built
          .with(late)
          .list()
          .map((d) => d.id),
      ).toEqual(
        stepped
          .with(late)
          .list()
          .map((d) => d.id),
      );
      // Changing a built index leaves it as it was (its trees are shared, copy on write).
      const before = built.list();
      if (list[0] !== undefined) built.without(list[0].id);
      expect(built.list()).toEqual(before);
    },
  );
});
