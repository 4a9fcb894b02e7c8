/**
 * Gathers the coverage report's inputs from the repository: the clause registry, the registered
 * machines and their model paths, the clause maps of the pure functions, the not-applicable lists, the
 * ledger, and the test results vitest's JSON reporter wrote.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { CLAUSES } from '../../machines/clauses.js';
import { describeMachine } from '../../machines/describe.js';
import * as dlota from '../../machines/dlota/index.js';
import * as oipf from '../../machines/oipf/index.js';
import { MACHINES } from '../../machines/registry.js';
import { LEDGER, LEDGER_TRANSITIONS } from '../../property-tests/ledger.js';
import { modelPaths, transitionKeys } from '../../property-tests/paths.js';
import type { CoverageInputs, MachineInput, TestInput } from './coverage.js';

/** Where `npm test` (bin/vitest-summary.mjs) has vitest write its JSON results. */
export const DEFAULT_RESULTS = '.cache/vitest-results.json';

/** The repo files the report is computed from (named in the `$generated` banner). */
export const COVERAGE_SOURCES: readonly string[] = Object.freeze([
  'machines/clauses.ts',
  'machines/registry.ts',
  'machines/dlota/trace.ts',
  'machines/oipf/index.ts',
  'property-tests/ledger.ts',
  'property-tests/specs.ts',
  DEFAULT_RESULTS,
]);

type ClauseMap = Readonly<Record<string, readonly string[]>>;
type ReasonMap = Readonly<Record<string, string | undefined>>;

/**
 * A package's `<PREFIX>_FUNCTION_CLAUSES` / `<PREFIX>_NOT_APPLICABLE` exports, read by name so a package
 * that does not export them yet simply contributes nothing.
 */
function traceOf(pkg: object, prefix: string): { functions: ClauseMap; notApplicable: ReasonMap } {
  const exports = pkg as Record<string, unknown>;
  return {
    functions: (exports[`${prefix}_FUNCTION_CLAUSES`] as ClauseMap | undefined) ?? {},
    notApplicable: (exports[`${prefix}_NOT_APPLICABLE`] as ReasonMap | undefined) ?? {},
  };
}

/** Test titles and statuses from a vitest JSON results file. */
export function readTestResults(path: string): TestInput[] {
  const results = JSON.parse(readFileSync(path, 'utf8')) as {
    testResults?: Array<{
      assertionResults?: Array<{
        fullName?: string;
        title?: string;
        ancestorTitles?: string[];
        status?: string;
      }>;
    }>;
  };
  return (results.testResults ?? []).flatMap((file) =>
    (file.assertionResults ?? []).map((test) => ({
      title: test.fullName ?? [...(test.ancestorTitles ?? []), test.title ?? ''].join(' '),
      status: test.status ?? 'unknown',
    })),
  );
}

/** The registered machines with their model paths (computed here, from the same specs the tests run). */
export function machineInputs(): MachineInput[] {
  return MACHINES.map((entry) => {
    const set = modelPaths(entry.id);
    if (
      set !== undefined &&
      set.description.transitions.length !== describeMachine(entry.machine).transitions.length
    ) {
      throw new Error(`${entry.id}: the model spec walks another machine than the registry's`);
    }
    const description = set?.description ?? describeMachine(entry.machine);
    return {
      id: entry.id,
      description,
      keys: transitionKeys(description),
      ...(set === undefined ? {} : { paths: { count: set.paths.length, taken: set.taken } }),
    };
  });
}

/** Every input of the report, read from the repo and from `resultsPath`. */
export function gatherInputs(resultsPath: string = DEFAULT_RESULTS): CoverageInputs {
  const traces = [
    { name: 'dlota', ...traceOf(dlota, 'DLOTA') },
    { name: 'oipf', ...traceOf(oipf, 'OIPF') },
  ];
  const functions: Record<string, readonly string[]> = {};
  const notApplicable: Record<string, string> = {};
  for (const trace of traces) {
    for (const [fn, ids] of Object.entries(trace.functions)) functions[`${trace.name}.${fn}`] = ids;
    for (const [id, reason] of Object.entries(trace.notApplicable)) if (reason) notApplicable[id] = reason;
  }
  return {
    clauses: CLAUSES.map((c) => ({ id: c.id, strength: c.strength })),
    machines: machineInputs(),
    functions,
    notApplicable,
    tests: readTestResults(resultsPath),
    ledger: { clauses: LEDGER, transitions: LEDGER_TRANSITIONS },
  };
}
