/**
 * The result of a conformance run, as every output (table, JSON, JUnit, HTML) reads it: one list of checks,
 * each with its id, the clauses (or RFC sections) it stands on, its strength, its verdict and the evidence
 * that decided it.
 *
 * Exit codes of `dlstate conform`: 0 every MUST check passed (SHOULD failures are warnings); 1 at least one
 * MUST check failed; 2 usage error; 3 the target could not be tested at all (unreachable, not a descriptor,
 * the kit's own server could not start).
 *
 * @module
 */
import type { Verdict } from '../../machines/dlota/conform.server.js';

/** MUST failures fail the run; SHOULD failures are warnings. */
export type CheckStrength = 'MUST' | 'SHOULD';

/** One check of a conformance run. */
export interface ConformCheck {
  /** Stable id, e.g. `media.etag` or `cut-resume/wire`. */
  readonly id: string;
  readonly title: string;
  /** Clause ids (`DL-PR-3`) and RFC sections (`RFC 9110 §13.2.2`) it stands on. */
  readonly clauses: readonly string[];
  readonly strength: CheckStrength;
  readonly verdict: Verdict;
  /** Why, in one or two sentences. */
  readonly detail: string;
  /** The request and response lines (or recorded requests) that decided it. */
  readonly evidence: readonly string[];
}

/** A whole run. */
export interface ConformReport {
  readonly kind: 'server' | 'agent';
  /** The DD URL (server) or the command (agent). */
  readonly target: string;
  readonly checks: readonly ConformCheck[];
}

/** Exit code: every MUST check passed. */
export const EXIT_CONFORMANT = 0;
/** Exit code: a MUST check failed. */
export const EXIT_NONCONFORMANT = 1;
/** Exit code: the target could not be tested (unreachable, not a DD, kit server failed). */
export const EXIT_UNTESTABLE = 3;

/** Counts per outcome; `warnings` are failed SHOULD checks. */
export interface ConformSummary {
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  readonly skipped: number;
}

/** Counts the checks of a report. */
export function summarize(report: ConformReport): ConformSummary {
  let passed = 0;
  let failed = 0;
  let warnings = 0;
  let skipped = 0;
  for (const c of report.checks) {
    if (c.verdict === 'pass') passed++;
    else if (c.verdict === 'skip') skipped++;
    else if (c.strength === 'MUST') failed++;
    else warnings++;
  }
  return { passed, failed, warnings, skipped };
}

/** 0 iff every MUST check passed. */
export function exitCodeFor(report: ConformReport): number {
  return summarize(report).failed === 0 ? EXIT_CONFORMANT : EXIT_NONCONFORMANT;
}

/** Thrown when the target cannot be tested at all; the CLI prints the message and exits 3. */
export class UntestableError extends Error {
  constructor(
    message: string,
    readonly evidence: readonly string[] = [],
  ) {
    super(message);
    this.name = 'UntestableError';
  }
}
