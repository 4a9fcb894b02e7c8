/**
 * OMA DLOTA status codes: the one frozen table of codes and the exact text the agent sends in a status
 * report. No other file writes these numbers; everything else names an outcome symbolically
 * (`'mediaObjectUpdated'`) and asks this table for its code under a numbering.
 *
 * @module
 */
import type { ClauseId } from '../clauses.js';

/** A symbolic download outcome; each maps to exactly one status code per numbering. */
export type StatusOutcome =
  | 'success'
  | 'insufficientMemory'
  | 'userCancelled'
  | 'lossOfService'
  | 'attributeMismatch'
  | 'invalidDescriptor'
  | 'invalidDDVersion'
  | 'deviceAborted'
  | 'nonAcceptableContent'
  | 'loaderError'
  | 'mediaObjectUpdated';

/**
 * Which numbering the agent speaks: `seed` numbers "Media Object Updated" 957 as the pause/resume
 * contribution proposes; `deployed` numbers it 955 as Symbian and Samsung FOTA send it.
 * @default 'seed'
 * @see DL-STATUS-957
 */
export type StatusNumbering = 'seed' | 'deployed';

/** The numbering used when none is given. */
export const DEFAULT_NUMBERING: StatusNumbering = 'seed';

/** One row of the status table. */
export interface StatusEntry {
  readonly outcome: StatusOutcome;
  /** The code in the seed numbering. */
  readonly code: number;
  /** The code in the deployed numbering when it differs from {@link StatusEntry.code}. */
  readonly deployedCode?: number;
  /** The text exactly as it goes in a status report after the code and one space. */
  readonly text: string;
  /** Temporary errors (901, 903) keep a resumable range instead of discarding it (DL-INST-11). */
  readonly temporary: boolean;
  /** The clauses that introduce or require this status. */
  readonly clauses: readonly ClauseId[];
}

const ROWS: readonly StatusEntry[] = [
  { outcome: 'success', code: 900, text: 'Success', temporary: false, clauses: ['DL-INST-5'] },
  {
    outcome: 'insufficientMemory',
    code: 901,
    text: 'Insufficient memory',
    temporary: true,
    clauses: ['DL-INST-7', 'DL-STEP-3', 'DL-INST-11'],
  },
  {
    outcome: 'userCancelled',
    code: 902,
    text: 'User Cancelled',
    temporary: false,
    clauses: ['DL-RET-5', 'DL-PR-6', 'DL-INST-6', 'DL-STEP-5'],
  },
  {
    outcome: 'lossOfService',
    code: 903,
    text: 'Loss of Service',
    temporary: true,
    clauses: ['DL-RET-4', 'DL-INST-11'],
  },
  {
    outcome: 'attributeMismatch',
    code: 905,
    text: 'Attribute mismatch',
    temporary: false,
    clauses: ['DL-INST-10'],
  },
  {
    outcome: 'invalidDescriptor',
    code: 906,
    text: 'Invalid descriptor',
    temporary: false,
    clauses: ['DL-DD-2'],
  },
  {
    outcome: 'invalidDDVersion',
    code: 951,
    text: 'Invalid DDVersion',
    temporary: false,
    clauses: ['DL-DD-3'],
  },
  { outcome: 'deviceAborted', code: 952, text: 'Device Aborted', temporary: false, clauses: ['DL-INST-8'] },
  {
    outcome: 'nonAcceptableContent',
    code: 953,
    text: 'Non-Acceptable Content',
    temporary: false,
    clauses: ['DL-INST-9', 'DL-STEP-4'],
  },
  { outcome: 'loaderError', code: 954, text: 'Loader Error', temporary: false, clauses: ['DL-RET-3'] },
  {
    outcome: 'mediaObjectUpdated',
    code: 957,
    deployedCode: 955,
    text: 'Media Object Updated',
    temporary: false,
    clauses: ['DL-STATUS-957', 'DL-PR-10'],
  },
];

/** The status table, frozen, keyed by outcome. */
export const STATUS_TABLE: Readonly<Record<StatusOutcome, StatusEntry>> = Object.freeze(
  Object.fromEntries(
    ROWS.map((row) => [row.outcome, Object.freeze({ ...row, clauses: Object.freeze([...row.clauses]) })]),
  ) as Record<StatusOutcome, StatusEntry>,
);

/** Every outcome, in code order. */
export const STATUS_OUTCOMES: readonly StatusOutcome[] = Object.freeze(ROWS.map((row) => row.outcome));

/** The status code of an outcome under a numbering, e.g. `statusCode('mediaObjectUpdated', 'deployed')` → 955. */
export function statusCode(outcome: StatusOutcome, numbering: StatusNumbering = DEFAULT_NUMBERING): number {
  const entry = STATUS_TABLE[outcome];
  return numbering === 'deployed' ? (entry.deployedCode ?? entry.code) : entry.code;
}

/**
 * The status report body: the code, one space and the text (DL-NOTIFY-1), e.g. `'957 Media Object Updated'`.
 * @see DL-NOTIFY-1
 */
export function statusLine(outcome: StatusOutcome, numbering: StatusNumbering = DEFAULT_NUMBERING): string {
  return `${statusCode(outcome, numbering)} ${STATUS_TABLE[outcome].text}`;
}

/** Whether an outcome is a temporary error (901, 903) that may keep a resumable range (DL-INST-11). */
export function isTemporary(outcome: StatusOutcome): boolean {
  return STATUS_TABLE[outcome].temporary;
}

/** A received status report: its leading code and, when the code is in the table, its outcome. */
export interface ParsedStatusLine {
  readonly code: number;
  readonly outcome?: StatusOutcome;
  /** The rest of the first line after the code, trimmed (implementations differ in case and spacing). */
  readonly text: string;
}

/**
 * Reads a status report body by its leading three digits (implementations differ in capitalisation
 * and line endings); `null` when the body does not start with three digits.
 */
export function parseStatusLine(
  body: string,
  numbering: StatusNumbering = DEFAULT_NUMBERING,
): ParsedStatusLine | null {
  const match = /^\s*(\d{3})(?!\d)[ \t]*([^\r\n]*)/.exec(body);
  if (!match) return null;
  const code = Number(match[1]);
  const outcome = STATUS_OUTCOMES.find((o) => statusCode(o, numbering) === code);
  const text = (match[2] ?? '').trim();
  return outcome === undefined ? { code, text } : { code, outcome, text };
}
