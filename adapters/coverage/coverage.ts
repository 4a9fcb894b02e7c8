/**
 * The spec-coverage report as a pure function: for every clause, its strength, the machine elements and
 * pure functions that implement it, the passing tests that name it (via `verifies()` titles), and a
 * status; for every machine, the transitions the model paths take. Orphans — a MUST clause neither
 * verified nor not applicable, a transition no path takes — fail the report unless the ledger lists
 * them with a reason. The rendering is deterministic (sorted keys and lists, no times, no durations).
 *
 * @module
 */
import type { Strength } from '../../machines/clauses.js';
import type { MachineDescription } from '../../machines/describe.js';
import { clausesInTitle } from '../../property-tests/verifies.js';

/** What a clause's coverage amounts to. */
export type ClauseStatus = 'verified' | 'implemented-untested' | 'not-applicable' | 'missing';

/** Every status, in report order. */
export const STATUSES: readonly ClauseStatus[] = Object.freeze([
  'verified',
  'implemented-untested',
  'not-applicable',
  'missing',
]);

/** One machine as the report needs it. */
export interface MachineInput {
  readonly id: string;
  readonly description: MachineDescription;
  /** Stable key of every row by `order` (see `transitionKeys` in property-tests/paths.ts). */
  readonly keys: ReadonlyMap<number, string>;
  /** Model paths of the machine; absent when it has no model spec (then nothing is taken). */
  readonly paths?: { readonly count: number; readonly taken: readonly number[] };
}

/** One test result (from vitest's JSON reporter). */
export interface TestInput {
  /** The full title (describe blocks and the test title, space-joined). */
  readonly title: string;
  readonly status: string;
}

/** Everything the report is computed from. */
export interface CoverageInputs {
  readonly clauses: readonly { readonly id: string; readonly strength: Strength }[];
  readonly machines: readonly MachineInput[];
  /** Pure function (qualified name, e.g. `dlota.parseDescriptor`) → clause ids it implements. */
  readonly functions: Readonly<Record<string, readonly string[]>>;
  /** Clause id → why no element of ours implements it. */
  readonly notApplicable: Readonly<Record<string, string>>;
  readonly tests: readonly TestInput[];
  readonly ledger: {
    readonly clauses: Readonly<Record<string, string | undefined>>;
    readonly transitions: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
}

/** One clause row of the report. */
export interface ClauseCoverage {
  readonly id: string;
  readonly strength: Strength;
  readonly status: ClauseStatus;
  /** `machine: source EVENT [guard] → targets` and `machine: state id`, sorted. */
  readonly elements: readonly string[];
  /** Qualified pure function names, sorted. */
  readonly functions: readonly string[];
  /** Full titles of the passing tests naming the clause, sorted. */
  readonly tests: readonly string[];
  readonly notApplicable?: string;
  /** The ledger's reason, when the ledger excuses the clause. */
  readonly ledger?: string;
}

/** One machine row of the report. */
export interface MachineCoverage {
  readonly id: string;
  readonly paths: number;
  readonly transitions: number;
  readonly taken: number;
  /** Keys of the transitions no path takes, sorted, each with the ledger's reason when there is one. */
  readonly untaken: readonly { readonly key: string; readonly ledger?: string }[];
}

/** The whole report. */
export interface CoverageReport {
  readonly clauses: readonly ClauseCoverage[];
  readonly machines: readonly MachineCoverage[];
  /** Clauses per status. */
  readonly counts: Readonly<Record<ClauseStatus, number>>;
  /** MUST clauses per status. */
  readonly mustCounts: Readonly<Record<ClauseStatus, number>>;
  /** What fails the report: MUST clauses neither verified nor not applicable, untaken transitions; ledgered ones excluded. */
  readonly orphans: { readonly clauses: readonly string[]; readonly transitions: readonly string[] };
  /**
   * Ledger entries that excuse nothing any more (verified clause, taken or unknown transition), and
   * not-applicable entries whose clause a passing test now verifies.
   */
  readonly staleLedger: readonly string[];
  readonly ok: boolean;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = (values: Iterable<string>) => [...new Set(values)].sort(byText);

function describeRow(machine: MachineInput, order: number): string {
  const row = machine.description.transitions.find((t) => t.order === order)!;
  const targets = row.targets.length > 0 ? ` → ${row.targets.join(', ')}` : '';
  return `${machine.id}: ${machine.keys.get(order)}${targets}`;
}

/** Computes the report from its inputs (pure; the order of the inputs does not change the result). */
export function buildCoverage(inputs: CoverageInputs): CoverageReport {
  const elements = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, id: string, value: string) => {
    map.set(id, [...(map.get(id) ?? []), value]);
  };
  for (const machine of inputs.machines) {
    for (const row of machine.description.transitions) {
      for (const id of row.clauses) add(elements, id, describeRow(machine, row.order));
    }
    for (const state of machine.description.states) {
      for (const id of state.clauses) add(elements, id, `${machine.id}: state ${state.id}`);
    }
  }
  const functions = new Map<string, string[]>();
  for (const [name, ids] of Object.entries(inputs.functions)) for (const id of ids) add(functions, id, name);
  const tests = new Map<string, string[]>();
  for (const test of inputs.tests) {
    if (test.status !== 'passed') continue;
    for (const id of clausesInTitle(test.title)) add(tests, id, test.title);
  }

