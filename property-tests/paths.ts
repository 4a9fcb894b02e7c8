/**
 * Model-based paths derived from the statecharts with `xstate/graph`: for each registered machine, the
 * shortest path to every resting state, then a greedy transition cover (for every transition no path
 * takes yet, the shortest path that ends by taking it). Each step is mapped to the transition rows of
 * {@link describeMachine} it actually takes, read from xstate's synchronous `@xstate.microstep`
 * inspection events while the path is replayed on an actor, so the coverage report and the model tests
 * see the very same path set.
 *
 * The graph is abstract (each {@link ModelSpec} serialises a state as its value plus a few context
 * facts, stack.md sharp edge 2) and its event payloads come from fast-check samples with a fixed seed
 * (see the `*.model.ts` specs), so the paths are the same on every run and every machine.
 *
 * A path is plain data (input + events + expected states): {@link runPath} drives any
 * {@link SystemUnderTest} — the machine itself today, the real agent or manager once they run.
 *
 * @module
 */
import { type AnyStateMachine, createActor, type EventObject, type InspectionEvent } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import {
  describeMachine,
  type MachineDescription,
  type StateDescription,
  type TransitionDescription,
} from '../machines/describe.js';
import { MODEL_SPECS } from './specs.js';

/** One starting configuration of a machine (its actor input) under a short name. */
export interface ModelVariant {
  readonly name: string;
  readonly input: unknown;
}

/** How to walk one machine: its inputs, the concrete events to try, and the abstraction of a state. */
export interface ModelSpec {
  /** The id the machine has in `machines/registry.ts`. */
  readonly machineId: string;
  readonly machine: AnyStateMachine;
  /** At least one; paths of later variants are only added for what earlier ones cannot reach or take. */
  readonly variants: readonly ModelVariant[];
  /** Every concrete event tried in every state (payloads from fixed-seed samples). */
  readonly events: readonly EventObject[];
  /** The vertex key of a snapshot: its value plus the context facts the guards read, never raw context. */
  readonly serializeState: (snapshot: ModelSnapshot) => string;
  /** Vertices not expanded further (still reached, so paths can end there). @default only final snapshots */
  readonly stopWhen?: (snapshot: ModelSnapshot) => boolean;
  /** A short readable label of an event for path names and logs. @default the event type */
  readonly label?: (event: EventObject) => string;
}

/** The parts of a machine snapshot a spec may read. */
export interface ModelSnapshot {
  readonly value: unknown;
  readonly context: unknown;
  readonly status: string;
  readonly output?: unknown;
}

/** One step of a path: the event sent, the rows it took (by `order`) and the leaf states after it. */
export interface ModelStep {
  readonly event: EventObject;
  readonly label: string;
  /** `order`s of the transition rows taken, in the order xstate took them (eventless ones included). */
  readonly rows: readonly number[];
  /** Dotted ids of the active leaf states after the step (one for non-parallel machines). */
  readonly states: readonly string[];
  /** Snapshot status after the step (`active` or `done`). */
  readonly status: string;
}

/** One named path: start the machine with `input`, send each step's event, expect each step's states. */
export interface ModelPath {
  /** Unique within its machine, e.g. `reach retrieving.paused` or `take retrieving.resuming RESPONSE.HEADERS [rangeIgnored]`. */
  readonly name: string;
  /** Why the path exists: reaching a state, or taking a transition no earlier path takes. */
  readonly kind: 'state' | 'transition';
  readonly variant: string;
  readonly input: unknown;
  /** Rows taken while starting (eventless transitions out of the initial state). */
  readonly initRows: readonly number[];
  /** Leaf states right after starting. */
  readonly initStates: readonly string[];
  readonly steps: readonly ModelStep[];
}

/** Every path of one machine and the transition coverage they give. */
export interface ModelPathSet {
  readonly machineId: string;
  readonly description: MachineDescription;
  readonly paths: readonly ModelPath[];
  /** `order`s of the rows some path takes, ascending. */
  readonly taken: readonly number[];
  /** Rows no path takes. */
  readonly untaken: readonly TransitionDescription[];
}

