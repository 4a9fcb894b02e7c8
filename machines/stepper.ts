/**
 * A statechart's pure step, compiled once from the machine: `compileStepper(machine)` walks its state nodes and, for
 * every atomic state and event type, lists the candidate transitions in xstate's order (the state's own, then its
 * ancestors'), each with the actions its step runs already laid out — the transition's, then the entered states'
 * entry actions (exit actions are refused, below) — and the state value it leads to. A step is then a table lookup,
 * the guards in order, and the actions resolved over the context: what xstate's `transition` decides, without
 * computing the exit and entry sets, the state nodes and the value again at every event. The download manager steps
 * one download per event (about five per object); xstate's `transition` was a tenth of its event loop's time per
 * 1 MiB object.
 *
 * The machine stays the only source: guards and actions are the machine's own implementations, called as xstate calls
 * them (guard and action params, `and`/`or`/`not`, `assign` in both forms, `emit`). What the table cannot express is
 * refused when it is compiled, naming the state: parallel and history states, eventless (`always`) and delayed
 * (`after`) transitions, invoked actors, wildcard events, exit actions, actions on an initial transition, a final state
 * below the root, re-entering or multi-target transitions, a target that is its source or one of its ancestors, and
 * built-in actions other than `assign` and `emit`. `stepper.test.ts` checks the compiled step against xstate's own on
 * a machine using every supported feature; `download.step.test.ts` on every state and event of the download chart.
 *
 * Pure: the tables are built from the machine object and read only; nothing is kept between steps.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode, EventObject, MachineContext, StateValue } from 'xstate';

/** What a step requests: an effect (`type` names the machine's action) or an emitted event (`xstate.emit`). */
export interface StepAction {
  readonly type: string;
  readonly params?: unknown;
}

/** A machine's state as plain data: its value and context (what the manager persists). */
export interface StepState<C extends MachineContext = MachineContext> {
  readonly value: StateValue;
  readonly context: C;
}

/** The state after a step: `done` once a final state of the root is entered. */
export interface StepResult<C extends MachineContext = MachineContext> extends StepState<C> {
  readonly status: 'active' | 'done';
}

/** A compiled step: `[next state, the actions it requests in order]` — the same as xstate's `transition`. */
export type Step<C extends MachineContext, E extends EventObject> = (
  state: StepState<C>,
  event: E,
) => [StepResult<C>, StepAction[]];

type Guard = unknown;
type Action = unknown;

interface Candidate {
  readonly guard: Guard | undefined;
  /** The transition's actions, then the entered states' entry actions: in the order xstate runs them. */
  readonly actions: readonly Action[];
  /** The state entered (its atomic state); undefined for a transition without a target. */
  readonly next: AtomicState | undefined;
}

interface AtomicState {
  readonly node: AnyStateNode;
  /** The state value, shared by every step that enters this state (frozen). */
  readonly value: StateValue;
  readonly done: boolean;
  /** Per event type, the candidates in xstate's order. */
  readonly on: Map<string, readonly Candidate[]>;
}

/** Proper ancestors, parent first. */
function ancestors(node: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  for (let at = node.parent; at !== undefined; at = at.parent) out.push(at);
  return out;
}

/** Whether `node` lies strictly below `ancestor`. */
function isBelow(node: AnyStateNode, ancestor: AnyStateNode): boolean {
  for (let at = node.parent; at !== undefined; at = at.parent) if (at === ancestor) return true;
  return false;
}

function refuse(node: AnyStateNode, what: string): never {
  throw new Error(`compileStepper: state "${node.id}" ${what}; the compiled step does not support it`);
}

/** The state value of an atomic state: its key at the top, else `{ parent: … }` down to it (as xstate builds it). */
function stateValueOf(node: AnyStateNode): StateValue {
  const path = node.path as string[];
  let value: StateValue = path[path.length - 1]!;
  for (let i = path.length - 2; i >= 0; i -= 1) value = Object.freeze({ [path[i]!]: value }) as StateValue;
  return value;
}

/** The key of a state value (`a.b.c`), for a value that is not one of the compiled ones (read from storage). */
function keyOfValue(value: StateValue): string | undefined {
  if (typeof value === 'string') return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const inner = keyOfValue(value[keys[0]!] as StateValue);
  return inner === undefined ? undefined : `${keys[0]}.${inner}`;
}

