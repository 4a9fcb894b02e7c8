/**
 * Emits a machine as Mermaid `stateDiagram-v2` text: composite states nested, `[*] --> initial` in every
 * compound state, final states `--> [*]`, parallel regions split by `--`, transitions labelled
 * `EVENT [guard]` (`always` for eventless ones) and drawn inside the innermost composite holding both ends.
 *
 * @module
 */
import type { MachineDescription, StateDescription, TransitionDescription } from '../../machines/describe.js';
import { lineCommentBanner } from './banner.js';

/** Mermaid ids: state ids with every non-word character as `_`, suffixed `_2`, `_3` … on a clash. */
export function mermaidIds(description: MachineDescription): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>(['root']);
  for (const state of description.states) {
    const word = state.id.replace(/\./g, '__').replace(/\W/g, '_');
    const base = /^[A-Za-z_]/.test(word) ? word : `s_${word}`;
    let id = base;
    for (let n = 2; used.has(id); n += 1) id = `${base}_${n}`;
    used.add(id);
    ids.set(state.id, id);
  }
  return ids;
}

/** A transition label safe for Mermaid: `EVENT [guard]`; braces and quotes dropped, `;` `#` `:` replaced. */
export function mermaidLabel(t: Pick<TransitionDescription, 'event' | 'guard'>): string {
  const text = `${t.event === '' ? 'always' : t.event}${t.guard ? ` [${t.guard}]` : ''}`;
  return text
    .replace(/[{}"]/g, '')
    .replace(/;/g, ',')
    .replace(/#/g, 'no.')
    .replace(/:/g, '=')
    .replace(/\s+/g, ' ');
}

/** The `<id>.mmd` text. */
export function renderMermaid(description: MachineDescription, sources: readonly string[]): string {
  const ids = mermaidIds(description);
  const byId = new Map(description.states.map((s) => [s.id, s]));
  const children = (parent: string | undefined) => description.states.filter((s) => s.parent === parent);
  const ancestors = (id: string): string[] => {
    const chain: string[] = [];
    for (let s = byId.get(id); s?.parent !== undefined; s = byId.get(s.parent)) chain.push(s.parent);
    return chain;
  };
  // The composite block a transition is drawn in: the innermost non-parallel state containing source and
  // targets (a parallel block only holds its regions, so its transitions go one level up).
  const blockOf = (t: TransitionDescription): string | undefined => {
    const ends = [t.source, ...t.targets].filter((id) => id !== '');
    if (ends.length === 0 || t.source === '') return undefined;
    let candidates = ancestors(ends[0]!);
    for (const end of ends.slice(1)) {
      const other = new Set(ancestors(end));
      candidates = candidates.filter((c) => other.has(c));
    }
    return candidates.find((c) => byId.get(c)?.type !== 'parallel');
  };
  const transitionsIn = new Map<string | undefined, TransitionDescription[]>();
  for (const t of description.transitions) {
    const block = blockOf(t);
    transitionsIn.set(block, [...(transitionsIn.get(block) ?? []), t]);
  }
  const edge = (t: TransitionDescription, pad: string): string[] => {
    const from = t.source === '' ? undefined : ids.get(t.source);
    const targets = t.targets.length > 0 ? t.targets : [t.source];
    return targets.flatMap((target) => {
      const to = ids.get(target);
      // A root transition has no state to start from; it is listed as a note instead of drawn.
      return from && to ? [`${pad}${from} --> ${to} : ${mermaidLabel(t)}`] : [];
    });
  };
  const block = (parent: StateDescription | undefined, depth: number): string[] => {
    const pad = '  '.repeat(depth);
    const lines: string[] = [];
    const kids = children(parent?.id);
    const initial = parent ? parent.initial : description.initial;
    if (parent?.type !== 'parallel' && initial) lines.push(`${pad}[*] --> ${ids.get(initial)}`);
    kids.forEach((kid, index) => {
      if (parent?.type === 'parallel' && index > 0) lines.push(`${pad}--`);
      lines.push(...stateLines(kid, depth));
    });
    for (const t of transitionsIn.get(parent?.id) ?? []) lines.push(...edge(t, pad));
    for (const kid of kids) if (kid.type === 'final') lines.push(`${pad}${ids.get(kid.id)} --> [*]`);
    return lines;
  };
  const stateLines = (state: StateDescription, depth: number): string[] => {
    const pad = '  '.repeat(depth);
    const id = ids.get(state.id)!;
    if (children(state.id).length === 0) {
      return id === state.key ? [`${pad}${id}`] : [`${pad}state "${state.key}" as ${id}`];
    }
    return [`${pad}state ${id} {`, ...block(state, depth + 1), `${pad}}`];
  };
  const lines = ['stateDiagram-v2', ...block(undefined, 1)];
  const rootTransitions = description.transitions.filter((t) => t.source === '');
  if (rootTransitions.length > 0) {
    // Mermaid has no arrow from "any state": the machine's own transitions are listed as comments.
    lines.push('  %% handled by the machine in every state:');
    for (const t of rootTransitions) {
      lines.push(
        `  %%   ${mermaidLabel(t)} → ${t.targets.map((id) => ids.get(id) ?? id).join(', ') || '(stays)'}`,
      );
    }
  }
  return `${lineCommentBanner(sources, '%%')}${lines.join('\n')}\n`;
}
