/**
 * The manager chart run without an actor: `managerStart` / `managerTransition` read the chart's own
 * configuration (`oipfManagerMachine.config`: its states, event handlers, guard and action names) and run
 * the same guards and pure steps its actions run (`MANAGER_GUARDS`, `MANAGER_STEPS`), returning the next
 * state and the outputs (effect requests, notifications) in the order the chart's actions enqueue them.
 *
 * Why: the chart is flat — a profile chosen once, then one handler list per event, each a guard and a step —
 * so xstate's macrostep (state-node sets, an action queue, a snapshot and its copies per event) cost more than
 * the decision it carries: at 10 000 registrations about half the time, and garbage that V8 promoted to the
 * old space in bulk (peak RSS 145 MB against 85 MB for the bare steps). The host runs this; the model-based
 * tests and `--inspect` run the chart through xstate; `manager.run.test.ts` checks that both give the same
 * contexts and outputs on generated event sequences.
 *
 * Only what the chart uses is understood: named guards and actions, `entry`, `always` and targets between the
 * top-level states. Anything else (nested states, exit actions, delays, invocations, inline functions) makes
 * `managerStart` throw, naming it, so a chart that outgrows this runner fails its tests instead of being run
 * wrongly.
 *
 * @module
 */
import { oipfManagerMachine } from './manager.machine.js';
import { MANAGER_GUARDS, MANAGER_STEPS } from './manager.setup.js';
import type {
  ManagerOutput,
  OipfManagerContext,
  OipfManagerEvent,
  OipfManagerInput,
} from './manager.types.js';

/** Where the manager is: its top-level state (the profile) and its context. */
export interface ManagerState {
  readonly value: string;
  readonly context: OipfManagerContext;
}

type GuardName = keyof typeof MANAGER_GUARDS;
type StepName = keyof typeof MANAGER_STEPS;

interface Handler {
  readonly guard: GuardName | undefined;
  readonly actions: readonly StepName[];
  readonly target: string | undefined;
}

interface StateSpec {
  readonly entry: readonly StepName[];
  readonly always: readonly Handler[];
  readonly on: ReadonlyMap<string, readonly Handler[]>;
}

/** A chart as the runner reads it. */
export interface Chart {
  readonly root: StateSpec;
  readonly initial: string;
  readonly states: ReadonlyMap<string, StateSpec>;
  readonly context: (input: OipfManagerInput) => OipfManagerContext;
}

// (`schemas`, `types`: type information setup() adds; nothing runs from them)
const ROOT_KEYS = new Set([
  'id',
  'context',
  'entry',
  'initial',
  'on',
  'states',
  'description',
  'meta',
  'schemas',
  'types',
]);
const STATE_KEYS = new Set(['entry', 'always', 'on', 'description', 'meta']);
const HANDLER_KEYS = new Set(['guard', 'actions', 'target', 'description', 'meta']);

