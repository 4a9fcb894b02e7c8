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

/**
 * One registered machine and where its chart and its effect/event types are written (the registry,
 * `machines/registry.ts`, lists them; declared here so tools and fixtures can name the shape without
 * loading every machine).
 */
export interface MachineEntry {
  /** Short id used for file names and `--machine` (`dlota` → `generated/dlota.port.ts`, port `DlotaPort`). */
  readonly id: string;
  /** Human name shown by `dlstate machines`. */
  readonly name: string;
  /** Repo-relative path of the `*.machine.ts` file that authors the chart. */
  readonly file: string;
  /** The machine itself. */
  readonly machine: AnyStateMachine;
  /** Repo-relative path of the `*.types.ts` file declaring the effects interface and the event union. */
  readonly typesFile: string;
  /** Name of the `<Name>Effects` interface in {@link MachineEntry.typesFile} (one member per effect action). */
  readonly effectsInterface: string;
  /** The effects its `enqueueActions` blocks may request, which the chart cannot show (see {@link EnqueuedEffects}). */
  readonly enqueues?: EnqueuedEffects;
}

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
  /** The params each entry action is written with, index for index with {@link StateDescription.entry}. */
  readonly entryParams?: readonly CallParams[];
  /** The params each exit action is written with, index for index with {@link StateDescription.exit}. */
  readonly exitParams?: readonly CallParams[];
}

/**
 * The params an action or guard is written with in the chart: the JSON value of static params, `'computed'`
 * when they are a function of the context/event (their value exists only at run time), `null` when none.
 */
export type CallParams = JsonValue | 'computed' | null;

/** A plain JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * A guard as a tree: a named guard with its params, a combinator (`and`/`or`/`not`) over guards, `stateIn`,
 * or an inline function (which the conventions forbid). {@link TransitionDescription.guard} is its text form.
 */
export type GuardTree =
  | { readonly kind: 'guard'; readonly name: string; readonly params: CallParams }
  | { readonly kind: 'and' | 'or' | 'not'; readonly operands: readonly GuardTree[] }
  | { readonly kind: 'stateIn'; readonly state: JsonValue }
  | { readonly kind: 'inline' };

