import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, assign, emit, initialTransition, not, or, raise, setup, transition } from 'xstate';
import { compileStepper, type StepAction } from './stepper.js';

type Ctx = { n: number; tag: string; log: readonly string[] };
type Ev =
  | { type: 'GO'; by: number }
  | { type: 'BACK' }
  | { type: 'TAG'; tag: string }
  | { type: 'DEEP' }
  | { type: 'UP' }
  | { type: 'END' };

/** A machine using every feature the compiled step supports (see stepper.ts). */
const machine = setup({
  types: {
    context: {} as Ctx,
    events: {} as Ev,
    emitted: {} as { type: 'NOTE'; n: number; what: string } | { type: 'PING' },
  },
  actions: {
    effect: (_args: unknown, _params: { at: string; n?: number }) => {},
    plain: () => {},
    add: assign(({ context, event }, params: { times: number }) => ({
      n: context.n + (event.type === 'GO' ? event.by : 1) * params.times,
    })),
    retag: assign({
      tag: ({ event, context }) => (event.type === 'TAG' ? event.tag : context.tag),
      log: ({ context }) => [...context.log, context.tag],
    }),
    reset: assign({ n: 0 }),
    note: emit(({ context }, params: { what: string }) => ({
      type: 'NOTE' as const,
      n: context.n,
      what: params.what,
    })),
    ping: emit({ type: 'PING' as const }),
  },
  guards: {
    small: ({ context }) => context.n < 5,
    atLeast: ({ context }, params: { min: number }) => context.n >= params.min,
    tagged: ({ context }) => context.tag !== '',
  },
}).createMachine({
  id: 'm',
  context: { n: 0, tag: '', log: [] },
  initial: 'a',
  states: {
    a: {
      entry: [{ type: 'note', params: { what: 'a' } }],
      on: {
        GO: [
          {
            guard: and(['small', not('tagged')]),
            target: 'b',
            actions: [{ type: 'add', params: { times: 1 } }],
          },
          {
            guard: or([{ type: 'atLeast', params: { min: 5 } }, 'tagged']),
            target: 'b.deep.one',
            actions: [{ type: 'effect', params: ({ context }) => ({ at: 'a', n: context.n }) }, 'ping'],
          },
        ],
        TAG: { actions: ['retag', { type: 'effect', params: { at: 'tag' } }] },
      },
    },
    b: {
      entry: ['plain', { type: 'note', params: { what: 'b' } }],
      initial: 'shallow',
      on: {
        BACK: { target: 'a', actions: [{ type: 'add', params: { times: 2 } }] },
        END: { guard: ({ context }) => context.n > 2, target: 'done' },
        TAG: { actions: 'retag' },
      },
      states: {
        shallow: {
          on: { DEEP: { target: 'deep', actions: [{ type: 'effect', params: { at: 'shallow' } }] } },
        },
        deep: {
          entry: [{ type: 'effect', params: ({ context }) => ({ at: 'deep', n: context.n }) }],
          initial: 'one',
          on: { UP: { target: 'shallow', actions: 'reset' } },
          states: {
            one: { on: { DEEP: 'two', GO: { actions: [{ type: 'add', params: { times: 3 } }] } } },
            two: {
              on: { DEEP: { target: '#m.b.deep.one', actions: [{ type: 'note', params: { what: 'two' } }] } },
            },
          },
        },
      },
    },
    done: { type: 'final', entry: [{ type: 'note', params: { what: 'done' } }] },
  },
});

const decided = (
  s: { value: unknown; context: unknown; status: string },
  actions: readonly StepAction[],
) => ({
  value: s.value,
  context: s.context,
  status: s.status,
  actions: actions.map((a) => [a.type, a.params]),
});

const arbEvent: fc.Arbitrary<Ev> = fc.oneof(
  fc.record({ type: fc.constant('GO' as const), by: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ type: fc.constant('TAG' as const), tag: fc.constantFrom('', 'x') }),
  fc.constantFrom<Ev>({ type: 'BACK' }, { type: 'DEEP' }, { type: 'UP' }, { type: 'END' }),
);