  const staleLedger: string[] = [];
  const orphanClauses: string[] = [];
  const known = new Set(inputs.clauses.map((c) => c.id));
  const clauses = inputs.clauses.map((clause): ClauseCoverage => {
    const row = {
      elements: sorted(elements.get(clause.id) ?? []),
      functions: sorted(functions.get(clause.id) ?? []),
      tests: sorted(tests.get(clause.id) ?? []),
    };
    const notApplicable = inputs.notApplicable[clause.id];
    const ledger = inputs.ledger.clauses[clause.id];
    const status: ClauseStatus =
      row.tests.length > 0
        ? 'verified'
        : notApplicable !== undefined
          ? 'not-applicable'
          : row.elements.length + row.functions.length > 0
            ? 'implemented-untested'
            : 'missing';
    const failing = clause.strength === 'MUST' && (status === 'implemented-untested' || status === 'missing');
    if (failing && ledger === undefined) orphanClauses.push(clause.id);
    if (ledger !== undefined && !failing) staleLedger.push(`clause ${clause.id}: ${status}`);
    if (notApplicable !== undefined && status === 'verified') {
      staleLedger.push(`not-applicable ${clause.id}: verified by ${row.tests.length} test(s)`);
    }
    return {
      id: clause.id,
      strength: clause.strength,
      status,
      ...row,
      ...(notApplicable === undefined ? {} : { notApplicable }),
      ...(ledger === undefined ? {} : { ledger }),
    };
  });
  for (const id of Object.keys(inputs.ledger.clauses)) {
    if (!known.has(id)) staleLedger.push(`clause ${id}: not in the registry`);
  }

