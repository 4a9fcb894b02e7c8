/**
 * The machine itself as a {@link SystemUnderTest}: each path event goes through xstate's pure
 * `transition`, the requested effects are kept unexecuted, and every step is handed to a list of
 * {@link PathCheck}s that assert what the effects must be in that state. A runner for the real agent
 * or manager implements the same interface and reuses the paths (see `runPath`).
 *
 * @module
 */
import { type AnyStateMachine, type EventObject, initialTransition, transition } from 'xstate';
import type { ClauseId } from '../machines/clauses.js';
import type { TransitionDescription } from '../machines/describe.js';
import {
  leafStates,
  type ModelPath,
  type ModelPathSet,
  type ModelSnapshot,
  type ModelStep,
  runPath,
  type SystemUnderTest,
} from './paths.js';

/** An effect (or emitted notification) as the pure `transition` returns it. */
export interface RequestedAction {
  readonly type: string;
  readonly params?: unknown;
}

/** What a step looks like in the path data alone (enough to decide whether a check applies). */
export interface StepShape {
  readonly event: EventObject;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly rows: readonly TransitionDescription[];
}

/** A step as a check sees it: the shape plus the snapshots and the actions requested. */
export interface StepView extends StepShape {
  readonly index: number;
  readonly prev: ModelSnapshot;
  readonly next: ModelSnapshot;
  readonly actions: readonly RequestedAction[];
  /** Every event sent so far on this path, this step's included. */
  readonly events: readonly EventObject[];
  /** Every action requested so far on this path (start included), this step's included. */
  readonly history: readonly RequestedAction[];
}

/** One invariant asserted at every step it applies to; the clauses go into the test title. */
export interface PathCheck {
  readonly name: string;
  readonly clauses: readonly ClauseId[];
  applies(step: StepShape): boolean;
  assert(view: StepView): void;
}

/** Whether a step entered `state` (newly active, or re-entered by one of its rows). */
export function entered(step: StepShape, state: string): boolean {
  if (!step.after.includes(state)) return false;
  return !step.before.includes(state) || step.rows.some((r) => r.targets.includes(state));
}

/** The shapes of a path's steps (from the path data only). */
export function stepShapes(set: ModelPathSet, path: ModelPath): StepShape[] {
  const byOrder = new Map(set.description.transitions.map((t) => [t.order, t]));
  let before = path.initStates;
  return path.steps.map((step) => {
    const shape = {
      event: step.event,
      before,
      after: step.states,
      rows: step.rows.map((o) => byOrder.get(o)!),
    };
    before = step.states;
    return shape;
  });
}

/** The clauses a path exercises: those of every check that applies to at least one of its steps, sorted. */
export function pathClauses(set: ModelPathSet, path: ModelPath, checks: readonly PathCheck[]): ClauseId[] {
  const shapes = stepShapes(set, path);
  const ids = new Set<ClauseId>();
  for (const check of checks) {
    if (shapes.some((s) => check.applies(s))) for (const id of check.clauses) ids.add(id);
  }
  return [...ids].sort();
}

/** The machine behind the pure transition API, as a system under test that runs the checks. */
export class PureMachineSystem implements SystemUnderTest {
  snapshot!: ModelSnapshot;
  readonly history: RequestedAction[] = [];
  readonly events: EventObject[] = [];
  private last: { prev: ModelSnapshot; actions: readonly RequestedAction[] } | undefined;

  constructor(
    private readonly machine: AnyStateMachine,
    private readonly set: ModelPathSet,
    private readonly checks: readonly PathCheck[],
    /** Compare the machine's leaf states with the path's; off only to show that the checks alone catch a mutant. */
    private readonly compareStates = true,
  ) {}

  start(input: unknown): void {
    const [snapshot, actions] = initialTransition(this.machine, input as never);
    this.snapshot = snapshot as unknown as ModelSnapshot;
    this.history.push(...(actions as RequestedAction[]));
  }

  apply(event: EventObject): void {
    const prev = this.snapshot;
    const [next, actions] = transition(this.machine, prev as never, event as never);
    this.snapshot = next as unknown as ModelSnapshot;
    this.events.push(event);
    this.history.push(...(actions as RequestedAction[]));
    this.last = { prev, actions: actions as RequestedAction[] };
  }

  check(stateId: string, step: ModelStep | undefined, index: number): void {
    const actual = leafStates(this.snapshot.value).join(',');
    if (this.compareStates && actual !== stateId) {
      throw new Error(
        `step ${index} (${step?.label ?? 'start'}): the machine is in ${actual}, the path expects ${stateId}`,
      );
    }
    if (step === undefined || this.last === undefined) return;
    const byOrder = new Map(this.set.description.transitions.map((t) => [t.order, t]));
    const view: StepView = {
      index,
      event: step.event,
      before: leafStates(this.last.prev.value),
      after: leafStates(this.snapshot.value),
      rows: step.rows.map((o) => byOrder.get(o)!),
      prev: this.last.prev,
      next: this.snapshot,
      actions: this.last.actions,
      events: [...this.events],
      history: [...this.history],
    };
    for (const c of this.checks) {
      if (!c.applies(view)) continue;
      try {
        c.assert(view);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`step ${index} (${step.label}), check "${c.name}": ${message}`);
      }
    }
  }
}

/** Replays one path on the machine with the pure transition API, asserting every check at every step. */
export async function checkPath(
  machine: AnyStateMachine,
  set: ModelPathSet,
  path: ModelPath,
  checks: readonly PathCheck[],
  options: { readonly compareStates?: boolean } = {},
): Promise<PureMachineSystem> {
  const system = new PureMachineSystem(machine, set, checks, options.compareStates ?? true);
  await runPath(path, system);
  return system;
}
