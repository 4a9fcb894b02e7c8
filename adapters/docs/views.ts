/**
 * The diagram *views* of a machine, derived from {@link describeMachine}: an overview of the top-level states
 * with every compound state collapsed to one box, and one view per compound (or parallel) state showing its
 * children, again with their compound children collapsed. A transition appears in the view whose scope holds
 * its source: source and target are lifted to the scope's children (a target outside the scope is drawn as a
 * dashed box naming it, and so is a source outside the scope entering it). Arrows between the same pair of
 * boxes are merged, their label listing each event once. Targetless transitions (actions only) and
 * transitions inside one child are left to the tables and the child's own view.
 *
 * Pure: no I/O.
 *
 * @module
 */
import type { MachineDescription, StateDescription } from '../../machines/describe.js';

/** A box of a view. */
export interface ViewNode {
  /** The state id, or `ext:<state id>` for a state outside the view's scope. */
  readonly id: string;
  /** The state's key (its id for an outside state). */
  readonly label: string;
  readonly kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history' | 'outside';
  /** The state id the box stands for. */
  readonly state: string;
}

/** One event of an arrow and the transition rows (by `order`) it stands for. */
export interface ViewEvent {
  readonly label: string;
  readonly rows: readonly number[];
}

/** An arrow between two boxes of a view. */
export interface ViewEdge {
  readonly from: string;
  readonly to: string;
  readonly events: readonly ViewEvent[];
}

/** One diagram. */
export interface DiagramView {
  /** `''` for the overview, else the compound state's id. */
  readonly scope: string;
  /** The scopes from the overview down to this one (breadcrumb), the overview first. */
  readonly trail: readonly string[];
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly ViewEdge[];
  /** The node the initial arrow points at. */
  readonly initial?: string;
}

/** Whether `id` is `scope` or inside it (`''` holds everything). */
function within(scope: string, id: string): boolean {
  return scope === '' || id === scope || id.startsWith(`${scope}.`);
}

/** The child of `scope` that is `id` or holds it. */
function childOf(scope: string, id: string): string {
  const rest = scope === '' ? id : id.slice(scope.length + 1);
  const head = rest.split('.')[0] ?? rest;
  return scope === '' ? head : `${scope}.${head}`;
}

/** Every view of a machine: the overview first, then each compound/parallel state in document order. */
export function diagramViews(description: MachineDescription): DiagramView[] {
  const byId = new Map(description.states.map((s) => [s.id, s]));
  const scopes = [
    '',
    ...description.states.filter((s) => s.type === 'compound' || s.type === 'parallel').map((s) => s.id),
  ];
  return scopes.map((scope) => view(description, byId, scope));
}

function view(
  description: MachineDescription,
  byId: Map<string, StateDescription>,
  scope: string,
): DiagramView {
  const children = description.states.filter((s) => (s.parent ?? '') === scope);
  const nodes = new Map<string, ViewNode>();
  for (const s of children) nodes.set(s.id, { id: s.id, label: s.key, kind: s.type, state: s.id });
  const outside = (id: string): string => {
    const key = `ext:${id}`;
    if (!nodes.has(key))
      nodes.set(key, { id: key, label: id === '' ? '(any state)' : id, kind: 'outside', state: id });
    return key;
  };
  const edges = new Map<string, { from: string; to: string; events: Map<string, number[]> }>();
  for (const t of description.transitions) {
    for (const target of t.targets) {
      const sourceIn = t.source !== scope && t.source !== '' && within(scope, t.source);
      const targetIn = target !== scope && within(scope, target);
      if (!sourceIn && !targetIn) continue;
      // Declared on the scope itself: drawn in the parent's view (the scope is a box there).
      if (t.source === scope && scope !== '') continue;
      const from = sourceIn ? childOf(scope, t.source) : outside(t.source);
      const to = targetIn ? childOf(scope, target) : outside(target);
      if (from === to) continue;
      const key = `${from}\u0000${to}`;
      const edge = edges.get(key) ?? { from, to, events: new Map<string, number[]>() };
      const label = t.event === '' ? 'always' : t.event;
      edge.events.set(label, [...(edge.events.get(label) ?? []), t.order]);
      edges.set(key, edge);
    }
  }
  const trail: string[] = [''];
  if (scope !== '') {
    const parts = scope.split('.');
    for (let i = 1; i <= parts.length; i += 1) trail.push(parts.slice(0, i).join('.'));
  }
  const initial = scope === '' ? description.initial : byId.get(scope)?.initial;
  return {
    scope,
    trail,
    nodes: [...nodes.values()],
    edges: [...edges.values()].map((e) => ({
      from: e.from,
      to: e.to,
      events: [...e.events].map(([label, rows]) => ({ label, rows })),
    })),
    ...(initial ? { initial: childOf(scope, initial) } : {}),
  };
}
