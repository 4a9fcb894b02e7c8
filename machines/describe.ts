/**
 * A machine's definition as plain, ordered data: every state and every transition with its guard name,
 * targets, action names and clause ids, in document order. The CLI prints it (`dlstate machines`) and the
 * code generator renders ports, tables, SCXML and diagrams from it, so all of them read one walk of
 * `machine.root` instead of each poking at xstate internals.
 *
 * Pure: no Node built-ins, reads only the `StateNode` tree xstate built from the chart.
 *
 * @module
 */
import type { AnyStateMachine, StateNode } from 'xstate';
import type { ClauseId } from './clauses.js';

/** What kind of node a state is, exactly as xstate types it. */
export type StateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** One state of a machine (the root node itself is the machine, not a state). */
export interface StateDescription {
  /** Dotted path from the root, as in a state value (`downloading.paused`); unique in the machine. */
  readonly id: string;
  /** The key under its parent (`paused`). */
  readonly key: string;
  readonly type: StateType;
  /** The parent state's id; absent for top-level states. */
  readonly parent?: string;
  /** The initial child's id, for compound states. */
  readonly initial?: string;
  /** `shallow` or `deep`, for history states. */
  readonly history?: 'shallow' | 'deep';
  readonly description?: string;
  /** Clause ids from the state's typed `meta`. */
  readonly clauses: readonly ClauseId[];
  readonly tags: readonly string[];
  /** Names of the entry actions, in order (see {@link actionName}). */
  readonly entry: readonly string[];
  /** Names of the exit actions, in order. */
  readonly exit: readonly string[];
}

/** One transition of a machine; a guarded event with several candidates gives several rows. */
export interface TransitionDescription {
  /** The id of the state that declares the transition. */
  readonly source: string;
  /** The event type; `''` for an eventless (`always`) transition. */
  readonly event: string;
  /** The guard's name, `name(params)` when parameterised, `and(a, not(b))` for combinators. */
  readonly guard?: string;
  /** Target state ids; empty for a targetless transition (actions only, no state change). */
  readonly targets: readonly string[];
  /** Action names in order; an inline `assign(…)` shows as `assign`, a named one by its name. */
  readonly actions: readonly string[];
  /** Whether the source is exited and re-entered (xstate's `reenter`). */
  readonly reenter: boolean;
  readonly description?: string;
  /** Clause ids from the transition's typed `meta`. */
  readonly clauses: readonly ClauseId[];
  /** Position in document order over the whole machine (states pre-order, then `on` order, then `always`). */
  readonly order: number;
}

/** The whole machine as ordered plain data. */
export interface MachineDescription {
  /** The machine's `id`. */
  readonly id: string;
  /** The id of the root's initial state. */
  readonly initial: string;
  /** Every state except the root, pre-order (parents before children, siblings in document order). */
  readonly states: readonly StateDescription[];
  /** Every transition, in document order ({@link TransitionDescription.order}). */
  readonly transitions: readonly TransitionDescription[];
}

type AnyNode = StateNode;

/** The state id used everywhere in descriptions: the node's path joined with dots. */
export function stateId(node: { readonly path: readonly string[] }): string {
  return node.path.join('.');
}

/** Walks `machine.root` and returns its states and transitions in document order. */
export function describeMachine(machine: AnyStateMachine): MachineDescription {
  const root = machine.root as unknown as AnyNode;
  const states: StateDescription[] = [];
  const transitions: TransitionDescription[] = [];
  const visit = (node: AnyNode): void => {
    if (node !== root) states.push(describeState(node));
    const declared = [...node.transitions.values()].flat();
    for (const t of [...declared, ...(node.always ?? [])]) {
      transitions.push(describeTransition(t, transitions.length));
    }
    for (const child of Object.values(node.states) as AnyNode[]) visit(child);
  };
  visit(root);
  const initial = root.initial.target[0];
  return { id: machine.id, initial: initial ? stateId(initial) : '', states, transitions };
}

