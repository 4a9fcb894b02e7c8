import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { describeMachine, enqueuedBy, requestedEffects } from '../../machines/describe.js';
import { OIPF_MANAGER_ENQUEUES } from '../../machines/oipf/manager.enqueues.js';
import { oipfManagerMachine } from '../../machines/oipf/manager.machine.js';
import type { OipfManagerEvent, OipfManagerInput } from '../../machines/oipf/manager.types.js';
import { APP } from '../../machines/oipf/oipf.test-support.js';
import { MACHINES } from '../../machines/registry.js';

const description = describeMachine(oipfManagerMachine);
const EFFECTS = [
  'startTransfer',
  'stopTransfer',
  'deleteData',
  'startTimer',
  'cancelTimer',
  'verifyContent',
  'fetchDescriptor',
];

/** The effects the chart plus the declaration allow for one event ('' for the start). */
function allowed(event: string): Set<string> {
  const names = new Set<string>();
  const add = (action: string, on: string) => {
    if (EFFECTS.includes(action)) names.add(action);
    for (const effect of enqueuedBy(OIPF_MANAGER_ENQUEUES, action, on)) names.add(effect);
  };
  if (event === '') for (const a of description.entry) add(a, '');
  for (const t of description.transitions) if (t.event === event) for (const a of t.actions) add(a, event);
  return names;
}

/** A small deterministic PRNG, so the walk is the same on every run. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('OIPF_MANAGER_ENQUEUES (the effects the manager requests inside enqueueActions)', () => {
  it('is named by the registry, so the manager port lists every effect and the generator has no warning', () => {
    expect(MACHINES.find((m) => m.id === 'oipf-manager')?.enqueues).toBe(OIPF_MANAGER_ENQUEUES);
    expect(requestedEffects(description, EFFECTS, OIPF_MANAGER_ENQUEUES)).toEqual([...EFFECTS].sort());
    expect(requestedEffects(description, EFFECTS)).toEqual([]);
  });

  it('declares every effect each block really enqueues (seeded random walks over both profiles)', () => {
    const rnd = prng(20240607);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
    const undeclared = new Set<string>();
    const seen = new Set<string>();
    const check = (event: string, actions: readonly { type: string }[]) => {
      const ok = allowed(event);
      for (const a of actions) {
        if (!EFFECTS.includes(a.type)) continue;
        seen.add(a.type);
        if (!ok.has(a.type)) undeclared.add(`${event || '(start)'} → ${a.type}`);
      }
    };
    for (let run = 0; run < 150; run += 1) {
      const input: OipfManagerInput = {
        capacityBytes: 1000,
        maxActive: 1 + Math.floor(rnd() * 2),
        profile: rnd() < 0.5 ? 'oipf' : 'hbbtv',
      };
      let [snapshot, actions] = initialTransition(oipfManagerMachine, input);
      check('', actions);
      const ids = ['d0'];
      for (let step = 0; step < 40; step += 1) {
        const downloadId = pick(ids);
        const caller = APP;
        const events: OipfManagerEvent[] = [
          {
            type: 'APP.REGISTER',
            downloadId: `d${step + 1}`,
            caller,
            url: 'http://cdn.example/a',
            contentType: rnd() < 0.3 ? 'application/vnd.oipf.ContentAccessDownload+xml' : 'video/mp4',
            priority: Math.floor(rnd() * 3),
            totalSize: pick([100, 5000]),
          },
          { type: 'APP.PAUSE', downloadId, caller },
          { type: 'APP.RESUME', downloadId, caller },
          { type: 'APP.UPDATE_URL', downloadId, caller, url: 'http://cdn.example/b' },
          { type: 'APP.REMOVE', downloadId, caller },
          { type: 'APP.RESERVE', caller, bytes: Math.floor(rnd() * 2000) },
          { type: 'OITF.RESERVATION_CHANGED', orgId: caller.orgId, bytes: Math.floor(rnd() * 500) },
          { type: 'DESCRIPTOR.PARSED', downloadId, url: 'http://cdn.example/c' },
          { type: 'DESCRIPTOR.REJECTED', downloadId, cause: 'bad' },
          {
            type: 'TRANSFER.HEADERS',
            downloadId,
            status: pick([200, 206, 404, 412, 503]),
            etag: '"e"',
            totalSize: pick([100, 5000]),
          },
          { type: 'TRANSFER.PROGRESS', downloadId, bytesDurable: pick([10, 2000]) },
          { type: 'TRANSFER.COMPLETE', downloadId, bytesDurable: 100 },
          { type: 'TRANSFER.VERIFIED', downloadId, verification: 1 },
          { type: 'TRANSFER.CHECKSUM_MISMATCH', downloadId, verification: 1 },
          {
            type: 'TRANSFER.FAILED',
            downloadId,
            kind: pick(['transient', 'permanent'] as const),
            cause: 'c',
            httpStatus: 500,
          },
          { type: 'TIMER.FIRED', downloadId, name: 'retry' },
          { type: 'STORAGE.EXHAUSTED', downloadId },
          { type: 'FDP.COMPLETED_WITH_ERRORS', downloadId, discardFileOnError: pick([0, 1] as const) },
        ];
        const event = pick(events);
        if (event.type === 'APP.REGISTER') ids.push(event.downloadId);
        [snapshot, actions] = transition(oipfManagerMachine, snapshot, event);
        check(event.type, actions);
      }
      // Restoring what was persisted: the start rebalances the restored downloads.
      const [, restored] = initialTransition(oipfManagerMachine, {
        ...input,
        downloads: snapshot.context.downloads.list(),
      });
      check('', restored);
    }
    expect([...undeclared]).toEqual([]);
    // The walk is not vacuous: it met every effect the manager can request.
    expect([...seen].sort()).toEqual([...EFFECTS].sort());
  });
});
