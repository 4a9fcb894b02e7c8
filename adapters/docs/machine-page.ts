/**
 * The spec page of one machine: its diagram (inline SVG), its states and transitions in reading order with
 * their clause ids, each clause's statement and seed, and the editor's notes that apply to it.
 *
 * @module
 */
import { type Clause, type ClauseId, clause, isClauseId } from '../../machines/clauses.js';
import type { MachineDescription, TransitionDescription } from '../../machines/describe.js';
import { sourceLabel } from '../../machines/sources.js';
import type { CoverageReport } from './coverage.js';
import { DECISIONS, specOfMachine } from './decisions.js';
import type { RenderedDiagram } from './diagram.js';
import { cell, clauseAnchor, code, frontMatter, plain, table } from './markdown.js';

/** The registry facts a page needs about a machine (a subset of `MachineEntry`). */
export interface PageMachine {
  readonly id: string;
  readonly name: string;
  readonly file: string;
}

/** Everything {@link machinePage} renders. */
export interface MachinePageInput {
  readonly machine: PageMachine;
  readonly description: MachineDescription;
  readonly diagram: RenderedDiagram;
  /** The coverage report, when it has been generated. */
  readonly coverage?: CoverageReport;
  /** The full generated Mermaid text (`generated/<id>.mmd`), shown folded under the diagram. */
  readonly mermaidSource?: string;
}

/** The file name of a machine's spec page in the generated sources (`spec-dlota.md`). */
export function machinePageFile(machineId: string): string {
  return `spec-${machineId}.md`;
}

/** The file name of a machine's standalone diagram, written beside its page and linked from it. */
export function machineDiagramFile(machineId: string): string {
  return `spec-${machineId}.svg`;
}

/** The page title of a machine's spec page. */
export function machinePageTitle(machine: PageMachine): string {
  return `Spec: ${machine.name}`;
}

/** Every clause id the machine's states and transitions carry, in order of first appearance. */
export function machineClauses(description: MachineDescription): ClauseId[] {
  const ids: ClauseId[] = [];
  const add = (list: readonly ClauseId[]): void => {
    for (const id of list) if (!ids.includes(id)) ids.push(id);
  };
  for (const s of description.states) add(s.clauses);
  for (const t of description.transitions) add(t.clauses);
  return ids;
}