function unsupported(where: string, what: string): never {
  throw new Error(`manager.run: the manager chart uses ${what} at ${where}, which this runner does not run`);
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A guard's or action's name (a string or `{ type }`), checked against the table it must be in. */
function nameIn<T extends object>(table: T, value: unknown, where: string): keyof T & string {
  const name = typeof value === 'string' ? value : (value as { type?: unknown } | null)?.type;
  if (typeof name !== 'string' || !Object.hasOwn(table, name) || typeof value === 'function')
    unsupported(where, `an action or guard not in its table (${String(name ?? typeof value)})`);
  return name as keyof T & string;
}

function handlersOf(value: unknown, where: string, siblings: ReadonlySet<string>): Handler[] {
  return asList(value).map((raw, i) => {
    const at = `${where}[${i}]`;
    const handler = (typeof raw === 'string' ? { target: raw } : raw) as Record<string, unknown>;
    for (const key of Object.keys(handler)) if (!HANDLER_KEYS.has(key)) unsupported(at, `'${key}'`);
    const target = handler.target;
    if (target !== undefined && (typeof target !== 'string' || !siblings.has(target)))
      unsupported(at, `the target ${JSON.stringify(target)} (only a top-level state's name is run)`);
    return {
      guard: handler.guard === undefined ? undefined : nameIn(MANAGER_GUARDS, handler.guard, at),
      actions: asList(handler.actions).map((a) => nameIn(MANAGER_STEPS, a, at)),
      target: target as string | undefined,
    };
  });
}

function stateOf(config: Record<string, unknown>, where: string, siblings: ReadonlySet<string>): StateSpec {
  const on = new Map<string, Handler[]>();
  for (const [type, value] of Object.entries((config.on ?? {}) as Record<string, unknown>))
    on.set(type, handlersOf(value, `${where}.on['${type}']`, siblings));
  return {
    entry: asList(config.entry).map((a) => nameIn(MANAGER_STEPS, a, `${where}.entry`)),
    always: handlersOf(config.always, `${where}.always`, siblings),
    on,
  };
}

/** A manager chart's configuration as this runner understands it; throws, naming it, on what it does not run. */
export function chartOf(machineConfig: object): Chart {
  const config = machineConfig as Record<string, unknown>;
  for (const key of Object.keys(config)) if (!ROOT_KEYS.has(key)) unsupported('the root', `'${key}'`);
  const rawStates = (config.states ?? {}) as Record<string, Record<string, unknown>>;
  const names = new Set(Object.keys(rawStates));
  const states = new Map<string, StateSpec>();
  for (const [name, state] of Object.entries(rawStates)) {
    for (const key of Object.keys(state)) if (!STATE_KEYS.has(key)) unsupported(`states.${name}`, `'${key}'`);
    states.set(name, stateOf(state, `states.${name}`, names));
  }
  const root = stateOf(config, 'the root', names);
  if (root.always.length > 0) unsupported('the root', "'always'");
  if (typeof config.initial !== 'string' || !states.has(config.initial))
    unsupported('the root', `the initial state ${JSON.stringify(config.initial)}`);
  if (typeof config.context !== 'function')
    unsupported('the root', 'a context that is not a function of the input');
  const context = config.context as (args: { input: OipfManagerInput }) => OipfManagerContext;
  return { root, initial: config.initial, states, context: (input) => context({ input }) };
}

/** The manager chart, read once. */
const CHART = chartOf(oipfManagerMachine.config);

interface Running {
  value: string;
  context: OipfManagerContext;
  readonly out: ManagerOutput[];
}

function run(r: Running, actions: readonly StepName[], event: OipfManagerEvent): void {
  for (const name of actions) {
    const step = MANAGER_STEPS[name](r.context, event);
    r.context = step.context;
    for (const output of step.out) r.out.push(output);
  }
}

/** The first handler of the list whose guard holds. */
function pick(r: Running, handlers: readonly Handler[], event: OipfManagerEvent): Handler | undefined {
  for (const h of handlers) if (h.guard === undefined || MANAGER_GUARDS[h.guard](r.context, event)) return h;
  return undefined;
}

/** Takes a handler: its actions, then (with a target) the target's entry; then any eventless handler that holds. */
function take(c: Chart, r: Running, handler: Handler, event: OipfManagerEvent): void {
  run(r, handler.actions, event);
  if (handler.target !== undefined) {
    r.value = handler.target;
    run(r, c.states.get(r.value)!.entry, event);
  }
  settle(c, r, event);
}

/** Follows eventless (`always`) handlers until none holds (bounded: a cycle would be a chart error). */
function settle(c: Chart, r: Running, event: OipfManagerEvent): void {
  for (let hops = 0; hops <= c.states.size; hops += 1) {
    const handler = pick(r, c.states.get(r.value)!.always, event);
    if (handler === undefined) return;
    run(r, handler.actions, event);
    if (handler.target === undefined)
      unsupported(`states.${r.value}.always`, 'a targetless eventless handler');
    r.value = handler.target;
    run(r, c.states.get(r.value)!.entry, event);
  }
  unsupported(`states.${r.value}`, 'a cycle of eventless handlers');
}

const INIT = { type: 'xstate.init' } as unknown as OipfManagerEvent;

/** The manager's first state for `input`, and what its entry requests (like xstate's `initialTransition`). */
export function managerStart(input: OipfManagerInput): [ManagerState, ManagerOutput[]] {
  const r: Running = { value: CHART.initial, context: CHART.context(input), out: [] };
  run(r, CHART.root.entry, INIT);
  run(r, CHART.states.get(r.value)!.entry, INIT);
  settle(CHART, r, INIT);
  return [{ value: r.value, context: r.context }, r.out];
}

/**
 * The manager's next state for `event` and the outputs it requests, in order (like xstate's `transition`): the
 * current state's handlers first, then the root's; an event no handler takes changes nothing.
 */
export function managerTransition(
  state: ManagerState,
  event: OipfManagerEvent,
): [ManagerState, ManagerOutput[]] {
  const r: Running = { value: state.value, context: state.context, out: [] };
  const own = CHART.states.get(state.value)?.on.get(event.type);
  const handler = (own && pick(r, own, event)) ?? pick(r, CHART.root.on.get(event.type) ?? [], event);
  if (handler === undefined) return [state, []];
  take(CHART, r, handler, event);
  return [{ value: r.value, context: r.context }, r.out];
}
