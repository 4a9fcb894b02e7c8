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
import { stateAnchor, transitionAnchor, viewAnchor } from './elk-diagram.js';
import type { Lifecycle } from './lifecycle.js';
import type { DiagramView } from './views.js';

/** A diagram view and its SVG. */
export interface RenderedView {
  readonly view: DiagramView;
  readonly svg: string;
}

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
  /** The diagram views (overview first) with their SVG, see `views.ts` and `elk-diagram.ts`. */
  readonly views: readonly RenderedView[];
  /** The lifecycle an application observes, projected from the chart (`lifecycle.ts`), with its SVG. */
  readonly lifecycle?: { readonly lifecycle: Lifecycle; readonly svg: string };
  /** The coverage report, when it has been generated. */
  readonly coverage?: CoverageReport;
  /** The full generated Mermaid text (`generated/<id>.mmd`), shown folded under the diagram. */
  readonly mermaidSource?: string;
}

/** The file name of a machine's spec page in the generated sources (`spec-dlota.md`). */
export function machinePageFile(machineId: string): string {
  return `spec-${machineId}.md`;
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
    const name = `<a id="${stateAnchor(s.id)}"></a>${'&nbsp;&nbsp;&nbsp;&nbsp;'.repeat(depth)}${code(s.id)}`;
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

/** How many distinct tests verify a transition's clauses (the titles are in each clause's section). */
function testsOf(clauses: readonly ClauseId[], coverage?: CoverageReport): string {
  if (!coverage || clauses.length === 0) return '';
  const titles = new Set(clauses.flatMap((id) => coverage.clauses.get(id)?.tests ?? []));
  return String(titles.size);
}

function transitionsTable(description: MachineDescription, coverage?: CoverageReport): string {
  const rows = description.transitions.map((t) => [
    `<a id="${transitionAnchor(t.order)}"></a>${transitionNumber(t)}`,
    code(t.source),
    eventCell(t),
    t.targets.length > 0 ? t.targets.map(code).join(', ') : '*(stays)*',
    t.actions.map(code).join(' '),
    clauseLinks(t.clauses),
    testsOf(t.clauses, coverage),
    cell(t.description ?? ''),
  ]);
  return table(['#', 'from', 'event [guard]', 'to', 'actions', 'clauses', 'tests', 'description'], rows);
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

/** Every view in one HTML block (no blank line), the overview shown, the others hidden until drilled into. */
function diagramBlock(machineId: string, views: readonly RenderedView[]): string {
  const crumbs = (view: DiagramView): string =>
    view.trail
      .map((scope, i) => {
        const name = scope === '' ? machineId : (scope.split('.').at(-1) ?? scope);
        return i === view.trail.length - 1
          ? `<span aria-current="page">${escapeHtml(name)}</span>`
          : `<a href="#${viewAnchor(scope)}">${escapeHtml(name)}</a>`;
      })
      .join(' › ');
  return [
    `<div class="dl-diagram" data-machine="${escapeHtml(machineId)}" data-renderer="elk">`,
    ...views.map(({ view, svg }) =>
      [
        `<section class="dl-view" id="${viewAnchor(view.scope)}" data-scope="${escapeHtml(view.scope)}"${view.scope === '' ? '' : ' hidden'}>`,
        `<nav class="dl-crumbs">${crumbs(view)}${view.scope === '' ? '' : ` · <a href="#${stateAnchor(view.scope)}">its row</a>`}</nav>`,
        `<div class="dl-canvas">${svg.replace(/\n\s*\n/g, '\n')}</div>`,
        '</section>',
      ].join('\n'),
    ),
    '</div>',
  ].join('\n');
}

/** The DAE's Figure 12 as the application observes it, with the reasons of state 8. */
function lifecycleSection(machineId: string, lifecycle: Lifecycle, svg: string): string {
  const reasons = lifecycle.states.flatMap((s) =>
    s.reasons.map(
      (r) =>
        `- state ${s.number}, reason **${r.reason}** — ${code(r.state)}${r.description ? `: ${cell(r.description)}` : ''}`,
    ),
  );
  return [
    '## What an application observes (OIPF DAE §7.4.3, Figure 12)',
    '',
    `The states an application sees through \`onDownloadStateChange(item, state, reason)\` and the changes between them, *projected from this chart* (${code(machineId)}): each box is a number some state's entry action reports (\`notifyStateChanged\`), each arrow a transition that enters such a state; a transition that enters none (e.g. \`pause()\` on a download the OITF paused) is not observed. Click a box for its state row, an event for its transition row.`,
    '',
    '<div class="dl-figure">',
    `<section class="dl-view" id="${viewAnchor('figure-12')}" data-scope="figure-12">`,
    `<div class="dl-canvas">${svg}</div>`,
    '</section>',
    '</div>',
    '',
    reasons.length > 0 ? `Reasons reported with state 8:\n\n${reasons.join('\n')}` : '',
  ].join('\n');
}

/** The Markdown of a machine's spec page. */
export function machinePage(input: MachinePageInput): string {
  const { machine, description, coverage } = input;
  const ids = machineClauses(description).filter(isClauseId);
  const caption =
    '*The overview shows compound states (▸) collapsed: click one for its own diagram, the breadcrumb leads back. Click a state for its row in the states table, an event for its transition row (guard, actions, clauses); dashed boxes are states outside the diagram shown. Drag to pan and use the +/− buttons on a diagram wider than the page.*';
  const parts = [
    frontMatter({ title: machinePageTitle(machine), group: 'Spec' }),
    `# ${machine.name}`,
    '',
    `Machine ${code(machine.id)} (xstate id ${code(description.id)}), authored in ${code(machine.file)}: ${description.states.length} states, ${description.transitions.length} transitions, ${ids.length} clauses. ${coverageLine(machine.id, coverage)}`,
    '',
    '## Diagram',
    '',
    caption,
    '',
    diagramBlock(machine.id, input.views),
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
  if (input.lifecycle)
    parts.push('', lifecycleSection(machine.id, input.lifecycle.lifecycle, input.lifecycle.svg));
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
    transitionsTable(description, coverage),
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