/** The number a transition has on its machine's page (1-based, reading order). */
export function transitionNumber(t: TransitionDescription): number {
  return t.order + 1;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clauseLinks(ids: readonly ClauseId[]): string {
  return ids.map((id) => `[${id}](#${clauseAnchor(id)})`).join(' ');
}

function eventCell(t: TransitionDescription): string {
  const event = t.event === '' ? '*always*' : code(t.event);
  return t.guard
    ? `${event}<br><code class="dl-guard">[${escapeHtml(t.guard).replace(/\|/g, '&#124;')}]</code>`
    : event;
}

function statesTable(description: MachineDescription): string {
  const rows = description.states.map((s) => {
    const depth = s.id.split('.').length - 1;
    const name = `${'&nbsp;&nbsp;&nbsp;&nbsp;'.repeat(depth)}${code(s.id)}`;
    const type = s.id === description.initial || (s.parent && s.id === initialOf(description, s.parent));
    const kind = `${s.type}${type ? ' · initial' : ''}`;
    const entry = s.entry.length > 0 ? s.entry.map(code).join(' ') : '';
    return [name, kind, cell(s.description ?? ''), entry, clauseLinks(s.clauses)];
  });
  return table(['state', 'kind', 'description', 'entry requests', 'clauses'], rows);
}

function initialOf(description: MachineDescription, parent: string): string | undefined {
  return description.states.find((s) => s.id === parent)?.initial;
}

function transitionsTable(description: MachineDescription): string {
  const rows = description.transitions.map((t) => [
    String(transitionNumber(t)),
    code(t.source),
    eventCell(t),
    t.targets.length > 0 ? t.targets.map(code).join(', ') : '*(stays)*',
    t.actions.map(code).join(' '),
    clauseLinks(t.clauses),
    cell(t.description ?? ''),
  ]);
  return table(['#', 'from', 'event [guard]', 'to', 'actions', 'clauses', 'description'], rows);
}

function clauseSection(c: Clause, description: MachineDescription, coverage?: CoverageReport): string {
  const where = [
    ...description.states.filter((s) => s.clauses.includes(c.id)).map((s) => `state ${code(s.id)}`),
    ...description.transitions
      .filter((t) => t.clauses.includes(c.id))
      .map(
        (t) => `#${transitionNumber(t)} ${code(t.source)} → ${t.targets.map(code).join(', ') || '*(stays)*'}`,
      ),
  ];
  const row = coverage?.clauses.get(c.id);
  const lines = [
    `### ${c.id}`,
    '',
    `**${c.strength}** · ${c.sides.join(', ')} · source: ${sourceLabel(c)}`,
    '',
    `> ${c.statement.replace(/\r?\n/g, ' ')}`,
    '',
    `Implemented here by: ${where.join('; ')}.`,
  ];
  if (row) {
    lines.push(
      '',
      `Coverage: **${row.status}**${row.tests.length > 0 ? ` — ${row.tests.length} verifying test(s)` : ''}${row.reason ? ` — ${plain(row.reason)}` : ''}.`,
    );
  }
  if (c.note) lines.push('', `**Editor's note.** ${c.note.replace(/\r?\n/g, ' ')}`);
  lines.push('', 'Its tests and status: [clause matrix](./clause-matrix.md).');
  return lines.join('\n');
}

function notesSection(machineId: string, ids: readonly ClauseId[]): string {
  const spec = specOfMachine(machineId);
  const items = [
    ...ids.map(clause).flatMap((c) => (c.note ? [`- **${c.id}** — ${c.note.replace(/\r?\n/g, ' ')}`] : [])),
    ...DECISIONS.filter((d) => d.spec === spec).map(
      (d) => `- **${d.title}**${d.clauses.length > 0 ? ` (${d.clauses.join(', ')})` : ''} — ${d.text}`,
    ),
  ];
  return items.length > 0 ? items.join('\n') : '*No editor’s notes for this machine.*';
}

function coverageLine(machineId: string, coverage?: CoverageReport): string {
  if (!coverage)
    return 'Transition coverage: *coverage report not generated yet* (`generated/coverage.json`).';
  const m = coverage.machines.get(machineId);
  if (!m) return 'Transition coverage: *not in the coverage report*.';
  const uncovered = m.uncovered.length > 0 ? ` Not taken: ${m.uncovered.map(plain).join('; ')}.` : '';
  return `Transition coverage by the model-based paths: **${m.covered} / ${m.total}**.${uncovered}`;
}

/** The Markdown of a machine's spec page. */
export function machinePage(input: MachinePageInput): string {
  const { machine, description, diagram, coverage } = input;
  const ids = machineClauses(description).filter(isClauseId);
  const caption =
    diagram.renderer === 'fallback'
      ? `*The layout engine failed (${plain(diagram.error ?? 'unknown error')}); this plain drawing lists every state and transition.*`
      : '*One arrow per pair of states, labelled with its events; guards, actions and transitions a compound state declares to its own children are in the tables below.*';
  const parts = [
    frontMatter({ title: machinePageTitle(machine), group: 'Spec' }),
    `# ${machine.name}`,
    '',
    `Machine ${code(machine.id)} (xstate id ${code(description.id)}), authored in ${code(machine.file)}: ${description.states.length} states, ${description.transitions.length} transitions, ${ids.length} clauses. ${coverageLine(machine.id, coverage)}`,
    '',
    '## Diagram',
    '',
    `<div class="dl-diagram" data-machine="${machine.id}" data-renderer="${diagram.renderer}">`,
    diagram.svg,
    '</div>',
    '',
    `${caption} [Open the diagram full size](./${machineDiagramFile(machine.id)}).`,
  ];
  if (input.mermaidSource) {
    parts.push(
      '',
      `<details><summary>Full Mermaid source (<code>generated/${machine.id}.mmd</code>, with guards)</summary>`,
      '',
      '```text',
      input.mermaidSource.trimEnd(),
      '```',
      '',
      '</details>',
    );
  }
  parts.push(
    '',
    '## States',
    '',
    `In reading order (document order of the chart); the initial state is ${code(description.initial)}.`,
    '',
    statesTable(description),
    '',
    '## Transitions',
    '',
    'In reading order: states in document order, each state’s `on` transitions in order, then its eventless (`always`) ones. Guarded alternatives of one event are separate rows, tried top to bottom.',
    '',
    transitionsTable(description),
    '',
    '## Clauses',
    '',
    ids.length > 0
      ? ids.map((id) => clauseSection(clause(id), description, coverage)).join('\n\n')
      : '*No transition of this machine names a clause yet.*',
    '',
    '## Editor’s notes',
    '',
    notesSection(machine.id, ids),
    '',
  );
  return parts.join('\n');
}