/**
 * A system a path can drive: the machine through the pure `transition` API, or a real agent/manager with
 * a scripted server behind an adapter. `start` gets the path's input; `apply` performs one event (send it,
 * or make the server/user/clock do what it says); `check` asserts the system's observable state matches
 * the model's leaf state after that step.
 */
export interface SystemUnderTest {
  start(input: unknown, path: ModelPath): void | Promise<void>;
  apply(event: EventObject, step: ModelStep, index: number): void | Promise<void>;
  check(stateId: string, step: ModelStep | undefined, index: number): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** Drives a system along a path: start, check the initial state, then apply and check step by step. */
export async function runPath(path: ModelPath, sut: SystemUnderTest): Promise<void> {
  await sut.start(path.input, path);
  try {
    await sut.check(path.initStates.join(','), undefined, -1);
    for (const [index, step] of path.steps.entries()) {
      await sut.apply(step.event, step, index);
      await sut.check(step.states.join(','), step, index);
    }
  } finally {
    await sut.stop?.();
  }
}

/**
 * A stable key of a transition row, used by path names and the ledger:
 * `source EVENT [guard]` (`(root)` for the machine's own transitions, `(always)` for an eventless one),
 * with `#n` added when the same key repeats.
 */
export function transitionKeys(description: MachineDescription): Map<number, string> {
  const keys = new Map<number, string>();
  const seen = new Map<string, number>();
  for (const row of description.transitions) {
    const base = `${row.source || '(root)'} ${row.event || '(always)'}${row.guard === undefined ? '' : ` [${row.guard}]`}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    keys.set(row.order, count === 1 ? base : `${base} #${count}`);
  }
  return keys;
}

/** The dotted ids of the active leaf states of a state value (`{ retrieving: 'paused' }` → `retrieving.paused`). */
export function leafStates(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    leafStates(child, `${prefix}${key}.`),
  );
}

/** The states a path should reach: atomic and final states without eventless transitions (resting states). */
export function restingStates(description: MachineDescription): StateDescription[] {
  const transient = new Set(description.transitions.filter((t) => t.event === '').map((t) => t.source));
  return description.states.filter(
    (s) => (s.type === 'atomic' || s.type === 'final') && !transient.has(s.id),
  );
}

/** Every `TransitionDefinition` object of the machine → its row `order` (same walk as describeMachine). */
function rowIndex(machine: AnyStateMachine): Map<unknown, number> {
  const index = new Map<unknown, number>();
  type Node = { transitions: Map<string, unknown[]>; always?: unknown[]; states: Record<string, Node> };
  const visit = (node: Node): void => {
    for (const t of [...[...node.transitions.values()].flat(), ...(node.always ?? [])])
      index.set(t, index.size);
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root as unknown as Node);
  return index;
}

interface Recorded {
  readonly initRows: number[];
  readonly initStates: string[];
  readonly steps: ModelStep[];
}

/** Replays events on a real actor and reads the transitions each macrostep took from `@xstate.microstep`. */
function replay(spec: ModelSpec, rows: Map<unknown, number>, input: unknown, events: readonly EventObject[]) {
  let pending: number[] = [];
  const inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    for (const t of (event as unknown as { _transitions: readonly unknown[] })._transitions) {
      const order = rows.get(t);
      if (order === undefined) throw new Error(`${spec.machineId}: a taken transition is not in the chart`);
      pending.push(order);
    }
  };
  const actor = createActor(spec.machine, { input, inspect });
  actor.start();
  const label = spec.label ?? ((e: EventObject) => e.type);
  const take = () => {
    const out = pending;
    pending = [];
    return out;
  };
  const snapshot = () => actor.getSnapshot() as ModelSnapshot;
  const recorded: Recorded = { initRows: take(), initStates: leafStates(snapshot().value), steps: [] };
  for (const event of events) {
    actor.send(event);
    const s = snapshot();
    recorded.steps.push({
      event,
      label: label(event),
      rows: take(),
      states: leafStates(s.value),
      status: s.status,
    });
  }
  actor.stop();
  return recorded;
}

