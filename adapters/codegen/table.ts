/**
 * Emits a machine's transition table as JSON: language-neutral rows (source, event, guard, targets,
 * actions, clauses, description) in document order, for implementers in other languages.
 *
 * @module
 */
import type { MachineDescription } from '../../machines/describe.js';
import { bannerText } from './banner.js';

/** The `<id>.transitions.json` text: 2-space indent, trailing newline, every row with the same keys. */
export function renderTransitionTable(description: MachineDescription, sources: readonly string[]): string {
  const table = {
    $generated: bannerText(sources),
    machine: description.id,
    initial: description.initial,
    // `event` is '' for an eventless (`always`) transition; `targets` is empty for a targetless one.
    states: description.states.map((s) => ({
      id: s.id,
      type: s.type,
      parent: s.parent ?? null,
      initial: s.initial ?? null,
      clauses: s.clauses,
      entry: s.entry,
      exit: s.exit,
      description: s.description ?? null,
    })),
    transitions: description.transitions.map((t) => ({
      source: t.source,
      event: t.event,
      guard: t.guard ?? null,
      targets: t.targets,
      actions: t.actions,
      reenter: t.reenter,
      clauses: t.clauses,
      description: t.description ?? null,
    })),
  };
  return `${JSON.stringify(table, null, 2)}\n`;
}
