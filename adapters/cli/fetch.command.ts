import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import type { ConfirmationRequest } from '../../machines/dlota/download.types.js';
import type { AgentResult, AgentRun } from '../agent/agent.js';
import type { DescriptorError } from '../agent/descriptor-error.js';
import { EXIT_CODE_HELP, EXIT_FORCED, EXIT_STATE_LOCKED } from '../agent/exit-codes.js';
import type { Observation } from '../agent/observation.js';
import type { AgentOptions } from '../agent/options.js';
import { closingLine, describeObservation, formatBytes } from '../agent/render.js';
import { DirLockedError } from '../storage/dir-lock.js';
import { loadInspect } from './inspect-option.js';
import {
  agentNumbering,
  CliExit,
  type CliIo,
  httpUrlArgument,
  inspectUrlArgument,
  type NumberingChoice,
  numberingOption,
  wholeNumberArgument,
} from './io.js';

/** Options of `dlstate fetch` as commander parses them. */
export interface FetchCliOptions {
  out?: string;
  state?: string;
  yes?: boolean;
  json?: boolean;
  quiet?: boolean;
  numbering: NumberingChoice;
  flushBytes?: number;
  reportAttempts?: number;
  reportRetryMs?: number;
  stallTimeoutMs?: number;
  speedLimit?: number;
  speedTime?: number;
  inspect?: string;
}

/** What a command run may take from the process (signals, a prompt); tests leave them out. */
export interface RunDeps {
  /** Install SIGINT/SIGTERM handlers (first = pause, second SIGINT = exit 130). */
  readonly signals?: boolean;
  /** Asks the user; `undefined` when it cannot. */
  readonly confirm?: (request: ConfirmationRequest) => Promise<boolean | undefined>;
}

/** Resolves the directories: `--out` (default cwd) and `--state` (default `<out>/.dlstate`). */
export function resolveDirs(opts: { out?: string; state?: string }): { outDir: string; stateDir: string } {
  const outDir = path.resolve(opts.out ?? '.');
  return { outDir, stateDir: path.resolve(opts.state ?? path.join(outDir, '.dlstate')) };
}

/** The confirmation question in the descriptor's own words: its name, vendor, size, types and description. */
export function confirmationQuestion(request: ConfirmationRequest): string {
  const objects = `${request.objectCount} object${request.objectCount === 1 ? '' : 's'}`;
  const what = request.name ? `"${request.name}"` : objects;
  const facts = [
    ...(request.name ? [objects] : []),
    formatBytes(request.size),
    ...(request.types.length > 0 ? [request.types.join(', ')] : []),
  ].join(', ');
  const from = request.vendor ? ` from ${request.vendor}` : '';
  const description = request.description ? ` — ${request.description}` : '';
  return `Download ${what}${from} (${facts})${description}? [y/N] `;
}

/** Streams and exit of a terminal prompt; tests pass their own. */
export interface PromptIo {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Ends the process (Ctrl-C at the prompt). @default process.exit */
  readonly exit: (code: number) => void;
}

/**
 * A y/N prompt on the terminal (stderr), or undefined when stdin or stderr is not a terminal. Ctrl-C at the
 * prompt ends the process with 130 before anything is downloaded or reported.
 */
