/**
 * The generated SCXML runs in an independent engine: SCION (`@scion-scxml/scxml`, W3C SCXML with the
 * ECMAScript datamodel) loads each `generated/<id>.scxml`, the documented binding (`guards`, `actions`, see
 * `generated/README.md`) is supplied as the session's params, and along every model path
 * (`property-tests/paths.ts`) SCION's active states must equal XState's after the start and after each event.
 *
 * The binding's guards are the machine's own guard implementations, evaluated on the context XState has at
 * that point of the macrostep (before the event, then after each microstep), with XState's event: the
 * engine alone decides which transition that makes it take, which states it exits and enters. Its actions
 * record each call, and every effect XState performs must be called by SCION in the same macrostep.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createActor, type EventObject, type InspectionEvent, setup } from 'xstate';
import { describeMachine, enqueuedBy } from '../../machines/describe.js';
import { MACHINES } from '../../machines/registry.js';
import { leafStates, type ModelPath, modelPaths } from '../../property-tests/paths.js';
import { packageRoot } from './generate.js';
import { renderScxml, scxmlId } from './scxml.js';

interface ScionEvent {
  readonly name: string;
  readonly data?: unknown;
}
interface ScionStatechart {
  start(): string[];
  gen(event: ScionEvent): string[];
  getConfiguration(): string[];
  on(name: string, listener: (...args: unknown[]) => void): void;
}
interface Scion {
  documentStringToModel(
    url: string,
    text: string,
    cb: (error: unknown, model: { prepare(cb: (error: unknown, fn: unknown) => void): void }) => void,
  ): void;
  core: { Statechart: new (model: unknown, opts: { params: Record<string, unknown> }) => ScionStatechart };
}

const scion = createRequire(import.meta.url)('@scion-scxml/scxml') as Scion;
const root = packageRoot();

/** Compiles an SCXML document with SCION into a model factory. */
function compile(path: string): Promise<unknown> {
  const text = readFileSync(path, 'utf8');
  return new Promise((resolve, reject) => {
    scion.documentStringToModel(path, text, (error, model) => {
      if (error) return reject(error);
      model.prepare((error2, fn) => (error2 ? reject(error2) : resolve(fn)));
    });
  });
}

type Context = unknown;
type GuardImpl = (args: { context: Context; event: EventObject }, params: unknown) => boolean;

/** XState's contexts in one macrostep (before, then after each microstep) and its executed actions. */
interface XStep {
  readonly contexts: Context[];
  readonly actions: string[];
  readonly states: string[];
}

/** Replays a path on an XState actor, recording per macrostep the contexts and the actions it executed. */
function xstateRun(machine: AnyStateMachine, path: ModelPath): { init: XStep; steps: XStep[] } {
  let current: XStep = { contexts: [], actions: [], states: [] };
  const inspect = (e: InspectionEvent): void => {
    if (e.type === '@xstate.microstep')
      current.contexts.push((e.snapshot as unknown as { context: Context }).context);
    if (e.type === '@xstate.action') current.actions.push((e as { action: { type: string } }).action.type);
  };
  const actor = createActor(machine, { input: path.input, inspect });
  actor.start();
  const snap = () => actor.getSnapshot() as { context: Context; value: unknown };
  // The charts assign nothing on initial entry that an eventless guard reads: the started context stands
  // for the context before the initial eventless transitions.
  const init: XStep = {
    ...current,
    contexts: [snap().context, ...current.contexts],
    states: leafStates(snap().value),
  };
  const steps: XStep[] = [];
  for (const step of path.steps) {
    const before = snap().context;
    current = { contexts: [before], actions: [], states: [] };
    actor.send(step.event);
    steps.push({ ...current, states: leafStates(snap().value) });
  }
  actor.stop();
  return { init, steps };
}

