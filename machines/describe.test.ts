import { describe, expect, it } from 'vitest';
import { and, assign, enqueueActions, not, setup } from 'xstate';
import type { ClauseMeta } from './clauses.js';
import {
  actionName,
  describeMachine,
  enqueuedBy,
  guardName,
  requestedActions,
  requestedEffects,
} from './describe.js';

interface FixtureEffects {
  httpGet: { readonly uri: string };
  postReport: { readonly status: number };
}
type FixtureEvent =
  | { type: 'USER.START' }
  | { type: 'RESPONSE.OK'; size: number }
  | { type: 'RESPONSE.FAILED' }
  | { type: 'USER.PAUSE' }
  | { type: 'USER.RESUME' }
  | { type: 'REPORT.SENT' };

// A small chart written the way machines/ are: typed meta, effect actions with placeholder bodies, named
// guards, a nested compound state, an eventless transition and final states.
const fixture = setup({
  types: {
    context: {} as { size: number },
    events: {} as FixtureEvent,
    meta: {} as ClauseMeta,
  },
  actions: {
    httpGet: (_args, _params: FixtureEffects['httpGet']) => {},
    postReport: (_args, _params: FixtureEffects['postReport']) => {},
    rememberSize: assign({ size: ({ event }) => (event.type === 'RESPONSE.OK' ? event.size : 0) }),
  },
  guards: {
    fits: () => true,
    atMost: (_args, params: { max: number }) => params.max > 0,
    isEmpty: () => false,
  },
}).createMachine({
  id: 'fixture',
  initial: 'idle',
  context: { size: 0 },
  states: {
    idle: {
      on: {
        'USER.START': {
          target: 'fetching',
          actions: { type: 'httpGet', params: () => ({ uri: 'http://example.test/o' }) },
          meta: { clauses: ['DL-RET-2'] },
          description: 'request exactly the ObjectURI',
        },
      },
    },
    fetching: {
      initial: 'active',
      tags: ['busy'],
      states: {
        active: { on: { 'USER.PAUSE': { target: 'paused', meta: { clauses: ['DL-PR-4'] } } } },
        paused: { on: { 'USER.RESUME': 'active' } },
      },
      on: {
        'RESPONSE.OK': [
          { guard: { type: 'atMost', params: { max: 10 } }, target: 'checking', actions: 'rememberSize' },
          { guard: and(['fits', not('isEmpty')]), target: 'checking', actions: assign({ size: 1 }) },
        ],
        'RESPONSE.FAILED': {
          target: 'failed',
          actions: { type: 'postReport', params: { status: 954 } },
          meta: { clauses: ['DL-RET-3'] },
        },
      },
    },
    checking: {
      always: [{ guard: 'fits', target: 'done' }, { target: 'failed' }],
    },
    done: { type: 'final', description: 'reports 900 Success', meta: { clauses: ['DL-INST-2'] } },
    failed: { type: 'final', entry: [{ type: 'postReport', params: { status: 905 } }] },
  },
});

