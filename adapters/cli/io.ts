import { type Stats, statSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
/** Where a CLI command writes: the process streams in production, string buffers in tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stdout is a terminal (tables and progress bars) or a pipe (plain lines). */
  readonly isTTY: boolean;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** Renders rows as an aligned plain-text table with a header line; cells are never truncated. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}

/** Exit code of a usage error: a bad option or argument, or a command that does not apply here. */
export const EXIT_USAGE = 2;

/** Thrown by a command to end with a given exit code after it has printed what it had to say. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = `exit ${exitCode}`,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}

/** An in-memory {@link CliIo} whose output collects in `out` and `err` (for tests and embedding). */
export function bufferIo(isTTY = false): CliIo & { readonly text: { out: string; err: string } } {
  const text = { out: '', err: '' };
  return {
    text,
    isTTY,
    out: (chunk) => {
      text.out += chunk;
    },
    err: (chunk) => {
      text.err += chunk;
    },
  };
}

/** Commander argument parser: an absolute http(s) URL, or a clear error naming what was given. */
export function httpUrlArgument(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not an absolute URL (expected http://… or https://…)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} uses ${url.protocol}; only http: and https: are fetched`,
    );
  }
  return value;
}

/** Commander option parser for `--inspect`: the inspector's `ws://` (or `wss://`) URL, or a usage error. */
export function inspectUrlArgument(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a URL; pass the ws://127.0.0.1:PORT/inspect URL \`dlstate inspect\` prints`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} uses ${url.protocol}; the inspector listens on ws:// (the URL \`dlstate inspect\` prints)`,
    );
  return value;
}

/** Commander argument parser: an existing directory, or a clear error naming the path. */
export function directoryArgument(value: string): string {
  let info: Stats;
  try {
    info = statSync(value);
  } catch {
    throw new InvalidArgumentError(`directory ${JSON.stringify(value)} does not exist`);
  }
  if (!info.isDirectory()) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a directory`);
  return value;
}

/**
 * A commander parser for a whole-number argument or option, at least `min` when given; commander's message
 * already names the option and the value, ours says what was expected.
 */
export function wholeNumberArgument(min?: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || (min !== undefined && n < min))
      throw new InvalidArgumentError(
        `expected a whole number${min === undefined ? '' : ` ≥ ${min}`}, got ${JSON.stringify(value)}`,
      );
    return n;
  };
}

/** The `--numbering` values a user types: the specification's own numbering, or the deployed one. */
export type NumberingChoice = 'dlota2' | 'deployed';

/** `--numbering dlota2|deployed`: which status numbering is reported for a changed media object. */
export function numberingOption(): Option {
  return new Option(
    '--numbering <which>',
    'status code for a media object changed on the server: dlota2 (957, as OMA DLOTA 2.0 numbers it) or deployed (955, as deployed agents report it)',
  )
    .choices(['dlota2', 'deployed'])
    .default('dlota2');
}

/** The agent's numbering for a `--numbering` choice. */
export function agentNumbering(choice: NumberingChoice): 'seed' | 'deployed' {
  return choice === 'deployed' ? 'deployed' : 'seed';
}
