/**
 * The clause matrix page: every clause of the registry → the machine transitions and functions implementing
 * it → the tests verifying it → its status from the coverage report, with not-applicable and uncovered
 * clauses listed again, with their reason, so none is silently dropped. The editor's-notes page collects every
 * decision in one place.
 *
 * @module
 */
import { CLAUSES, type Clause, SIDES } from '../../machines/clauses.js';
import type { MachineDescription } from '../../machines/describe.js';
import { clauseSource, sourceLabel } from '../../machines/sources.js';
import type { ClauseCoverage, CoverageReport } from './coverage.js';
import { DECISIONS } from './decisions.js';
import { machinePageFile, type PageMachine, transitionNumber } from './machine-page.js';
import { clauseAnchor, frontMatter, plain, table } from './markdown.js';

/** A machine with its description, as the matrix needs it. */
export interface MatrixMachine {
  readonly machine: PageMachine;
  readonly description: MachineDescription;
}

const STATUS_TEXT: Readonly<Record<ClauseCoverage['status'], string>> = {
  verified: 'verified',
  'implemented-untested': '**implemented, untested**',
  'not-applicable': '*not applicable*',
  missing: '**missing**',
  unknown: '*unknown status*',
};

/** HTML-escapes text for element content or a double-quoted attribute. */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Registry Markdown (statements, notes: only `code` spans) as HTML. */
function inlineHtml(markdown: string): string {
  return html(markdown.replace(/\r?\n/g, ' ')).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Where the docs' own walk of the machines finds a clause: one item per state or transition. */
function chartElements(c: Clause, machines: readonly MatrixMachine[]): { machine: string; html: string }[] {
  return machines.flatMap(({ machine, description }) => [
    ...description.states
      .filter((s) => s.clauses.includes(c.id))
      .map((s) => ({ machine: machine.id, html: `${html(machine.id)}: state <code>${html(s.id)}</code>` })),
    ...description.transitions
      .filter((t) => t.clauses.includes(c.id))
      .map((t) => ({
        machine: machine.id,
        html: `${html(machine.id)} #${transitionNumber(t)} <code>${html(t.source || '(root)')}</code> —${t.event === '' ? 'always' : `<code>${html(t.event)}</code>`}→ ${t.targets.map((x) => `<code>${html(x)}</code>`).join(', ') || '<em>(stays)</em>'}`,
      })),
  ]);
}

const STATUS_LABEL: Readonly<Record<ClauseCoverage['status'], string>> = {
  verified: 'verified',
  'implemented-untested': 'untested',
  'not-applicable': 'n/a',
  missing: 'missing',
  unknown: 'unknown',
};

/** One compact row per clause; everything long is inside the row's `<details>`. */
function matrixRow(c: Clause, machines: readonly MatrixMachine[], coverage?: CoverageReport): string {
  const row = coverage?.clauses.get(c.id);
  const status = row?.status ?? 'unknown';
  const elements = chartElements(c, machines);
  const perMachine = [...new Set(elements.map((e) => e.machine))]
    .map((m) => `${html(m)}&nbsp;${elements.filter((e) => e.machine === m).length}`)
    .join('<br>');
  const functions = row?.functions ?? [];
  const tests = row?.tests ?? [];
  const source = clauseSource(c);
  const list = (items: readonly string[]) =>
    items.length > 0 ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '<p>—</p>';
  const details = [
    `<blockquote>${inlineHtml(c.statement)}</blockquote>`,
    `<p><strong>Source:</strong> ${html(sourceLabel(c))}.</p>`,
    row?.reason ? `<p><strong>Status:</strong> ${html(status)} — ${html(row.reason)}</p>` : '',
    c.note ? `<p><strong>Editor’s note.</strong> ${inlineHtml(c.note)}</p>` : '',
    `<p><strong>Implemented by</strong> (${elements.length} machine elements, ${functions.length} functions):</p>`,
    list([...elements.map((e) => e.html), ...functions.map((f) => `fn <code>${html(f)}</code>`)]),
    `<p><strong>Verified by</strong> ${tests.length} test(s):</p>`,
    `<div class="dl-tests">${list(tests.map(html))}</div>`,
  ].join('');
  const attrs = [
    ['id', `clause-${clauseAnchor(c.id)}`],
    ['data-status', status],
    ['data-strength', c.strength],
    ['data-side', c.sides.join(' ')],
    ['data-spec', source.spec],
  ]
    .map(([k, v]) => `${k}="${html(v ?? '')}"`)
    .join(' ');
  return [
    `<tr ${attrs}>`,
    `<td class="dl-id">${html(c.id)}</td>`,
    `<td><span class="dl-status dl-status-${html(status)}">${html(STATUS_LABEL[status])}</span></td>`,
    `<td>${html(c.strength)}</td>`,
    `<td>${c.sides.map(html).join('<br>')}</td>`,
    `<td class="dl-source">${html(source.spec)}${source.section ? `<br>${html(source.section)}` : ''}</td>`,
    `<td class="dl-impl">${perMachine || '—'}</td>`,
    `<td class="dl-num">${tests.length}</td>`,
    `<td class="dl-statement"><details><summary>${inlineHtml(c.statement)}</summary>${details}</details></td>`,
    '</tr>',
  ].join('');
}

/** A `<select>` filtering the matrix rows by one `data-*` attribute. */
function filter(name: string, label: string, values: readonly string[]): string {
  const options = [
    '<option value="">all</option>',
    ...values.map((v) => `<option value="${html(v)}">${html(v)}</option>`),
  ];
  return `<label>${html(label)} <select data-filter="${name}">${options.join('')}</select></label>`;
}

/** The clause matrix as one HTML block: filters, then one compact row per clause (see {@link matrixRow}). */
export function matrixTable(machines: readonly MatrixMachine[], coverage?: CoverageReport): string {
  const statuses = [...new Set(CLAUSES.map((c) => coverage?.clauses.get(c.id)?.status ?? 'unknown'))];
  const specs = [...new Set(CLAUSES.map((c) => clauseSource(c).spec))];
  return [
    '<div class="dl-matrix">',
    `<form class="dl-filters">${filter('status', 'status', statuses)}${filter('strength', 'strength', [...new Set(CLAUSES.map((c) => c.strength))])}${filter('side', 'side', SIDES)}${filter('spec', 'spec', specs)}<output class="dl-count">${CLAUSES.length} clauses</output></form>`,
    '<table class="dl-matrix-table"><colgroup><col class="c-id"><col class="c-status"><col class="c-strength"><col class="c-side"><col class="c-source"><col class="c-impl"><col class="c-tests"><col></colgroup>',
    '<thead><tr><th>clause</th><th>status</th><th>strength</th><th>side</th><th>source</th><th>elements</th><th>tests</th><th>statement (click for details)</th></tr></thead>',
    `<tbody>${CLAUSES.map((c) => matrixRow(c, machines, coverage)).join('\n')}</tbody>`,
    '</table>',
    '</div>',
  ].join('\n');
}

function machinesSummary(machines: readonly MatrixMachine[], coverage?: CoverageReport): string {
  const rows = machines.map(({ machine, description }) => {
    const m = coverage?.machines.get(machine.id);
    return [
      `[${plain(machine.name)}](./${machinePageFile(machine.id)})`,
      String(description.transitions.length),
      m ? `${m.covered} / ${m.total}` : '—',
      m && m.uncovered.length > 0 ? `${m.uncovered.length}` : '—',
    ];
  });
  return table(
    ['machine', 'transitions', 'taken by model-based paths', 'not taken (listed on its page)'],
    rows,
  );
}

function attentionList(coverage: CoverageReport): string {
  const rows = CLAUSES.flatMap((c) => {
    const row = coverage.clauses.get(c.id);
    if (row?.status === 'verified') return [];
    const why = row?.reason ? plain(row.reason) : row ? '*no reason given*' : '*absent from the report*';
    return [`- **${c.id}** (${c.strength}) — ${row ? STATUS_TEXT[row.status] : STATUS_TEXT.unknown}: ${why}`];
  });
  return rows.length > 0 ? rows.join('\n') : 'Every clause is verified.';
}

/** The Markdown of the clause matrix page. */
export function matrixPage(machines: readonly MatrixMachine[], coverage?: CoverageReport): string {
  const counts = new Map<string, number>();
  for (const c of CLAUSES) {
    const status = coverage?.clauses.get(c.id)?.status ?? 'unknown';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const summary = coverage
    ? [...counts].map(([status, n]) => `${STATUS_TEXT[status as ClauseCoverage['status']]}: ${n}`).join(' · ')
    : '**The coverage report has not been generated yet** (`generated/coverage.json`, written by the spec-coverage report): the columns for functions, tests and status are empty; the machine elements below come from the charts themselves.';
  return [
    frontMatter({ title: 'Clause matrix', group: 'Spec' }),
    '# Clause matrix',
    '',
    `Every clause of the registry (${CLAUSES.length}), in catalogue order, one row each: its status in the coverage report, strength, side, source, how many machine elements implement it and how many tests verify it (titles carry the clause id, see \`verifies()\`). Click a statement for the details: the statement, its source, the editor’s note, the transitions and functions, the tests. The filters work offline.`,
    '',
    summary,
    '',
    '## The matrix',
    '',
    matrixTable(machines, coverage),
    '',
    '## Machines',
    '',
    machinesSummary(machines, coverage),
    '',
    '## Not verified, not applicable or uncovered',
    '',
    coverage ? attentionList(coverage) : '*Coverage report not generated yet.*',
    '',
  ].join('\n');
}

/** The Markdown of the editor's-notes page: every clause note and every decision, by specification. */
export function notesPage(): string {
  const clauseNotes = CLAUSES.filter((c) => c.note).map(
    (c) =>
      `- **${c.id}** — ${c.note?.replace(/\r?\n/g, ' ')}<br>*Clause:* ${c.statement.replace(/\r?\n/g, ' ')} *Source:* ${sourceLabel(c)}.`,
  );
  const decisions = (spec: 'dlota' | 'oipf'): string =>
    DECISIONS.filter((d) => d.spec === spec)
      .map((d) => `- **${d.title}**${d.clauses.length > 0 ? ` (${d.clauses.join(', ')})` : ''} — ${d.text}`)
      .join('\n');
  return [
    frontMatter({ title: 'Editorial notes', group: 'Spec' }),
    '# Editorial notes',
    '',
    'Where a seed is ambiguous, self-contradictory or silent, we record the decision we implemented. Clause notes come from the registry (`machines/clauses.ts`); the other decisions from `adapters/docs/decisions.ts`.',
    '',
    '## Notes on clauses',
    '',
    clauseNotes.join('\n'),
    '',
    '## Other decisions: OMA DLOTA 2.0',
    '',
    decisions('dlota'),
    '',
    '## Other decisions: OIPF DAE download manager',
    '',
    decisions('oipf'),
    '',
  ].join('\n');
}
