/**
 * The clause matrix page: every clause of the registry → the machine transitions and functions implementing
 * it → the tests verifying it → its status from the coverage report, with not-applicable and uncovered
 * clauses listed again, with their reason, so none is silently dropped. The editor's-notes page collects every
 * decision in one place.
 *
 * @module
 */
import { CLAUSES, type Clause } from '../../machines/clauses.js';
import type { MachineDescription } from '../../machines/describe.js';
import type { ClauseCoverage, CoverageReport } from './coverage.js';
import { DECISIONS } from './decisions.js';
import { machinePageFile, type PageMachine, seedLabel, transitionNumber } from './machine-page.js';
import { cell, clauseAnchor, code, frontMatter, plain, table } from './markdown.js';

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

/** Where the docs' own walk of the machines finds a clause: links to the transitions on the spec pages. */
function chartElements(c: Clause, machines: readonly MatrixMachine[]): string[] {
  return machines.flatMap(({ machine, description }) => [
    ...description.states
      .filter((s) => s.clauses.includes(c.id))
      .map(
        (s) => `[${machine.id}: state ${code(s.id)}](./${machinePageFile(machine.id)}#${clauseAnchor(c.id)})`,
      ),
    ...description.transitions
      .filter((t) => t.clauses.includes(c.id))
      .map(
        (t) =>
          `[${machine.id} #${transitionNumber(t)}](./${machinePageFile(machine.id)}#${clauseAnchor(c.id)}) ${code(t.source)} —${t.event === '' ? 'always' : code(t.event)}→ ${t.targets.map(code).join(', ') || '*(stays)*'}`,
      ),
  ]);
}

function statusCell(row: ClauseCoverage | undefined, coverage: CoverageReport | undefined): string {
  if (!coverage) return '*no report yet*';
  if (!row) return '*not in the report*';
  return `${STATUS_TEXT[row.status]}${row.reason ? `<br>${plain(row.reason)}` : ''}`;
}

function matrixRow(c: Clause, machines: readonly MatrixMachine[], coverage?: CoverageReport): string[] {
  const row = coverage?.clauses.get(c.id);
  const elements = chartElements(c, machines);
  const functions = row?.functions ?? [];
  return [
    `**${c.id}**`,
    `${c.strength}<br>${c.sides.join(', ')}`,
    cell(c.statement) + (c.note ? ' *(editor’s note below)*' : ''),
    [...elements, ...functions.map((f) => `fn ${plain(f)}`)].join('<br>') || '—',
    row && row.tests.length > 0 ? row.tests.map(plain).join('<br>') : '—',
    statusCell(row, coverage),
  ];
}

function machinesSummary(machines: readonly MatrixMachine[], coverage?: CoverageReport): string {
  const rows = machines.map(({ machine, description }) => {
    const m = coverage?.machines.get(machine.id);
    return [
      `[${plain(machine.name)}](./${machinePageFile(machine.id)})`,
      String(description.transitions.length),
      m ? `${m.covered} / ${m.total}` : '—',
      m && m.uncovered.length > 0 ? m.uncovered.map(plain).join('<br>') : '—',
    ];
  });
  return table(['machine', 'transitions', 'taken by model-based paths', 'not taken'], rows);
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
    `Every clause of the registry (${CLAUSES.length}), in catalogue order: the machine transitions and functions that implement it, the tests that verify it (titles carry the clause id, see \`verifies()\`), and its status in the coverage report.`,
    '',
    summary,
    '',
    '## Machines',
    '',
    machinesSummary(machines, coverage),
    '',
    '## Not verified, not applicable or uncovered',
    '',
    coverage ? attentionList(coverage) : '*Coverage report not generated yet.*',
    '',
    '## The matrix',
    '',
    table(
      ['clause', 'strength / side', 'statement', 'implemented by', 'verified by', 'status'],
      CLAUSES.map((c) => matrixRow(c, machines, coverage)),
    ),
    '',
  ].join('\n');
}

/** The Markdown of the editor's-notes page: every clause note and every decision, by specification. */
export function notesPage(): string {
  const clauseNotes = CLAUSES.filter((c) => c.note).map(
    (c) =>
      `- **${c.id}** — ${c.note?.replace(/\r?\n/g, ' ')}<br>*Clause:* ${c.statement.replace(/\r?\n/g, ' ')} *From* ${seedLabel(c.seed)}.`,
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