/** One transition of a machine; a guarded event with several candidates gives several rows. */
export interface TransitionDescription {
  /** The id of the state that declares the transition. */
  readonly source: string;
  /** The event type; `''` for an eventless (`always`) transition. */
  readonly event: string;
  /** The guard's name, `name(params)` when parameterised, `and(a, not(b))` for combinators. */
  readonly guard?: string;
  /** The guard as a tree (present exactly when {@link TransitionDescription.guard} is). */
  readonly guardTree?: GuardTree;
  /** Target state ids; empty for a targetless transition (actions only, no state change). */
  readonly targets: readonly string[];
  /** Action names in order; an inline `assign(…)` shows as `assign`, a named one by its name. */
  readonly actions: readonly string[];
  /** The params each action is written with, index for index with {@link TransitionDescription.actions}. */
  readonly actionParams?: readonly CallParams[];
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
  /** Names of the root's entry actions (run once when the actor starts), in order. */
  readonly entry: readonly string[];
  /** Names of the root's exit actions (run when the actor stops), in order. */
  readonly exit: readonly string[];
  /** The params of each root entry action, index for index with {@link MachineDescription.entry}. */
  readonly entryParams?: readonly CallParams[];
  /** The params of each root exit action, index for index with {@link MachineDescription.exit}. */
  readonly exitParams?: readonly CallParams[];
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
  return {
    id: machine.id,
    initial: initial ? stateId(initial) : '',
    entry: root.entry.map(actionName),
    exit: root.exit.map(actionName),
    entryParams: root.entry.map(actionParams),
    exitParams: root.exit.map(actionParams),
    states,
    transitions,
  };
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
    entryParams: node.entry.map(actionParams),
    exitParams: node.exit.map(actionParams),
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
    ...(t.guard === undefined ? {} : { guard: guardName(t.guard), guardTree: guardTree(t.guard) }),
    targets: (t.target ?? []).map(stateId),
    actions: t.actions.map(actionName),
    actionParams: t.actions.map(actionParams),
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

/** The params an action is written with (see {@link CallParams}); built-ins and bare names have none. */
export function actionParams(action: unknown): CallParams {
  if (action && typeof action === 'object' && 'params' in action) return paramsOf(action.params);
  return null;
}

function paramsOf(params: unknown): CallParams {
  if (params === undefined) return null;
  if (typeof params === 'function') return 'computed';
  return JSON.parse(stableJson(params)) as JsonValue;
}

/** A guard as a {@link GuardTree} (the structured form of {@link guardName}). */
export function guardTree(guard: unknown): GuardTree {
  if (typeof guard === 'string') return { kind: 'guard', name: guard, params: null };
  if (guard && typeof guard === 'object') {
    const { type, params } = guard as { type?: unknown; params?: unknown };
    return { kind: 'guard', name: String(type), params: paramsOf(params) };
  }
  if (typeof guard === 'function') {
    const fn = guard as { name?: string; guards?: readonly unknown[]; stateValue?: unknown };
    if (Array.isArray(fn.guards) && (fn.name === 'and' || fn.name === 'or' || fn.name === 'not')) {
      return { kind: fn.name, operands: fn.guards.map(guardTree) };
    }
    if (fn.stateValue !== undefined) return { kind: 'stateIn', state: paramsOf(fn.stateValue) ?? null };
  }
  return { kind: 'inline' };
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

/**
 * Every action name a machine's chart requests anywhere (transitions, state and root entry/exit), sorted:
 * effects, named `assign`s, built-in creators (`assign`, `raise`) and `enqueueActions` blocks alike — use
 * {@link requestedEffects} for the effects alone.
 */
export function requestedActions(description: MachineDescription): string[] {
  const names = new Set<string>([...description.entry, ...description.exit]);
  for (const t of description.transitions) for (const a of t.actions) names.add(a);
  for (const s of description.states) for (const a of [...s.entry, ...s.exit]) names.add(a);
  return [...names].sort();
}

/**
 * The effects a machine requests from inside `enqueueActions` blocks, which no walk of the chart can see
 * (the block is one opaque action): block action name → the effect names it may request whatever the
 * event, or, per event type, the effects it may request when it runs for that event (an event it does not
 * list: none). A block that requests no effect is declared with `[]`. Declared beside the machine and
 * named in its registry entry, so ports list those effects with the clauses of the transitions that run
 * the block; a test checks the declaration against what the block really enqueues.
 */
export type EnqueuedEffects<Effect extends string = string, Event extends string = string> = Readonly<
  Record<string, readonly Effect[] | Readonly<Partial<Record<Event, readonly Effect[]>>>>
>;

/**
 * The effects the block `action` may request when it runs for `event` (`''` for an entry/exit action or an
 * eventless transition: every effect it may request for any event), per `enqueues`; empty when undeclared.
 */
export function enqueuedBy(
  enqueues: EnqueuedEffects | undefined,
  action: string,
  event: string,
): readonly string[] {
  const declared = enqueues?.[action];
  if (declared === undefined) return [];
  if (Array.isArray(declared)) return declared as readonly string[];
  const byEvent = declared as Readonly<Record<string, readonly string[] | undefined>>;
  if (event !== '') return byEvent[event] ?? [];
  return [...new Set(Object.values(byEvent).flatMap((effects) => effects ?? []))];
}

/**
 * The members of `effects` (an Effects interface's keys) that the chart requests, by name or through a
 * declared `enqueueActions` block, sorted; other actions (named `assign`s, built-ins) are not effects.
 */
export function requestedEffects(
  description: MachineDescription,
  effects: readonly string[],
  enqueues?: EnqueuedEffects,
): string[] {
  const members = new Set(effects);
  const found = new Set<string>();
  const add = (action: string, event: string): void => {
    if (members.has(action)) found.add(action);
    for (const effect of enqueuedBy(enqueues, action, event)) if (members.has(effect)) found.add(effect);
  };
  for (const a of [...description.entry, ...description.exit]) add(a, '');
  for (const t of description.transitions) for (const a of t.actions) add(a, t.event);
  for (const s of description.states) for (const a of [...s.entry, ...s.exit]) add(a, '');
  return [...found].sort();
}