  const orphanTransitions: string[] = [];
  const machines = [...inputs.machines]
    .sort((a, b) => byText(a.id, b.id))
    .map((machine): MachineCoverage => {
      const taken = new Set(machine.paths?.taken ?? []);
      const ledger = inputs.ledger.transitions[machine.id] ?? {};
      const keys = new Set(machine.keys.values());
      const untaken = machine.description.transitions
        .filter((t) => !taken.has(t.order))
        .map((t) => machine.keys.get(t.order)!)
        .sort(byText)
        .map((key) => {
          const reason = ledger[key];
          if (reason === undefined) orphanTransitions.push(`${machine.id}: ${key}`);
          return reason === undefined ? { key } : { key, ledger: reason };
        });
      const untakenKeys = new Set(untaken.map((u) => u.key));
      for (const key of Object.keys(ledger)) {
        if (!keys.has(key)) staleLedger.push(`transition ${machine.id}: ${key}: not in the chart`);
        else if (!untakenKeys.has(key)) staleLedger.push(`transition ${machine.id}: ${key}: taken`);
      }
      return {
        id: machine.id,
        paths: machine.paths?.count ?? 0,
        transitions: machine.description.transitions.length,
        taken: machine.description.transitions.filter((t) => taken.has(t.order)).length,
        untaken,
      };
    });
  const registered = new Set(inputs.machines.map((m) => m.id));
  for (const id of Object.keys(inputs.ledger.transitions)) {
    if (!registered.has(id)) staleLedger.push(`machine ${id}: not registered`);
  }

  const count = (rows: readonly ClauseCoverage[]) =>
    Object.fromEntries(STATUSES.map((s) => [s, rows.filter((r) => r.status === s).length])) as Record<
      ClauseStatus,
      number
    >;
  const orphans = { clauses: orphanClauses, transitions: orphanTransitions.sort(byText) };
  return {
    clauses,
    machines,
    counts: count(clauses),
    mustCounts: count(clauses.filter((c) => c.strength === 'MUST')),
    orphans,
    staleLedger: staleLedger.sort(byText),
    ok: orphans.clauses.length === 0 && orphans.transitions.length === 0,
  };
}

/** The command that writes `generated/coverage.json`. */
export const COVERAGE_COMMAND = 'npm run coverage:spec';

/** The `$generated` banner of `generated/coverage.json`. */
export function coverageBanner(sources: readonly string[]): string {
  return `Generated by \`${COVERAGE_COMMAND}\` from the machines and the last test results; do not edit: change the source and run \`npm test\`. Source: ${sources.join(', ')}`;
}

/** JSON with every object's keys sorted, two-space indented, one trailing newline. */
export function stableJson(value: unknown): string {
  const order = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(order);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort(byText)
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, order((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(order(value), null, 2)}\n`;
}

/** The report as `generated/coverage.json` text (deterministic). */
export function renderCoverageJson(report: CoverageReport, sources: readonly string[]): string {
  return stableJson({ $generated: coverageBanner(sources), ...report });
}

/** The report as the lines printed by `npm run coverage:spec`. */
export function formatCoverage(report: CoverageReport): string {
  const lines: string[] = [];
  const counts = (c: Record<ClauseStatus, number>) => STATUSES.map((s) => `${c[s]} ${s}`).join(', ');
  lines.push(`spec coverage: ${report.clauses.length} clauses: ${counts(report.counts)}`);
  lines.push(`  MUST: ${counts(report.mustCounts)}`);
  for (const m of report.machines) {
    lines.push(`  machine ${m.id}: ${m.taken}/${m.transitions} transitions taken by ${m.paths} model paths`);
    for (const u of m.untaken) lines.push(`    untaken: ${u.key}${u.ledger ? ` (ledger: ${u.ledger})` : ''}`);
  }
  const excused = report.clauses.filter((c) => c.ledger !== undefined);
  for (const c of excused) lines.push(`  ledger: ${c.id} ${c.status}: ${c.ledger}`);
  for (const s of report.staleLedger) lines.push(`  stale ledger entry: ${s}`);
  for (const id of report.orphans.clauses) {
    const c = report.clauses.find((x) => x.id === id)!;
    lines.push(`  ORPHAN clause ${id} (${c.strength}, ${c.status}): no passing test names it`);
  }
  for (const t of report.orphans.transitions) lines.push(`  ORPHAN transition ${t}: no model path takes it`);
  lines.push(
    report.ok
      ? 'spec coverage: ok'
      : 'spec coverage: FAILED (orphans above; fix or add to property-tests/ledger.ts)',
  );
  return `${lines.join('\n')}\n`;
}