/** The rows one edge takes, replayed on an actor restored from the edge's source snapshot. */
function edgeRows(spec: ModelSpec, rows: Map<unknown, number>, from: unknown, event: EventObject): number[] {
  const taken: number[] = [];
  const actor = createActor(spec.machine, {
    snapshot: from as never,
    inspect: (e: InspectionEvent) => {
      if (e.type !== '@xstate.microstep') return;
      for (const t of (e as unknown as { _transitions: readonly unknown[] })._transitions) {
        const order = rows.get(t);
        if (order !== undefined) taken.push(order);
      }
    },
  });
  actor.start();
  actor.send(event);
  actor.stop();
  return taken;
}

interface Edge {
  readonly from: string;
  readonly event: EventObject;
  readonly first: readonly number[];
  rows?: readonly number[];
}

interface Graph {
  readonly variant: ModelVariant;
  /** Vertex key → the events of the BFS-shortest path to it. */
  readonly pathTo: Map<string, EventObject[]>;
  readonly snapshots: Map<string, ModelSnapshot>;
  /**
   * Enabled edges in BFS order (so the first edge that takes a row ends the shortest such path): source
   * key, event, the rows of its first microstep (cheap, from `getTransitionData`), and every row it takes,
   * eventless follow-ups included (replayed on an actor only when asked, then kept).
   */
  readonly edges: Array<Edge>;
}

/** Leaf state id → the event types it or an ancestor has a transition for (other events are no-ops). */
function acceptedEvents(description: MachineDescription): Map<string, Set<string>> {
  const accepted = new Map<string, Set<string>>();
  for (const state of description.states) {
    const types = new Set<string>();
    for (const row of description.transitions) {
      if (row.event === '') continue;
      if (row.source === '' || state.id === row.source || state.id.startsWith(`${row.source}.`))
        types.add(row.event);
    }
    accepted.set(state.id, types);
  }
  return accepted;
}

function explore(
  spec: ModelSpec,
  variant: ModelVariant,
  rows: Map<unknown, number>,
  accepted: Map<string, Set<string>>,
): Graph {
  const adjacency = getAdjacencyMap(spec.machine, {
    input: variant.input,
    events: spec.events as EventObject[],
    // An event no active state handles changes nothing: skip it instead of walking a self-loop.
    filterEvents: (snapshot: unknown, event: EventObject) =>
      leafStates((snapshot as ModelSnapshot).value).some((leaf) => accepted.get(leaf)?.has(event.type)),
    serializeState: (snapshot: unknown) => spec.serializeState(snapshot as ModelSnapshot),
    stopWhen: (snapshot: unknown) =>
      (snapshot as ModelSnapshot).status !== 'active' ||
      (spec.stopWhen?.(snapshot as ModelSnapshot) ?? false),
  } as never) as Record<
    string,
    { state: unknown; transitions: Record<string, { event: EventObject; state: unknown }> }
  >;
  const [initial] = Object.keys(adjacency);
  const pathTo = new Map<string, EventObject[]>();
  const snapshots = new Map<string, ModelSnapshot>();
  const edges: Graph['edges'] = [];
  if (initial === undefined) return { variant, pathTo, snapshots, edges };
  pathTo.set(initial, []);
  const queue = [initial];
  while (queue.length > 0) {
    const key = queue.shift()!;
    const vertex = adjacency[key]!;
    const snapshot = vertex.state as ModelSnapshot & { machine?: AnyStateMachine };
    snapshots.set(key, snapshot);
    for (const { event, state } of Object.values(vertex.transitions)) {
      const first = (spec.machine.getTransitionData(snapshot as never, event as never) ?? []).map(
        (t: unknown) => rows.get(t)!,
      );
      if (first.length > 0) edges.push({ from: key, event, first });
      const next = spec.serializeState(state as ModelSnapshot);
      if (!pathTo.has(next) && adjacency[next] !== undefined) {
        pathTo.set(next, [...pathTo.get(key)!, event]);
        queue.push(next);
      }
    }
  }
  return { variant, pathTo, snapshots, edges };
}

