import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyActorLogic, initialTransition, type SnapshotFrom, transition } from 'xstate';
import {
  type DownloadEffects,
  type DownloadEvent,
  dlotaMachine,
  etagFor,
  exposesByteRanges,
} from '../../machines/dlota/index.js';
import { fcParams } from '../fc.js';
import { verifies } from '../verifies.js';

type Snapshot = SnapshotFrom<typeof dlotaMachine>;
type HttpGet = DownloadEffects['httpGet'];

const DD_URL = 'http://dl.example/dd/object.dd';

/** What one run downloads. */
interface Scenario {
  readonly size: number;
  readonly etag: string;
  /** The ETag after the object changed on the server. */
  readonly changed: string;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    size: fc.integer({ min: 2, max: 4 * 1024 * 1024 }),
    id: fc.stringMatching(/^[a-z0-9]{3,8}$/),
    version: fc.integer({ min: 1, max: 9 }),
  })
  .map(({ size, id, version }) => ({
    size,
    etag: etagFor(id, `${version}.0`),
    changed: etagFor(id, `${version + 1}.0`),
  }));

function descriptor(size: number): string {
  return `<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <type>application/octet-stream</type><size>${size}</size>
  <objectURI>/media/object.bin</objectURI>
  <installNotifyURI>/notify/object</installNotifyURI>
  <updatedDDURI>/dd/object-v2.dd</updatedDDURI>
</media>`;
}

/** What the test tracks of the wire while the machine runs. */
interface Wire {
  /** Whether the 200 answering the current fresh GET exposed byte ranges. */
  rangesExposed: boolean;
  /** The ETag of the 200 answering the current fresh GET (what every resume must send as If-Match). */
  firstEtag: string | undefined;
}

/** One thing that happens to the agent: a server answer, a body event, a user action, a crash. */
interface Op {
  readonly name: string;
  event(s: Scenario, snapshot: Snapshot, wire: Wire): DownloadEvent;
}