describe('describeMachine', () => {
  const d = describeMachine(fixture);

  it('lists every state pre-order with dotted ids, parents, types and meta', () => {
    expect(d.id).toBe('fixture');
    expect(d.initial).toBe('idle');
    expect(d.states.map((s) => [s.id, s.type, s.parent])).toEqual([
      ['idle', 'atomic', undefined],
      ['fetching', 'compound', undefined],
      ['fetching.active', 'atomic', 'fetching'],
      ['fetching.paused', 'atomic', 'fetching'],
      ['checking', 'atomic', undefined],
      ['done', 'final', undefined],
      ['failed', 'final', undefined],
    ]);
    const fetching = d.states.find((s) => s.id === 'fetching');
    expect(fetching).toMatchObject({ initial: 'fetching.active', tags: ['busy'], key: 'fetching' });
    expect(d.states.find((s) => s.id === 'done')).toMatchObject({
      description: 'reports 900 Success',
      clauses: ['DL-INST-2'],
    });
    expect(d.states.find((s) => s.id === 'failed')?.entry).toEqual(['postReport']);
  });

  it('lists transitions in document order with guards, targets, actions and clauses', () => {
    const rows = d.transitions.map((t) => [t.order, t.source, t.event, t.guard, t.targets, t.actions]);
    expect(rows).toEqual([
      [0, 'idle', 'USER.START', undefined, ['fetching'], ['httpGet']],
      [1, 'fetching', 'RESPONSE.OK', 'atMost({"max":10})', ['checking'], ['rememberSize']],
      [2, 'fetching', 'RESPONSE.OK', 'and(fits, not(isEmpty))', ['checking'], ['assign']],
      [3, 'fetching', 'RESPONSE.FAILED', undefined, ['failed'], ['postReport']],
      [4, 'fetching.active', 'USER.PAUSE', undefined, ['fetching.paused'], []],
      [5, 'fetching.paused', 'USER.RESUME', undefined, ['fetching.active'], []],
      [6, 'checking', '', 'fits', ['done'], []],
      [7, 'checking', '', undefined, ['failed'], []],
    ]);
    expect(d.transitions[0]).toMatchObject({
      clauses: ['DL-RET-2'],
      description: 'request exactly the ObjectURI',
      reenter: false,
    });
    expect(d.transitions[4]?.clauses).toEqual(['DL-PR-4']);
    expect(d.transitions[5]?.clauses).toEqual([]);
  });

  it('is plain data: JSON round-trips it unchanged and two walks are equal', () => {
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(describeMachine(fixture)).toEqual(d);
  });

  it('collects every requested action name, including entry actions', () => {
    expect(requestedActions(d)).toEqual(['assign', 'httpGet', 'postReport', 'rememberSize']);
  });

  it('keeps only effects (Effects members) apart from named and inline assigns', () => {
    expect(requestedEffects(d, ['httpGet', 'postReport', 'startTimer'])).toEqual(['httpGet', 'postReport']);
    expect(requestedEffects(d, ['rememberSize'])).toEqual(['rememberSize']);
  });

  it('records the root entry actions and counts effects of declared enqueueActions blocks', () => {
    const blocks = setup({
      types: { events: {} as { type: 'GO' } | { type: 'STOP' } },
      actions: {
        httpGet: (_args, _params: FixtureEffects['httpGet']) => {},
        step: enqueueActions(({ enqueue }) =>
          (enqueue as unknown as (action: { type: string; params: object }) => void)({
            type: 'httpGet',
            params: { uri: 'u' },
          }),
        ),
        boot: enqueueActions(() => {}),
      },
    }).createMachine({
      id: 'blocks',
      entry: ['boot'],
      initial: 'a',
      states: { a: { on: { GO: { actions: 'step' }, STOP: { actions: 'step' } } } },
    });
    const b = describeMachine(blocks);
    expect(b.entry).toEqual(['boot']);
    expect(b.exit).toEqual([]);
    expect(requestedActions(b)).toEqual(['boot', 'step']);
    expect(requestedEffects(b, ['httpGet', 'postReport'])).toEqual([]);
    const perEvent = { step: { GO: ['httpGet'] }, boot: ['postReport'] };
    expect(enqueuedBy(perEvent, 'step', 'GO')).toEqual(['httpGet']);
    expect(enqueuedBy(perEvent, 'step', 'STOP')).toEqual([]);
    expect(enqueuedBy(perEvent, 'step', '')).toEqual(['httpGet']);
    expect(enqueuedBy(perEvent, 'other', 'GO')).toEqual([]);
    expect(requestedEffects(b, ['httpGet', 'postReport'], perEvent)).toEqual(['httpGet', 'postReport']);
  });
});

describe('guardName / actionName', () => {
  it('marks inline functions so a convention break is visible', () => {
    expect(guardName(() => true)).toBe('inline');
    expect(actionName(() => undefined)).toBe('inline');
  });

  it('prints computed guard params as an ellipsis and sorts literal params', () => {
    expect(guardName({ type: 'g', params: () => ({}) })).toBe('g(…)');
    expect(guardName({ type: 'g', params: { b: 1, a: [2] } })).toBe('g({"a":[2],"b":1})');
  });
});
