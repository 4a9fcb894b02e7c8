import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import type { ManagerOutput, OipfManagerEvent, OipfManagerInput } from '../../machines/oipf/index.js';
import { APP } from '../../machines/oipf/oipf.test-support.js';
import { driveManager, type ManagerDriver } from './manager-driver.js';

const register = (downloadId: string, priority = 0): OipfManagerEvent => ({
  type: 'APP.REGISTER',
  downloadId,
  caller: APP,
  url: `http://cdn.example/${downloadId}`,
  contentType: 'video/mp4',
  priority,
});
const INPUT: OipfManagerInput = { capacityBytes: 1e9, maxActive: 1 };

/** What a host sees of a driver: each output performed, and a mark after each step. */
function record(
  inspect?: (event: InspectionEvent) => void,
  onPerform?: (driver: ManagerDriver, output: ManagerOutput) => void,
) {
  const seen: string[] = [];
  const errors: unknown[] = [];
  const driver: ManagerDriver = driveManager(
    INPUT,
    {
      perform: (output) => {
        seen.push(
          output.kind === 'effect'
            ? `${output.effect.type}:${output.effect.params.downloadId}`
            : `${output.event.type}:${output.event.id}${output.event.type === 'STATE_CHANGED' ? `:${output.event.state}` : ''}`,
        );
        onPerform?.(driver, output);
      },
      stepped: () => seen.push('|'),
      onError: (error) => errors.push(error),
    },
    inspect,
  );
  return { driver, seen, errors };
}

describe('the manager driver: the chart stepped for the host, with or without an actor', () => {
  it('hands the host the same effects and notifications, each in the same order, either way (an inspector sees the actor run)', () => {
    const inspected: InspectionEvent[] = [];
    const plain = record();
    const inspected_ = record((e) => inspected.push(e));
    for (const { driver } of [plain, inspected_]) {
      driver.start();
      driver.send(register('a', 1));
      driver.send(register('b', 2));
      driver.send({ type: 'APP.PAUSE', downloadId: 'b', caller: APP });
      driver.send({ type: 'APP.REMOVE', downloadId: 'a', caller: APP });
    }
    // b (priority 2) pre-empts a; pausing b gives the slot back to a; removing a stops it.
    expect(plain.seen.filter((s) => s !== '|')).toEqual([
      'STATE_CHANGED:a:16',
      'startTransfer:a',
      'STATE_CHANGED:a:2',
      'STATE_CHANGED:b:16',
      'stopTransfer:a',
      'STATE_CHANGED:a:4',
      'startTransfer:b',
      'STATE_CHANGED:b:2',
      'stopTransfer:b',
      'STATE_CHANGED:b:4',
      'startTransfer:a',
      'STATE_CHANGED:a:2',
      'stopTransfer:a',
      'deleteData:a',
      'REMOVED:a',
    ]);
    // An xstate actor delivers a step's emitted events after its other actions (it defers `emit` to the end of the
    // macrostep), so through the inspector the effects come first; each kind keeps its own order.
    const effects = (seen: string[]) => seen.filter((s) => s !== '|' && !/^(STATE_CHANGED|REMOVED):/.test(s));
    const notes = (seen: string[]) => seen.filter((s) => /^(STATE_CHANGED|REMOVED):/.test(s));
    expect(effects(inspected_.seen)).toEqual(effects(plain.seen));
    expect(notes(inspected_.seen)).toEqual(notes(plain.seen));
    expect(plain.driver.context.downloads.list().map((d) => d.id)).toEqual(['b']);
    expect(inspected_.driver.context.downloads.list().map((d) => d.id)).toEqual(['b']);
    expect(inspected.some((e) => e.type === '@xstate.event' && e.event.type === 'APP.PAUSE')).toBe(true);
    expect(plain.errors).toEqual([]);
  });

  it('an event sent while another is performed waits its turn, as in a mailbox', () => {
    let sent = false;
    const { driver, seen } = record(undefined, (d, output) => {
      if (!sent && output.kind === 'effect' && output.effect.type === 'startTransfer') {
        sent = true;
        d.send(register('b', 5));
      }
    });
    driver.start();
    driver.send(register('a'));
    // a's step is performed to its end before b's begins (b then pre-empts a).
    expect(seen).toEqual([
      '|',
      'STATE_CHANGED:a:16',
      'startTransfer:a',
      'STATE_CHANGED:a:2',
      '|',
      'STATE_CHANGED:b:16',
      'stopTransfer:a',
      'STATE_CHANGED:a:4',
      'startTransfer:b',
      'STATE_CHANGED:b:2',
      '|',
    ]);
  });

  it('an output that throws is reported; the others are still performed, and the next event is taken', () => {
    const boom = new Error('engine failed');
    const { driver, seen, errors } = record(undefined, (_d, output) => {
      if (output.kind === 'effect' && output.effect.type === 'startTransfer') throw boom;
    });
    driver.start();
    driver.send(register('a'));
    driver.send(register('b'));
    expect(errors).toEqual([boom]);
    expect(seen).toContain('STATE_CHANGED:a:2');
    expect(seen).toContain('STATE_CHANGED:b:16');
  });

  it('after stop, events are not taken', () => {
    const { driver, seen } = record();
    driver.start();
    driver.stop();
    driver.send(register('a'));
    expect(seen).toEqual(['|']);
    expect(driver.context.downloads.size).toBe(0);
  });
});