const op = (name: string, event: Op['event']): Op => ({ name, event });
const headers = (
  extra: Omit<Extract<DownloadEvent, { type: 'RESPONSE.HEADERS' }>, 'type'>,
): DownloadEvent => ({
  type: 'RESPONSE.HEADERS',
  ...extra,
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constant(
      op('200', (s) => headers({ status: 200, acceptRanges: 'bytes', etag: s.etag, contentLength: s.size })),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      op('200-noranges', (s) => headers({ status: 200, etag: s.etag, contentLength: s.size })),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      op('200-changed', (s) =>
        headers({ status: 200, acceptRanges: 'bytes', etag: s.changed, contentLength: s.size }),
      ),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constant(
      op('206', (s, snap) => {
        const { offset, length } = snap.context.transfer;
        return headers({
          status: 206,
          etag: s.etag,
          contentRange: `bytes ${offset}-${length - 1}/${length}`,
        });
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      op('206-misfit', (s) =>
        headers({ status: 206, etag: s.etag, contentRange: `bytes 0-${s.size - 1}/${s.size}` }),
      ),
    ),
  },
  { weight: 1, arbitrary: fc.constant(op('412', () => headers({ status: 412 }))) },
  { weight: 1, arbitrary: fc.constant(op('404', () => headers({ status: 404 }))) },
  {
    weight: 4,
    arbitrary: fc
      .double({ min: 0, max: 1, noNaN: true })
      .map((f) =>
        op(`durable@${f.toFixed(2)}`, (s) => ({ type: 'BODY.DURABLE', offset: Math.floor(f * s.size) })),
      ),
  },
  { weight: 2, arbitrary: fc.constant(op('end', (s) => ({ type: 'BODY.END', offset: s.size }))) },
  { weight: 3, arbitrary: fc.constant(op('drop', () => ({ type: 'CONNECTION.LOST', cause: 'ECONNRESET' }))) },
  { weight: 2, arbitrary: fc.constant(op('pause', () => ({ type: 'USER.PAUSE' }))) },
  { weight: 3, arbitrary: fc.constant(op('resume', () => ({ type: 'USER.RESUME' }))) },
  { weight: 2, arbitrary: fc.constant(op('net', () => ({ type: 'NETWORK.BACK' }))) },
  {
    weight: 1,
    arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((f) =>
      op(`restart@${f.toFixed(2)}`, (s, _snap, wire) => ({
        type: 'RESTART.RECOVERED',
        offset: Math.floor(f * s.size),
        length: s.size,
        // The journal is truthful: it kept the ETag of the transfer it journaled and whether ranges were exposed.
        ...(wire.firstEtag === undefined ? {} : { etag: wire.firstEtag }),
        acceptRanges: wire.rangesExposed,
      })),
    ),
  },
  { weight: 1, arbitrary: fc.constant(op('full', () => ({ type: 'STORAGE.FULL' }))) },
  { weight: 1, arbitrary: fc.constant(op('off', () => ({ type: 'DEVICE.SHUTDOWN' }))) },
  {
    weight: 1,
    arbitrary: fc.constant(
      op('dd', (s) => ({ type: 'DESCRIPTOR.LOADED', body: descriptor(s.size), url: DD_URL })),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(op('space', (s) => ({ type: 'FREE_SPACE.MEASURED', bytes: 10 * s.size }))),
  },
  { weight: 1, arbitrary: fc.constant(op('confirm', () => ({ type: 'USER.CONFIRMED' }))) },
  { weight: 1, arbitrary: fc.constant(op('report-failed', () => ({ type: 'REPORT.FAILED', status: 503 }))) },
  { weight: 1, arbitrary: fc.constant(op('report-ok', () => ({ type: 'REPORT.ACCEPTED' }))) },
);

/** A run: the scenario and the ops after the descriptor, space and confirmation; prints like `pause,drop@0.50,resume→412`. */
const runArb = fc.tuple(scenarioArb, fc.array(opArb, { maxLength: 40 })).map(([scenario, ops]) =>
  Object.assign(
    { scenario, ops },
    {
      [fc.toStringMethod]: () =>
        `size ${scenario.size}: ${ops
          .map((o, i) => (o.name.match(/^\d/) && ops[i - 1]?.name === 'resume' ? `→${o.name}` : `,${o.name}`))
          .join('')
          .replace(/^,/, '')
          .replace(/,→/g, '→')}`,
    },
  ),
);

const gets = (actions: ReadonlyArray<{ type: string; params?: unknown }>) =>
  actions.filter((a) => a.type === 'httpGet').map((a) => a.params as HttpGet);

/** The invariants over random runs, for `machine` (the real chart, or a mutant in the meta-test below). */
function invariants(machine: typeof dlotaMachine) {
  return fc.property(runArb, ({ scenario, ops }) => {
    const start: Op[] = [
      op('dd', (s) => ({ type: 'DESCRIPTOR.LOADED', body: descriptor(s.size), url: DD_URL })),
      op('space', (s) => ({ type: 'FREE_SPACE.MEASURED', bytes: 10 * s.size })),
      op('confirm', () => ({ type: 'USER.CONFIRMED' })),
    ];
    let [snapshot] = initialTransition(machine, {
      ddUrl: DD_URL,
      supportedTypes: ['*/*'],
      maxUpdates: 2,
    });
    const wire: Wire = { rangesExposed: false, firstEtag: undefined };
    for (const o of [...start, ...ops]) {
      const before = snapshot;
      const event = o.event(scenario, before, wire);
      const [next, actions] = transition(machine as AnyActorLogic, before, event) as [
        Snapshot,
        Array<{ type: string; params?: unknown }>,
      ];
      snapshot = next;
      if (
        event.type === 'RESPONSE.HEADERS' &&
        event.status === 200 &&
        before.matches({ retrieving: 'requesting' })
      ) {
        wire.rangesExposed = exposesByteRanges(event.acceptRanges);
        wire.firstEtag = event.etag;
      }
      const requested = gets(actions);
      // DL-PR-8: at most one request per step, never more than one range.
      expect(requested.length).toBeLessThanOrEqual(1);
      for (const get of requested) {
        if (get.range === undefined) {
          expect(get.offset).toBe(0);
          wire.rangesExposed = false;
          wire.firstEtag = undefined;
          continue;
        }
        expect(get.range).toMatch(/^bytes=\d+-\d+$/);
        // DL-PR-7: exactly the bytes not yet on disk.
        expect(get.range).toBe(`bytes=${get.offset}-${next.context.transfer.length - 1}`);
        // DL-PR-12: never resume unless the 200 exposed Accept-Ranges: bytes.
        expect(wire.rangesExposed).toBe(true);
        // DL-PR-9: If-Match is the first ETag of this transfer.
        expect(get.ifMatch).toBe(wire.firstEtag);
      }
      // DL-PR-11: a 200 answering a resume is never appended: discard, then GET from byte 0.
      if (
        event.type === 'RESPONSE.HEADERS' &&
        event.status === 200 &&
        before.matches({ retrieving: 'resuming' })
      ) {
        expect(requested.map((g) => [g.offset, g.range])).toEqual([[0, undefined]]);
        expect(next.context.transfer.offset).toBe(0);
      }
    }
  });
}

describe('dlotaMachine under random event sequences (fast-check, pure transition API)', () => {
  it(
    verifies(
      ['DL-PR-8', 'DL-PR-12', 'DL-PR-9', 'DL-PR-11', 'DL-PR-7'],
      'never two ranges, never a resume without Accept-Ranges, every resume If-Match = the first ETag, a 200 to a resume is never appended',
    ),
    () => {
      fc.assert(invariants(dlotaMachine), fcParams(300));
    },
  );

  it('the property catches mutants: resuming without Accept-Ranges, appending a 200 (shrunk to a readable log)', () => {
    const blind = dlotaMachine.provide({ guards: { transferResumable: () => true } });
    const appending = dlotaMachine.provide({
      guards: {
        resumeRestarts: () => false,
        partialAppends: ({ event }) =>
          event.type === 'RESPONSE.HEADERS' && (event.status === 200 || event.status === 206),
      },
    });
    for (const mutant of [blind, appending]) {
      const result = fc.check(invariants(mutant), { seed: 1, numRuns: 2000 });
      expect(result.failed).toBe(true);
      expect(fc.stringify(result.counterexample?.[0])).toMatch(/^size \d+: [\w@.,→-]+$/);
    }
  });
});
