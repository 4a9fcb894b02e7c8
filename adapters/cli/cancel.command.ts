import type { Command } from 'commander';
import { EXIT_CODE_HELP, EXIT_NOTHING_TO_CANCEL } from '../agent/exit-codes.js';
import { keptRanges } from '../agent/kept.js';
import { closingLine } from '../agent/render.js';
import { loadAgent, lockedOut, presenter, type RunDeps, resolveDirs, withSignals } from './fetch.command.js';
import {
  agentNumbering,
  CliExit,
  type CliIo,
  httpUrlArgument,
  type NumberingChoice,
  numberingOption,
} from './io.js';

/** Options of `dlstate cancel`. */
export interface CancelCliOptions {
  out?: string;
  state?: string;
  json?: boolean;
  quiet?: boolean;
  numbering: NumberingChoice;
}

/**
 * Runs `dlstate cancel`: the machine is started on the descriptor with the kept range recovered but not
 * resumed (resume policy `onRestart: false`), then told USER.CANCEL from `paused`; it reports 902 and
 * discards the range (DL-PR-6, DL-INST-11). Returns the exit code: 0 once 902 is the outcome, else the fetch table's code.
 */
export async function runCancel(
  ddUrl: string,
  opts: CancelCliOptions,
  io: CliIo,
  deps: RunDeps = {},
): Promise<number> {
  const { outDir, stateDir } = resolveDirs(opts);
  if ((await keptRanges(stateDir, ddUrl)).length === 0) {
    io.err(`dlstate: nothing paused for ${ddUrl} in ${stateDir} — nothing cancelled, no status reported\n`);
    return EXIT_NOTHING_TO_CANCEL;
  }
  const view = presenter(io, opts);
  const run = (await loadAgent()).startAgent({
    ddUrl,
    outDir,
    stateDir,
    preConfirmed: true,
    numbering: agentNumbering(opts.numbering),
    mode: 'cancel',
    resumePolicy: { onRestart: false },
    onObservation: view.observe,
  });
  const result = await withSignals(run, io, deps.signals === true).catch(lockedOut(io));
  view.stop();
  if (typeof result === 'number') return result;
  const { code, line } = closingLine(result);
  io.err(`${line}\n`);
  // Cancelling is what was asked: a 902 (reported or queued) is this command's success.
  return result.kind === 'finished' && result.output.outcome === 'userCancelled' ? 0 : code;
}

/** `dlstate cancel <dd-url>`: cancel a paused download (posts 902, discards the kept range). */
export function registerCancelCommand(program: Command, io: CliIo, deps: RunDeps = { signals: true }): void {
  program
    .command('cancel')
    .description('cancel a paused download: post 902 User Cancelled and discard the kept range and journal')
    .argument('<dd-url>', 'URL of the descriptor the paused download came from', httpUrlArgument)
    .option('--out <dir>', 'the --out of the fetch (locates the default state directory)')
    .option('--state <dir>', 'state directory of the paused download (default: <out>/.dlstate)')
    .option('--json', 'print one JSON object per line')
    .option('-q, --quiet', 'print only the closing line')
    .addOption(numberingOption())
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .action(async (ddUrl: string, opts: CancelCliOptions) => {
      const code = await runCancel(ddUrl, opts, io, deps);
      if (code !== 0) throw new CliExit(code);
    });
}