export async function terminalConfirm(
  request: ConfirmationRequest,
  prompt: PromptIo = { input: process.stdin, output: process.stderr, exit: (code) => process.exit(code) },
): Promise<boolean | undefined> {
  if (!prompt.input.isTTY || !prompt.output.isTTY) return undefined;
  const rl = createInterface({ input: prompt.input, output: prompt.output, terminal: true });
  rl.once('SIGINT', () => {
    rl.close();
    prompt.output.write('\ndlstate: cancelled at the prompt; nothing was downloaded or reported\n');
    prompt.exit(EXIT_FORCED);
  });
  try {
    const answer = await rl.question(confirmationQuestion(request));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The ETA of `remaining` bytes at `rate` B/s: `12s`, `3m04s`, `1h02m`; `…` while no rate is known. */
export function etaText(remaining: number, rate: number): string {
  if (!(rate > 0) || !Number.isFinite(remaining / rate)) return '…';
  const s = Math.ceil(remaining / rate);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Turns observations into output: JSON lines, or a progress bar (on `barStream` when it and stdout are
 * terminals) and narrative lines. A bar is stopped — its line ended — before any other line is printed and
 * on `interrupt()`, after which no bar is drawn again; 100 % is drawn once, by the bar that reached it.
 */
export function presenter(
  io: CliIo,
  opts: { json?: boolean; quiet?: boolean },
  barStream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
) {
  let bar: SingleBar | undefined;
  let lastQuarter = -1;
  let interrupted = false;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  const observe = (o: Observation) => {
    if (opts.json) return io.out(`${JSON.stringify(o)}\n`);
    if (opts.quiet) return;
    if (o.event === 'progress') {
      if (io.isTTY && barStream.isTTY) {
        if (interrupted || (!bar && o.received >= o.total)) return;
        const rate = rateOf(o.received);
        const values = {
          got: formatBytes(o.received),
          size: formatBytes(o.total),
          rate: rate > 0 ? `${formatBytes(rate)}/s` : '…',
          eta: etaText(o.total - o.received, rate),
        };
        if (!bar) {
          bar = new SingleBar({
            format: ' {bar} {percentage}% | {got} of {size} | {rate} | ETA {eta}',
            stream: barStream,
            hideCursor: true,
          });
          bar.start(o.total, o.received, values);
        }
        bar.update(o.received, values);
        if (o.received >= o.total) stopBar();
        return;
      }
      // Not a terminal: a line per quarter.
      const quarter = o.total > 0 ? Math.floor((o.received / o.total) * 4) : 4;
      if (quarter !== lastQuarter) {
        lastQuarter = quarter;
        io.out(
          `  ${formatBytes(o.received)} of ${formatBytes(o.total)} (${Math.floor((o.received / Math.max(1, o.total)) * 100)}%)\n`,
        );
      }
      return;
    }
    const line = describeObservation(o);
    if (line === undefined || line === '') return;
    stopBar();
    if (o.event === 'request' || o.event === 'response') lastQuarter = -1;
    io.out(`${line}\n`);
  };
  const rates: { t: number; b: number }[] = [];
  function rateOf(bytes: number): number {
    const now = Date.now();
    rates.push({ t: now, b: bytes });
    while (rates.length > 2 && now - (rates[0]?.t ?? now) > 3000) rates.shift();
    const first = rates[0];
    if (!first || now === first.t || bytes < first.b) return 0;
    return ((bytes - first.b) * 1000) / (now - first.t);
  }
  /** Ends the bar's line for good (Ctrl-C): what follows is printed on lines of its own. */
  const interrupt = () => {
    interrupted = true;
    stopBar();
  };
  return { observe, stop: stopBar, interrupt };
}

/** Waits for a run while SIGINT/SIGTERM pause it (first) or end the process (second SIGINT). */
export async function withSignals(
  run: AgentRun,
  io: CliIo,
  enabled: boolean,
  beforeMessage: () => void = () => {},
): Promise<AgentResult> {
  if (!enabled) return run.result;
  let interrupts = 0;
  const onInt = () => {
    interrupts += 1;
    beforeMessage();
    if (interrupts > 1) {
      io.err('dlstate: second interrupt, stopping at once (what was durably written is kept)\n');
      process.exit(EXIT_FORCED);
    }
    io.err('\ndlstate: pausing (Ctrl-C again to stop at once)…\n');
    run.stop('user');
  };
  const onTerm = () => run.stop('shutdown');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await run.result;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** A run refused because another agent holds the state directory → its message and exit code; other errors pass. */
export function lockedOut(io: CliIo): (error: unknown) => number {
  return (error) => {
    if (!(error instanceof DirLockedError)) throw error;
    io.err(`dlstate: ${error.message}; wait for it to end or use another --state\n`);
    return EXIT_STATE_LOCKED;
  };
}

/**
 * Removes `dir` when this run created it and left nothing in it (only empty folders): a run that kept no
 * range and queued no report leaves no `.dlstate/` behind.
 */
export async function removeIfEmpty(dir: string, existedBefore: boolean): Promise<void> {
  if (existedBefore) return;
  const onlyEmptyDirs = async (at: string): Promise<boolean> => {
    const entries = await readdir(at, { withFileTypes: true }).catch(() => undefined);
    if (entries === undefined) return false;
    for (const e of entries)
      if (!e.isDirectory() || !(await onlyEmptyDirs(path.join(at, e.name)))) return false;
    return true;
  };
  if (await onlyEmptyDirs(dir)) await rm(dir, { recursive: true, force: true });
}

/**
 * The agent (its machine, HTTP client and storage), loaded when a command runs it: `dlstate --help` and the
 * other commands do not pay for it.
 */
export const loadAgent = () => import('../agent/agent.js');

/** Runs `dlstate fetch` and returns its exit code (see the table in `adapters/agent/exit-codes.ts`). */
export async function runFetch(
  ddUrl: string,
  opts: FetchCliOptions,
  io: CliIo,
  deps: RunDeps = {},
): Promise<number> {
  const { outDir, stateDir } = resolveDirs(opts);
  const stateExisted = existsSync(stateDir);
  const view = presenter(io, opts);
  let failure: DescriptorError | undefined;
  const agentOptions: AgentOptions = {
    ddUrl,
    outDir,
    stateDir,
    preConfirmed: opts.yes === true,
    numbering: agentNumbering(opts.numbering),
    onObservation: (o) => {
      if (o.event === 'error') failure = o.error;
      view.observe(o);
    },
    inspect: await loadInspect(opts.inspect),
    ...(deps.confirm === undefined ? {} : { confirm: deps.confirm }),
    ...(opts.flushBytes === undefined ? {} : { flushEveryBytes: opts.flushBytes }),
    ...(opts.reportAttempts === undefined ? {} : { maxReportAttempts: opts.reportAttempts }),
    ...(opts.reportRetryMs === undefined ? {} : { reportRetryMs: opts.reportRetryMs }),
    http: {
      ...(opts.stallTimeoutMs === undefined ? {} : { bodyTimeoutMs: opts.stallTimeoutMs }),
      ...(opts.speedLimit === undefined ? {} : { minBytesPerSecond: opts.speedLimit }),
      ...(opts.speedTime === undefined ? {} : { minRateWindowMs: opts.speedTime * 1000 }),
    },
  };
  const run = (await loadAgent()).startAgent(agentOptions);
  const result = await withSignals(run, io, deps.signals === true, view.interrupt).catch(lockedOut(io));
  view.stop();
  if (typeof result === 'number') return result;
  await removeIfEmpty(stateDir, stateExisted);
  const { code, line } = closingLine(result);
  // A descriptor that could not be fetched says why (954 Loader Error stays the status).
  io.err(`${line}${failure ? `: ${failure.message}` : ''}\n`);
  return code;
}

/** `dlstate fetch <dd-url>`: the DLOTA agent — fetch, confirm, retrieve (pause/resume), install, report. */
export function registerFetchCommand(program: Command, io: CliIo, deps: RunDeps = defaultDeps()): void {
  program
    .command('fetch')
    .description(
      'download the media objects of an OMA DLOTA descriptor: confirm, retrieve with pause/resume, install into --out, post the status report, print the nextURL; rerun after an interruption to resume',
    )
    .argument('<dd-url>', 'URL of the download descriptor (DD 1.0 or 2.0)', httpUrlArgument)
    .option('--out <dir>', 'where installed objects go (default: current directory)')
    .option('--state <dir>', 'where kept ranges, journals and queued reports live (default: <out>/.dlstate)')
    .option('-y, --yes', 'confirm without asking (required when stdin is not a terminal)')
    .option('--json', 'print one JSON object per line (state, request, response, progress, status, done…)')
    .option('-q, --quiet', 'print only the closing line')
    .option(
      '--inspect <url>',
      'publish the live state to `dlstate inspect` (its ws://127.0.0.1:PORT/inspect URL)',
      inspectUrlArgument,
    )
    .addOption(numberingOption())
    .addOption(
      new Option(
        '--flush-bytes <n>',
        'written bytes allowed between durable checkpoints (fsync + journal): what a power cut may cost; a kill costs only unwritten bytes (default 32 MiB)',
      ).argParser(wholeNumberArgument(1)),
    )
    .addOption(
      new Option('--report-attempts <n>', 'report POST attempts within a run (default 3)').argParser(
        wholeNumberArgument(0),
      ),
    )
    .addOption(
      new Option('--report-retry-ms <ms>', 'base back-off between report attempts (default 2000)').argParser(
        wholeNumberArgument(0),
      ),
    )
    .addOption(
      new Option(
        '--stall-timeout-ms <ms>',
        'a body silent this long counts as a lost connection (default 30000)',
      ).argParser(wholeNumberArgument(0)),
    )
    .addOption(
      new Option(
        '--speed-limit <bytes>',
        'a body slower than this many bytes per second over --speed-time counts as a lost connection: paused with the range kept where the server resumes, else 903 (0 disables; default 1024)',
      ).argParser(wholeNumberArgument(0)),
    )
    .addOption(
      new Option(
        '--speed-time <seconds>',
        'the window --speed-limit is averaged over (default 30)',
      ).argParser(wholeNumberArgument(1)),
    )
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .action(async (ddUrl: string, opts: FetchCliOptions) => {
      const code = await runFetch(ddUrl, opts, io, deps);
      if (code !== 0) throw new CliExit(code);
    });
}

/** The real process: signal handlers and a terminal prompt. */
export function defaultDeps(): RunDeps {
  return { signals: true, confirm: terminalConfirm };
}
