import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { DLOTA_MODEL } from './dlota/dlota.model.js';
import { leafStates, type ModelPath, modelPaths, pathsFor, runPath, transitionKeys } from './paths.js';
import { MODEL_SPECS } from './specs.js';

describe('model paths (xstate/graph)', () => {
  it('are deterministic: a second build from the same spec gives the same paths', () => {
    const again = pathsFor({ ...DLOTA_MODEL });
    const first = modelPaths('dlota')!;
    const plain = (paths: readonly ModelPath[]) => JSON.stringify(paths.map((p) => [p.name, p.steps]));
    expect(plain(again.paths)).toBe(plain(first.paths));
    expect(again.taken).toEqual(first.taken);
  });

  it('map every step to rows of its own event (or eventless ones), read from @xstate.microstep', () => {
    for (const id of Object.keys(MODEL_SPECS)) {
      const set = modelPaths(id)!;
      const byOrder = new Map(set.description.transitions.map((t) => [t.order, t]));
      for (const path of set.paths) {
        for (const step of path.steps) {
          expect(step.rows.length, `${id} ${path.name}: ${step.label}`).toBeGreaterThan(0);
          for (const order of step.rows) expect(['', step.event.type]).toContain(byOrder.get(order)?.event);
        }
        for (const order of path.initRows) expect(byOrder.get(order)?.event).toBe('');
      }
    }
  });

  it('name every path uniquely and end each transition path by taking its transition', () => {
    for (const id of Object.keys(MODEL_SPECS)) {
      const set = modelPaths(id)!;
      const names = set.paths.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      const keys = transitionKeys(set.description);
      for (const path of set.paths.filter((p) => p.kind === 'transition')) {
        const last = path.steps.at(-1);
        const taken = [...(last?.rows ?? path.initRows)].map((o) => keys.get(o));
        expect(taken.some((key) => path.name.startsWith(`take ${key}`))).toBe(true);
      }
    }
  });

  it('transition keys are unique per machine; leaf states read nested values', () => {
    for (const id of Object.keys(MODEL_SPECS)) {
      const keys = [...transitionKeys(modelPaths(id)!.description).values()];
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(leafStates({ retrieving: 'paused' })).toEqual(['retrieving.paused']);
    expect(leafStates({ a: { b: 'c' } })).toEqual(['a.b.c']);
    expect(modelPaths('no-such-machine')).toBeUndefined();
  });

  it('runPath drives a system under test: start, check, then apply and check each step, then stop', async () => {
    const path = modelPaths('dlota')!.paths.find((p) => p.name.startsWith('reach retrieving.paused'))!;
    const log: string[] = [];
    await runPath(path, {
      start: (input) => void log.push(`start ${typeof input}`),
      apply: (event: EventObject) => void log.push(`apply ${event.type}`),
      check: (state) => void log.push(`check ${state}`),
      stop: () => void log.push('stop'),
    });
    expect(log[0]).toBe('start object');
    expect(log[1]).toBe('check fetchingDescriptor');
    expect(log.at(-2)).toBe('check retrieving.paused');
    expect(log.at(-1)).toBe('stop');
    expect(log.filter((l) => l.startsWith('apply'))).toHaveLength(path.steps.length);
  });

  it('runPath stops the system even when a check fails', async () => {
    const path = modelPaths('dlota')!.paths[1]!;
    let stopped = false;
    const run = runPath(path, {
      start: () => {},
      apply: () => {},
      check: (state, step) => {
        if (step) throw new Error(`not in ${state}`);
      },
      stop: () => {
        stopped = true;
      },
    });
    await expect(run).rejects.toThrow(/not in/);
    expect(stopped).toBe(true);
  });
});