describe('compileStepper: a statechart compiled into its step table', () => {
  it('steps as xstate transition does over generated event sequences: guards, actions, order, values, done', () => {
    const step = compileStepper<Ctx, Ev>(machine);
    let reachedDone = 0;
    let deep = 0;
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 30 }), (events) => {
        let [theirs] = initialTransition(machine);
        let mine = { value: theirs.value, context: theirs.context };
        for (const event of events) {
          if (theirs.status === 'done') break;
          const [next, mineActions] = step(mine, event);
          const [after, theirActions] = transition(machine, theirs, event);
          expect(decided(next, mineActions)).toEqual(decided(after, theirActions));
          // Compiled values are read back as stored data (parsed JSON) too.
          mine = { value: JSON.parse(JSON.stringify(next.value)), context: next.context };
          theirs = after;
          if (after.matches({ b: { deep: 'two' } })) deep += 1;
        }
        if (theirs.status === 'done') reachedDone += 1;
      }),
      { numRuns: 500 },
    );
    // The sequences reached the deepest state and the final one (the comparison covered them).
    expect(deep).toBeGreaterThan(0);
    expect(reachedDone).toBeGreaterThan(0);
  });

  it('leaves a state and its context as they are when no transition is enabled (no actions)', () => {
    const step = compileStepper<Ctx, Ev>(machine);
    const context = { n: 9, tag: '', log: [] };
    const [next, actions] = step({ value: 'a', context }, { type: 'UP' });
    expect(next).toEqual({ value: 'a', context, status: 'active' });
    expect(next.context).toBe(context);
    expect(actions).toEqual([]);
  });

  it('refuses a state value the machine does not have, naming it', () => {
    const step = compileStepper<Ctx, Ev>(machine);
    expect(() =>
      step({ value: { b: 'nowhere' }, context: { n: 0, tag: '', log: [] } }, { type: 'UP' }),
    ).toThrow(/\{"b":"nowhere"\} is no state of m/);
  });

  it('refuses, naming the state, what the table cannot express', () => {
    const base = setup({ actions: { fx: () => {} } });
    const cases: [string, () => unknown, RegExp][] = [
      [
        'parallel',
        () => base.createMachine({ id: 'p', type: 'parallel', states: { x: {}, y: {} } }),
        /"p" is a parallel state/,
      ],
      [
        'always',
        () => base.createMachine({ id: 'q', initial: 'x', states: { x: { always: 'y' }, y: {} } }),
        /"q\.x" has eventless/,
      ],
      [
        'after',
        () => base.createMachine({ id: 'r', initial: 'x', states: { x: { after: { 10: 'y' } }, y: {} } }),
        /"r\.x" has delayed/,
      ],
      [
        'exit',
        () => base.createMachine({ id: 's', initial: 'x', states: { x: { exit: 'fx' } } }),
        /"s\.x" has exit actions/,
      ],
      [
        'raise',
        () =>
          base.createMachine({
            id: 't',
            initial: 'x',
            states: { x: { on: { E: { actions: raise({ type: 'F' }) } } } },
          }),
        /"t\.x" uses the built-in action xstate\.raise/,
      ],
      [
        'wildcard',
        () => base.createMachine({ id: 'u', initial: 'x', states: { x: { on: { '*': 'x' } } } }),
        /"u\.x" has a wildcard event/,
      ],
      [
        'reenter',
        () =>
          base.createMachine({
            id: 'v',
            initial: 'x',
            states: { x: { on: { E: { target: 'x', reenter: true } } } },
          }),
        /"v\.x" re-enters on E/,
      ],
      [
        'self',
        () => base.createMachine({ id: 'w', initial: 'x', states: { x: { on: { E: '.' } } } }),
        /"w\.x" targets itself/,
      ],
      [
        'nested final',
        () =>
          base.createMachine({
            id: 'z',
            initial: 'x',
            states: { x: { initial: 'f', states: { f: { type: 'final' } } } },
          }),
        /"z\.x\.f" is a final state below the root/,
      ],
    ];
    for (const [name, make, message] of cases)
      expect(() => compileStepper(make() as never), name).toThrow(message);
  });
});
