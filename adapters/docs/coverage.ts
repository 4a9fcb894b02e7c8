/**
 * Reads `generated/coverage.json` (written by the spec-coverage report) for the docs, defensively: the
 * report's exact field names may still move, so every field is looked up under its likely names and anything
 * unreadable becomes an empty list instead of a crash. An absent or unparseable report gives `undefined`, and
 * the pages then say "coverage report not generated yet".
 *
 * @module
 */
import { readFile } from 'node:fs/promises';

/** How a clause stands in the coverage report. */
export type CoverageStatus = 'verified' | 'implemented-untested' | 'not-applicable' | 'missing' | 'unknown';

/** One clause's row of the coverage report, normalised. */
export interface ClauseCoverage {
  readonly id: string;
  readonly strength?: string;
  /** Machine elements implementing it, as display text (`dlota: retrieving.paused → retrieving.resuming`). */
  readonly elements: readonly string[];
  /** Functions (guards, logic, adapters) implementing it. */
  readonly functions: readonly string[];
  /** Titles of the tests that verify it. */
  readonly tests: readonly string[];
  readonly status: CoverageStatus;
  /** Why a clause is not applicable or not covered. */
  readonly reason?: string;
}

/** One machine's transition coverage by the model-based paths. */
export interface MachineCoverage {
  readonly machine: string;
  readonly covered: number;
  readonly total: number;
  /** Transitions no path takes, as display text. */
  readonly uncovered: readonly string[];
}

/** The coverage report as the docs use it. */
export interface CoverageReport {
  readonly clauses: ReadonlyMap<string, ClauseCoverage>;
  readonly machines: ReadonlyMap<string, MachineCoverage>;
}

const STATUSES: readonly CoverageStatus[] = ['verified', 'implemented-untested', 'not-applicable', 'missing'];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first present field among `names`. */
function pick(obj: Json, ...names: string[]): unknown {
  for (const name of names) if (obj[name] !== undefined) return obj[name];
  return undefined;
}

/** A display string for a machine element or function given as a string or an object. */
function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (!isObject(value)) return JSON.stringify(value) ?? '';
  const machine = pick(value, 'machine', 'machineId');
  const source = pick(value, 'source', 'from', 'state');
  const targets = pick(value, 'targets', 'target', 'to');
  const event = pick(value, 'event', 'eventType');
  const guard = pick(value, 'guard');
  const name = pick(value, 'name', 'function', 'title', 'id', 'key');
  const why = pick(value, 'ledger', 'reason');
  const file = pick(value, 'file', 'path');
  const parts: string[] = [];
  if (typeof machine === 'string') parts.push(`${machine}:`);
  if (typeof source === 'string') {
    const to = Array.isArray(targets) ? targets.join(', ') : typeof targets === 'string' ? targets : '';
    const on = typeof event === 'string' ? (event === '' ? 'always' : event) : '';
    parts.push(`${source}${on ? ` —${on}→` : ' →'} ${to || '(stays)'}`.trim());
    if (typeof guard === 'string') parts.push(`[${guard}]`);
  } else if (typeof name === 'string') {
    parts.push(name);
    if (typeof file === 'string') parts.push(`(${file})`);
    if (typeof why === 'string') parts.push(`— ${why}`);
  } else {
    parts.push(JSON.stringify(value));
  }
  return parts.join(' ');
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map(display).filter((s) => s.length > 0);
}

function status(value: unknown): CoverageStatus {
  return STATUSES.find((s) => s === value) ?? 'unknown';
}

function clauseRow(id: string, raw: Json): ClauseCoverage {
  const strength = pick(raw, 'strength');
  const reason = pick(raw, 'reason', 'notApplicable', 'ledger', 'why', 'note');
  return {
    id,
    ...(typeof strength === 'string' ? { strength } : {}),
    elements: list(pick(raw, 'elements', 'machineElements', 'transitions', 'implementedBy')),
    functions: list(pick(raw, 'functions', 'functionNames', 'guards')),
    tests: list(pick(raw, 'tests', 'verifiedBy', 'testTitles', 'verifyingTests')),
    status: status(pick(raw, 'status')),
    ...(typeof reason === 'string' && reason.length > 0 ? { reason } : {}),
  };
}

function entries(value: unknown, key: string): Array<[string, Json]> {
  if (Array.isArray(value)) {
    return value.filter(isObject).flatMap((row): Array<[string, Json]> => {
      const id = row[key] ?? row.id;
      return typeof id === 'string' ? [[id, row]] : [];
    });
  }
  if (isObject(value)) {
    return Object.entries(value).flatMap(
      ([id, row]): Array<[string, Json]> => (isObject(row) ? [[id, row]] : []),
    );
  }
  return [];
}

function machineRow(id: string, raw: Json): MachineCoverage | undefined {
  const t = pick(raw, 'transitions');
  const source = isObject(t) ? t : raw;
  const covered = pick(source, 'covered', 'taken');
  const total = pick(source, 'total') ?? (typeof t === 'number' ? t : undefined);
  const count = (v: unknown): number | undefined =>
    typeof v === 'number' ? v : Array.isArray(v) ? v.length : undefined;
  const c = count(covered);
  const n = count(total);
  if (c === undefined || n === undefined) return undefined;
  return {
    machine: id,
    covered: c,
    total: n,
    uncovered: list(pick(source, 'uncovered', 'untaken', 'missing', 'notTaken')),
  };
}

/** Normalises a parsed coverage report; `undefined` when it has no readable clause rows. */
export function normaliseCoverage(json: unknown): CoverageReport | undefined {
  if (!isObject(json)) return undefined;
  const clauses = new Map<string, ClauseCoverage>();
  for (const [id, row] of entries(pick(json, 'clauses', 'clause'), 'id')) clauses.set(id, clauseRow(id, row));
  if (clauses.size === 0) return undefined;
  const machines = new Map<string, MachineCoverage>();
  for (const [id, row] of entries(pick(json, 'machines', 'machine'), 'machine')) {
    const m = machineRow(id, row);
    if (m) machines.set(id, m);
  }
  return { clauses, machines };
}

/** Reads and normalises the report at `file`; `undefined` when it is absent or unreadable. */
export async function readCoverage(file: string): Promise<CoverageReport | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return normaliseCoverage(JSON.parse(text));
  } catch {
    return undefined;
  }
}
