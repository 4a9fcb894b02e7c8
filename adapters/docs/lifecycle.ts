/**
 * The lifecycle an application *observes*, projected from a chart: the DAE's Figure 12 (OIPF DAE §7.4.3,
 * states 1/2/4/8/16/32 reported through `onDownloadStateChange`) derived from the oipf-download chart, not
 * drawn by hand. A state is observable through the entry action that reports it (`notifyStateChanged`
 * with static params `{ state, reason? }`); a transition is observed when it enters such a state — the
 * states it enters are those below its domain (xstate semantics: the least common ancestor, or the source
 * itself for a non-reentering transition to a descendant), down the initial states of a compound target.
 * A transition entering no reporting state (`paused.byScheduler → paused.byApp`) is not observed.
 *
 * Pure: no I/O; machine-agnostic (any chart whose entry actions report a numeric `state`).
 *
 * @module
 */
import type { MachineDescription, StateDescription } from '../../machines/describe.js';
import type { DiagramView, ViewEdge } from './views.js';

/** What a reporting entry action says: the observable state number and, for state 8, the reason. */
export interface Report {
  readonly state: number;
  readonly reason?: number;
}

/** One observable state number, the chart states reporting it and the reasons it comes with. */
export interface ObservedState {
  readonly number: number;
  /** The chart state whose entry reports it (the outermost one, for the name shown). */
  readonly chartState: string;
  readonly reasons: readonly {
    readonly reason: number;
    readonly state: string;
    readonly description?: string;
  }[];
}

/** The projected lifecycle. */
export interface Lifecycle {
  readonly states: readonly ObservedState[];
  /** Observed changes between numbers; a change to the same number (a re-report) is in `repeats`. */
  readonly edges: readonly ViewEdge[];
  readonly repeats: readonly ViewEdge[];
  readonly initial?: number;
}

function reportOf(s: StateDescription | undefined, action: string): Report | undefined {
  if (!s) return undefined;
  const i = s.entry.lastIndexOf(action);
  const params = i >= 0 ? s.entryParams?.[i] : undefined;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return undefined;
  const { state, reason } = params as { state?: unknown; reason?: unknown };
  if (typeof state !== 'number') return undefined;
  return typeof reason === 'number' ? { state, reason } : { state };
}

/** Projects `description` onto the numbers its `action` entry actions report; `undefined` when none does. */
export function projectLifecycle(
  description: MachineDescription,
  action = 'notifyStateChanged',
): Lifecycle | undefined {
  const byId = new Map(description.states.map((s) => [s.id, s]));
  const ancestors = (id: string): string[] => {
    const out: string[] = [];
    for (let s = byId.get(id); s; s = s.parent ? byId.get(s.parent) : undefined) out.unshift(s.id);
    return out;
  };
  const leafOf = (id: string): string => {
    let s = byId.get(id);
    while (s && s.type === 'compound' && s.initial) s = byId.get(s.initial);
    return s?.id ?? id;
  };
  const leaves = description.states.filter((s) => s.type === 'atomic' || s.type === 'final');
  const observed = (leaf: string): Report | undefined => {
    let found: Report | undefined;
    for (const a of ancestors(leaf)) found = reportOf(byId.get(a), action) ?? found;
    return found;
  };
  const numbers = new Map<
    number,
    { chartState: string; reasons: Map<number, { state: string; description?: string }> }
  >();
  for (const s of description.states) {
    const r = reportOf(s, action);
    if (!r) continue;
    // A state reported with a reason is a sub-state (failed.storageFull): the number is named by its parent.
    const chartState = r.reason !== undefined && s.parent ? s.parent : s.id;
    const entry = numbers.get(r.state) ?? { chartState, reasons: new Map() };
    if (r.reason !== undefined) {
      entry.reasons.set(r.reason, { state: s.id, ...(s.description ? { description: s.description } : {}) });
    }
    numbers.set(r.state, entry);
  }
  if (numbers.size === 0) return undefined;
  const edges = new Map<string, { from: string; to: string; events: Map<string, number[]> }>();
  const add = (from: number, to: number, event: string, order: number) => {
    const key = `${from}>${to}`;
    const e = edges.get(key) ?? { from: `n${from}`, to: `n${to}`, events: new Map<string, number[]>() };
    e.events.set(event, [...(e.events.get(event) ?? []), order]);
    edges.set(key, e);
  };
  for (const t of description.transitions) {
    if (t.targets.length === 0) continue;
    const sources =
      t.source === ''
        ? leaves.map((l) => l.id)
        : leaves.filter((l) => l.id === t.source || l.id.startsWith(`${t.source}.`)).map((l) => l.id);
    for (const target of t.targets) {
      const leaf = leafOf(target);
      const down = ancestors(leaf);
      // The transition's domain: the source itself for a non-reentering move to a descendant, else the least
      // common proper ancestor of source and target.
      const srcPath = t.source === '' ? [] : ancestors(t.source);
      const inside =
        !t.reenter && t.source !== '' && (target === t.source || target.startsWith(`${t.source}.`));
      let depth = 0;
      if (inside) depth = srcPath.length;
      else
        while (
          depth < srcPath.length &&
          depth < down.length - 1 &&
          srcPath[depth] === down[depth] &&
          srcPath[depth] !== t.source &&
          down[depth] !== target
        )
          depth += 1;
      let report: Report | undefined;
      for (const id of down.slice(depth)) report = reportOf(byId.get(id), action) ?? report;
      if (!report) continue;
      for (const source of sources) {
        const from = observed(source);
        if (from) add(from.state, report.state, t.event === '' ? 'always' : t.event, t.order);
      }
    }
  }
  const all = [...edges.values()].map((e) => ({
    from: e.from,
    to: e.to,
    events: [...e.events].map(([label, rows]) => ({ label, rows: [...new Set(rows)] })),
  }));
  const first = observed(leafOf(description.initial));
  return {
    states: [...numbers]
      .sort(([a], [b]) => a - b)
      .map(([number, e]) => ({
        number,
        chartState: e.chartState,
        reasons: [...e.reasons].sort(([a], [b]) => a - b).map(([reason, r]) => ({ reason, ...r })),
      })),
    edges: all.filter((e) => e.from !== e.to),
    repeats: all.filter((e) => e.from === e.to),
    ...(first ? { initial: first.state } : {}),
  };
}

/** The lifecycle as a diagram view: one box per number (`2 inProgress`, `8 failed · reasons 0–4`). */
export function lifecycleView(lifecycle: Lifecycle): DiagramView {
  return {
    scope: 'figure-12',
    trail: [],
    nodes: lifecycle.states.map((s) => ({
      id: `n${s.number}`,
      label: `${s.number} ${s.chartState.split('.')[0]}${s.reasons.length > 0 ? ` · reasons ${s.reasons.map((r) => r.reason).join(', ')}` : ''}`,
      kind: 'atomic',
      state: s.chartState,
    })),
    edges: lifecycle.edges,
    ...(lifecycle.initial !== undefined ? { initial: `n${lifecycle.initial}` } : {}),
  };
}