function build(spec: ModelSpec): ModelPathSet {
  if (spec.variants.length === 0) throw new Error(`${spec.machineId}: a model spec needs a variant`);
  const description = describeMachine(spec.machine);
  const rows = rowIndex(spec.machine);
  const keys = transitionKeys(description);
  const accepted = acceptedEvents(description);
  const graphs = spec.variants.map((variant) => explore(spec, variant, rows, accepted));
  const suffix = (variant: ModelVariant) => (variant === spec.variants[0] ? '' : ` (${variant.name})`);
  const planned: Array<{
    name: string;
    kind: ModelPath['kind'];
    variant: ModelVariant;
    events: EventObject[];
  }> = [];

  // 1. Shortest path to every resting state (fewest events over all variants; the first variant on ties).
  for (const state of restingStates(description)) {
    let best: { variant: ModelVariant; events: EventObject[] } | undefined;
    for (const graph of graphs) {
      for (const [key, events] of graph.pathTo) {
        const snapshot = graph.snapshots.get(key);
        if (!snapshot || !leafStates(snapshot.value).includes(state.id)) continue;
        if (!best || events.length < best.events.length) best = { variant: graph.variant, events };
      }
    }
    if (best) {
      planned.push({ name: `reach ${state.id}${suffix(best.variant)}`, kind: 'state', ...best });
    }
  }

  // 2. Greedy transition cover: each row no planned path takes gets the shortest path ending by taking it.
  const recordAll = () =>
    planned.map((p) => ({ plan: p, recorded: replay(spec, rows, p.variant.input, p.events) }));
  const takenBy = (recorded: Recorded) => [...recorded.initRows, ...recorded.steps.flatMap((s) => s.rows)];
  const taken = new Set(recordAll().flatMap((r) => takenBy(r.recorded)));
  for (const row of description.transitions) {
    if (taken.has(row.order)) continue;
    let best: { variant: ModelVariant; events: EventObject[] } | undefined;
    for (const graph of graphs) {
      for (const edge of graph.edges) {
        if (row.event !== '' && !edge.first.includes(row.order)) continue;
        if (row.event === '') {
          edge.rows ??= edgeRows(spec, rows, graph.snapshots.get(edge.from), edge.event);
          if (!edge.rows.includes(row.order)) continue;
        }
        const events = [...graph.pathTo.get(edge.from)!, edge.event];
        if (!best || events.length < best.events.length) best = { variant: graph.variant, events };
        break;
      }
    }
    if (!best) continue;
    const recorded = replay(spec, rows, best.variant.input, best.events);
    for (const order of takenBy(recorded)) taken.add(order);
    planned.push({ name: `take ${keys.get(row.order)}${suffix(best.variant)}`, kind: 'transition', ...best });
  }

  const paths = recordAll().map(
    ({ plan, recorded }): ModelPath => ({
      name: plan.name,
      kind: plan.kind,
      variant: plan.variant.name,
      input: plan.variant.input,
      initRows: recorded.initRows,
      initStates: recorded.initStates,
      steps: recorded.steps,
    }),
  );
  const all = new Set(paths.flatMap((p) => [...p.initRows, ...p.steps.flatMap((s) => s.rows)]));
  return {
    machineId: spec.machineId,
    description,
    paths,
    taken: [...all].sort((a, b) => a - b),
    untaken: description.transitions.filter((t) => !all.has(t.order)),
  };
}

const cache = new Map<ModelSpec, ModelPathSet>();

/** The paths of one spec, computed once per process (they are deterministic). */
export function pathsFor(spec: ModelSpec): ModelPathSet {
  let set = cache.get(spec);
  if (!set) {
    set = build(spec);
    cache.set(spec, set);
  }
  return set;
}

/** The transition rows a path takes, each once, in first-taken order. */
export function rowsOf(set: ModelPathSet, path: ModelPath): TransitionDescription[] {
  const byOrder = new Map(set.description.transitions.map((t) => [t.order, t]));
  const orders = [...path.initRows, ...path.steps.flatMap((s) => s.rows)];
  return [...new Set(orders)].map((o) => byOrder.get(o)!).filter(Boolean);
}

/**
 * The model paths of a registered machine (see `specs.ts`), computed once per process; `undefined` when
 * the machine has no model spec yet.
 */
export function modelPaths(machineId: string): ModelPathSet | undefined {
  const spec = MODEL_SPECS[machineId];
  return spec === undefined ? undefined : pathsFor(spec);
}