for (const entry of MACHINES) {
  const set = modelPaths(entry.id);
  const description = describeMachine(entry.machine);
  describe.skipIf(!set)(`generated/${entry.id}.scxml in SCION`, () => {
    const guards = entry.machine.implementations.guards as Record<string, GuardImpl>;
    const blocks = new Set(Object.keys(entry.enqueues ?? {}));
    const leafIds = new Set(
      description.states.filter((s) => s.type === 'atomic' || s.type === 'final').map((s) => scxmlId(s.id)),
    );

    it(`follows XState's states over all ${set?.paths.length ?? 0} model paths`, async () => {
      const model = await compile(join(root, 'generated', `${entry.id}.scxml`));
      let compared = 0;
      let effectsChecked = 0;
      for (const path of set!.paths) {
        const x = xstateRun(entry.machine, path);
        // The binding: what generated/README.md tells a host to supply.
        let step: XStep = x.init;
        let event: EventObject = { type: 'xstate.init', input: path.input } as EventObject;
        let small = 0;
        const calls: string[] = [];
        const binding = {
          guards: new Proxy(
            {},
            {
              get: (_t, name: string) => (_event: unknown, params?: unknown) => {
                const impl = guards[name];
                if (!impl) throw new Error(`${entry.id}: SCXML names guard ${name}, the machine has none`);
                const context = step.contexts[Math.min(small, step.contexts.length - 1)];
                return impl({ context, event }, params);
              },
            },
          ),
          actions: new Proxy({}, { get: (_t, name: string) => () => void calls.push(name) }),
        };
        const sc = new scion.core.Statechart(model, { params: binding });
        const errors: unknown[] = [];
        sc.on('onError', (e) => errors.push(e));
        sc.on('onSmallStepEnd', () => {
          small += 1;
        });
        const where = (i: number) =>
          `${entry.id} · ${path.name} · ${i < 0 ? 'start' : `step ${i + 1} ${path.steps[i]?.label}`}`;
        const active = () =>
          sc
            .getConfiguration()
            .filter((id) => leafIds.has(id))
            .sort();
        const expectStep = (x: XStep, i: number) => {
          expect(errors, where(i)).toEqual([]);
          expect(active(), where(i)).toEqual(x.states.map(scxmlId).sort());
          // Every effect XState performed was requested by SCION in the same macrostep (an enqueueActions
          // block is one call in the document: its effects are named in dl:enqueues, not called one by one).
          const effects = x.actions.filter((a) => !a.startsWith('xstate.'));
          const called = calls.flatMap((c) =>
            blocks.has(c)
              ? [...enqueuedBy(entry.enqueues, c, ''), ...enqueuedBy(entry.enqueues, c, event.type)]
              : [c],
          );
          for (const effect of effects) expect(called, `${where(i)}: ${effect}`).toContain(effect);
          effectsChecked += effects.length;
          compared += 1;
        };
        small = -1; // SCION's first small step of start() is the initial entry, not a guard evaluation.
        sc.start();
        expectStep(x.init, -1);
        for (const [i, s] of path.steps.entries()) {
          step = x.steps[i]!;
          event = s.event;
          small = 0;
          calls.length = 0;
          sc.gen({ name: s.event.type, data: s.event });
          expectStep(step, i);
        }
      }
      expect(compared).toBeGreaterThan(set!.paths.length);
      expect(effectsChecked).toBeGreaterThan(0);
    }, 60_000);
  });
}

describe('self-transitions in SCION and XState', () => {
  // A state with an entry action and three self-transitions: targetless-equivalent, reentering, and a
  // compound one that resets its child. SCION must run the entry action exactly when XState does.
  const machine = setup({
    actions: { enter: () => {}, enterChild: () => {} },
  }).createMachine({
    id: 'selfish',
    initial: 'busy',
    states: {
      busy: {
        entry: 'enter',
        initial: 'a',
        states: { a: { entry: 'enterChild', on: { NEXT: 'b' } }, b: {} },
        on: { STAY: { target: 'busy' }, REENTER: { target: 'busy', reenter: true } },
      },
    },
  });

  it('enter again only on a reentering one; a non-reentering one resets the child without exiting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlstate-scxml-'));
    try {
      const file = join(dir, 'selfish.scxml');
      writeFileSync(file, renderScxml(describeMachine(machine), ['test']));
      const model = await compile(file);
      const calls: string[] = [];
      const sc = new scion.core.Statechart(model, {
        params: {
          guards: {},
          actions: { enter: () => calls.push('enter'), enterChild: () => calls.push('child') },
        },
      });
      const xcalls: string[] = [];
      const actor = createActor(
        machine.provide({
          actions: { enter: () => void xcalls.push('enter'), enterChild: () => void xcalls.push('child') },
        }),
      );
      sc.start();
      actor.start();
      for (const name of ['NEXT', 'STAY', 'NEXT', 'REENTER']) {
        sc.gen({ name });
        actor.send({ type: name });
        expect(sc.getConfiguration(), name).toEqual(leafStates(actor.getSnapshot().value));
        expect(calls, name).toEqual(xcalls);
      }
      expect(calls).toEqual(['enter', 'child', 'child', 'enter', 'child']);
      actor.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
