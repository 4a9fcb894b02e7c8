import { type Command, Option } from 'commander';
import type { OutputOptions } from './conform.run.js';
import { type CliIo, httpUrlArgument, wholeNumberArgument } from './io.js';

/** The kit, loaded when a `conform` subcommand runs. */
const loadRun = () => import('./conform.run.js');

const EXIT_HELP = `
Exit codes:
  0  every MUST check passed (failed SHOULD checks are warnings)
  1  at least one MUST check failed
  2  usage error
  3  the target could not be tested (unreachable, not a descriptor, the kit's server could not start)`;

function outputOptions(command: Command): Command {
  return command
    .option('--json', 'print the report as JSON instead of a table')
    .option('--junit <file>', 'also write the report as JUnit XML (for CI)')
    .option('--html <file>', 'also write the report as one self-contained HTML page with the evidence')
    .addOption(
      new Option('--timeout-ms <ms>', 'per request (server) or per scenario (agent) time limit').argParser(
        wholeNumberArgument(1),
      ),
    )
    .addHelpText('after', EXIT_HELP);
}

/** `dlstate conform server|agent`: the conformance kit, with the statecharts as the oracle. */
export function registerConformCommand(program: Command, io: CliIo): void {
  const conform = program
    .command('conform')
    .description(
      'conformance-test a third-party Download Server or Download Agent against the DLOTA machine',
    );

  outputOptions(
    conform
      .command('server')
      .description(
        'probe a Download Server through its descriptor (read-only unless --send-report): DD, Accept-Ranges, ETag, Range, If-Match, 412, 416',
      )
      .argument('<dd-url>', 'URL of a download descriptor the server offers', httpUrlArgument)
      .addOption(
        new Option(
          '--send-report <code>',
          'also POST this status report (e.g. 900) to the installNotifyURI: a side effect on the server',
        ).argParser(wholeNumberArgument(900)),
      ),
  ).action(async (ddUrl: string, opts: OutputOptions & { sendReport?: number; timeoutMs?: number }) =>
    (await loadRun()).conformServer(ddUrl, opts, io),
  );

  outputOptions(
    conform
      .command('agent')
      .description(
        'run a Download Agent against scripted scenarios derived from the DLOTA machine and judge its requests, reports and installed bytes',
      )
      .argument(
        '[command...]',
        'the agent command after --; {dd} becomes the scenario’s DD URL, {out} a fresh folder',
      )
      .option('--scenario <id...>', 'run only these scenarios (see --list)')
      .option(
        '--list',
        'list the scenarios, the transitions and clauses each covers, and what cannot be driven',
      ),
  )
    .addHelpText(
      'after',
      '\nExample:\n  dlstate conform agent -- dlstate fetch {dd} --out {out} --yes --quiet',
    )
    .action(
      async (
        command: string[],
        opts: OutputOptions & { scenario?: string[]; list?: boolean; timeoutMs?: number },
      ) => (await loadRun()).conformAgent(command, opts, io),
    );
}