function describeState(node: AnyNode): StateDescription {
  const parent = node.parent && node.parent.path.length > 0 ? stateId(node.parent) : undefined;
  const initial = node.type === 'compound' ? node.initial.target[0] : undefined;
  return {
    id: stateId(node),
    key: node.key,
    type: node.type,
    ...(parent === undefined ? {} : { parent }),
    ...(initial ? { initial: stateId(initial) } : {}),
    ...(node.type === 'history' && node.history ? { history: node.history } : {}),
    ...(node.description === undefined ? {} : { description: node.description }),
    clauses: clausesOf(node.meta),
    tags: [...node.tags],
    entry: node.entry.map(actionName),
    exit: node.exit.map(actionName),
  };
}

function describeTransition(
  t: {
    readonly source: AnyNode;
    readonly eventType: string;
    readonly guard?: unknown;
    readonly target?: readonly AnyNode[] | undefined;
    readonly actions: readonly unknown[];
    readonly reenter: boolean;
    readonly description?: string;
    readonly meta?: unknown;
  },
  order: number,
): TransitionDescription {
  return {
    source: stateId(t.source),
    event: t.eventType ?? '',
    ...(t.guard === undefined ? {} : { guard: guardName(t.guard) }),
    targets: (t.target ?? []).map(stateId),
    actions: t.actions.map(actionName),
    reenter: t.reenter,
    ...(t.description === undefined ? {} : { description: t.description }),
    clauses: clausesOf(t.meta),
    order,
  };
}

function clausesOf(meta: unknown): ClauseId[] {
  const clauses = (meta as { clauses?: unknown } | undefined)?.clauses;
  return Array.isArray(clauses) ? (clauses as ClauseId[]).slice() : [];
}

/**
 * The display name of an action as the chart names it: a string or `{ type }` gives its name, a built-in
 * action creator (`assign(…)`, `raise(…)`, `sendTo(…)`) its creator name without the `xstate.` prefix, an
 * inline function `inline`.
 */
export function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (action && typeof action === 'object' && typeof (action as { type?: unknown }).type === 'string') {
    return (action as { type: string }).type;
  }
  if (typeof action === 'function') {
    const type = (action as { type?: unknown }).type;
    if (typeof type === 'string') return type.replace(/^xstate\./, '');
  }
  return 'inline';
}

/**
 * The display name of a guard: its name, `name(params)` with JSON params (`name(…)` when the params are
 * computed from context/event), `and(…)`/`or(…)`/`not(…)` with their operands, `stateIn(value)`, or
 * `inline` for an inline function (which the conventions forbid, so it stands out).
 */
export function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object') {
    const { type, params } = guard as { type?: unknown; params?: unknown };
    const name = String(type);
    if (params === undefined) return name;
    if (typeof params === 'function') return `${name}(…)`;
    return `${name}(${stableJson(params)})`;
  }
  if (typeof guard === 'function') {
    const fn = guard as { name?: string; guards?: readonly unknown[]; stateValue?: unknown };
    if (Array.isArray(fn.guards) && (fn.name === 'and' || fn.name === 'or' || fn.name === 'not')) {
      return `${fn.name}(${fn.guards.map(guardName).join(', ')})`;
    }
    if (fn.stateValue !== undefined) return `stateIn(${stableJson(fn.stateValue)})`;
  }
  return 'inline';
}

/** JSON with object keys sorted, so the same params always print the same way. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && typeof v !== 'function')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** Every action name a machine's chart requests anywhere (transitions, entry, exit), sorted. */
export function requestedActions(description: MachineDescription): string[] {
  const names = new Set<string>();
  for (const t of description.transitions) for (const a of t.actions) names.add(a);
  for (const s of description.states) for (const a of [...s.entry, ...s.exit]) names.add(a);
  return [...names].sort();
}