/** The params of a guard or action reference, as xstate resolves them: none for a name or an inline function. */
function paramsOf(ref: unknown, args: { context: unknown; event: unknown }): unknown {
  if (typeof ref !== 'object' || ref === null || !('params' in ref)) return undefined;
  const params = (ref as { params: unknown }).params;
  return typeof params === 'function' ? (params as (a: unknown) => unknown)(args) : params;
}

/** The built-in guard or action an implementation is (xstate marks them with `check` / `resolve`). */
function isBuiltin(
  fn: unknown,
  mark: 'check' | 'resolve',
): fn is { type?: string } & Record<string, unknown> {
  return typeof fn === 'function' && mark in fn;
}

/** Compiles `machine` into its pure step (see the module comment); throws naming what it cannot express. */
export function compileStepper<C extends MachineContext, E extends EventObject>(
  machine: AnyStateMachine,
): Step<C, E> {
  const implementations = machine.implementations as {
    guards: Record<string, unknown>;
    actions: Record<string, unknown>;
  };
  const root = machine.root as AnyStateNode;
  const nodes: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    nodes.push(node);
    for (const child of Object.values(node.states) as AnyStateNode[]) walk(child);
  };
  walk(root);

  // What the table cannot express is refused here, once.
  const checkAction = (node: AnyStateNode, action: Action) => {
    const name = typeof action === 'string' ? action : (action as { type?: unknown }).type;
    const impl = typeof action === 'function' ? action : implementations.actions[name as string];
    if (isBuiltin(impl, 'resolve') && impl.type !== 'xstate.assign' && impl.type !== 'xstate.emit')
      refuse(node, `uses the built-in action ${String(impl.type)}`);
  };
  const checkGuard = (node: AnyStateNode, guard: Guard): void => {
    if (guard === undefined) return;
    const impl =
      typeof guard === 'function'
        ? guard
        : implementations.guards[typeof guard === 'string' ? guard : (guard as { type: string }).type];
    if (isBuiltin(impl, 'check')) {
      if (!Array.isArray(impl.guards)) refuse(node, 'uses a built-in guard other than and/or/not');
      for (const inner of impl.guards as Guard[]) checkGuard(node, inner);
    }
  };
  for (const node of nodes) {
    if (node.type === 'parallel' || node.type === 'history') refuse(node, `is a ${node.type} state`);
    if (node.always !== undefined && node.always.length > 0)
      refuse(node, 'has eventless (always) transitions');
    if (node.after.length > 0) refuse(node, 'has delayed (after) transitions');
    if (node.invoke.length > 0) refuse(node, 'invokes actors');
    if (node.exit.length > 0) refuse(node, 'has exit actions');
    if (node.type === 'final' && node.parent !== root) refuse(node, 'is a final state below the root');
    if (node.type === 'compound' && (node.initial?.actions.length ?? 0) > 0)
      refuse(node, 'has actions on its initial transition');
    for (const action of node.entry) checkAction(node, action);
    for (const [eventType, transitions] of node.transitions) {
      if (eventType.includes('*')) refuse(node, `has a wildcard event "${eventType}"`);
      for (const t of transitions) {
        if (t.reenter) refuse(node, `re-enters on ${eventType}`);
        if ((t.target?.length ?? 0) > 1) refuse(node, `has several targets on ${eventType}`);
        const target = t.target?.[0] as AnyStateNode | undefined;
        if (target !== undefined && (target === node || isBelow(node, target)))
          refuse(node, `targets itself or an ancestor on ${eventType}`);
        checkGuard(node, t.guard);
        for (const action of t.actions) checkAction(node, action);
      }
    }
  }

  /**
   * The states a transition from `source` to `target` enters, top-down, and the atomic one it ends in, as xstate
   * computes them: below the transition's domain (the source when the target lies below it, else the nearest
   * ancestor of the target holding the source, else the root) down to the target, then its initial states.
   */
  const enter = (
    source: AnyStateNode,
    target: AnyStateNode,
  ): { atomic: AnyStateNode; entered: AnyStateNode[] } => {
    const domain = isBelow(target, source)
      ? source
      : (ancestors(target).find((a) => isBelow(source, a)) ?? root);
    const entered = [target, ...ancestors(target).filter((a) => isBelow(a, domain))].reverse();
    let atomic = target;
    while (atomic.type === 'compound') {
      atomic = atomic.initial.target[0] as AnyStateNode;
      entered.push(atomic);
    }
    return { atomic, entered };
  };

  const atomics = new Map<AnyStateNode, AtomicState>();
  const byKey = new Map<string, AtomicState>();
  const byValue = new Map<StateValue, AtomicState>();
  for (const node of nodes)
    if (node.type === 'atomic' || node.type === 'final') {
      const state: AtomicState = {
        node,
        value: stateValueOf(node),
        done: node.type === 'final',
        on: new Map(),
      };
      atomics.set(node, state);
      byKey.set((node.path as string[]).join('.'), state);
      byValue.set(state.value, state);
    }
  for (const state of atomics.values()) {
    const active = [state.node, ...ancestors(state.node)];
    for (const source of active)
      for (const [eventType, transitions] of source.transitions) {
        const list = (state.on.get(eventType) ?? []) as Candidate[];
        for (const t of transitions) {
          const target = t.target?.[0] as AnyStateNode | undefined;
          if (target === undefined) {
            list.push({ guard: t.guard, actions: [...t.actions], next: undefined });
            continue;
          }
          const { atomic, entered } = enter(source, target);
          // No state has exit actions (refused above): the exited states add none.
          const actions = [...t.actions, ...entered.flatMap((n) => n.entry)];
          list.push({ guard: t.guard, actions, next: atomics.get(atomic) });
        }
        state.on.set(eventType, list);
      }
  }

  const atomicOf = (value: StateValue): AtomicState => {
    const state = byValue.get(value) ?? byKey.get(keyOfValue(value) ?? '');
    if (state === undefined)
      throw new Error(`compileStepper: ${JSON.stringify(value)} is no state of ${machine.id}`);
    return state;
  };
  const fakeSnapshot = { machine };
  const guardPasses = (guard: Guard, context: C, event: E): boolean => {
    const inline = typeof guard === 'function';
    const impl = inline
      ? guard
      : implementations.guards[typeof guard === 'string' ? guard : (guard as { type: string }).type];
    if (typeof impl !== 'function') {
      if (impl === undefined)
        throw new Error(`Guard '${String((guard as { type?: string }).type ?? guard)}' is not implemented.`);
      return guardPasses(impl, context, event);
    }
    const args = { context, event };
    if (isBuiltin(impl, 'check'))
      // and / or / not: xstate's own check, which asks the machine for the guards it combines.
      return (impl.check as (s: unknown, a: unknown, g: unknown) => boolean)(fakeSnapshot, args, impl);
    return (impl as (a: unknown, p: unknown) => boolean)(args, paramsOf(guard, args));
  };

  return (from, event) => {
    const state = atomicOf(from.value);
    const candidates = state.on.get(event.type);
    if (candidates !== undefined)
      for (const candidate of candidates) {
        if (candidate.guard !== undefined && !guardPasses(candidate.guard, from.context, event)) continue;
        let context = from.context;
        const out: StepAction[] = [];
        for (const action of candidate.actions) {
          const inline = typeof action === 'function';
          const name =
            typeof action === 'string' ? action : inline ? undefined : (action as { type: string }).type;
          const impl = inline ? action : implementations.actions[name!];
          const args = { context, event };
          const params = paramsOf(action, args);
          if (isBuiltin(impl, 'resolve')) {
            if (impl.type === 'xstate.assign') {
              const assignment = impl.assignment as
                | ((a: unknown, p: unknown) => Partial<C>)
                | Record<string, unknown>;
              let update: Record<string, unknown>;
              if (typeof assignment === 'function') update = assignment(args, params);
              else {
                update = {};
                for (const key of Object.keys(assignment)) {
                  const value = assignment[key];
                  update[key] =
                    typeof value === 'function'
                      ? (value as (a: unknown, p: unknown) => unknown)(args, params)
                      : value;
                }
              }
              context = Object.assign({}, context, update);
            } else {
              const expr = impl.event;
              const emitted =
                typeof expr === 'function'
                  ? (expr as (a: unknown, p: unknown) => unknown)(args, params)
                  : expr;
              out.push({ type: 'xstate.emit', params: { event: emitted } });
            }
            continue;
          }
          out.push({ type: name ?? (action as { name?: string }).name ?? '(anonymous)', params });
        }
        const next = candidate.next ?? state;
        return [{ value: next.value, context, status: next.done ? 'done' : 'active' }, out];
      }
    return [{ value: from.value, context: from.context, status: state.done ? 'done' : 'active' }, []];
  };
}
