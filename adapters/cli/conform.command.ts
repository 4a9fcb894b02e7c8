import { writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { renderHtml, renderJson, renderJunit, renderTable } from '../conform/render.js';
import { type ConformReport, EXIT_UNTESTABLE, exitCodeFor, UntestableError } from '../conform/report.js';
import { runServerConformance } from '../conform/server-checks.js';
import { CliExit, type CliIo, httpUrlArgument, wholeNumberArgument } from './io.js';

const EXIT_HELP = `
Exit codes:
  0  every MUST check passed (failed SHOULD checks are warnings)
  1  at least one MUST check failed
  2  usage error
  3  the target could not be tested (unreachable, not a descriptor, the kit's server could not start)`;

interface OutputOptions {
  json?: boolean;
  junit?: string;
  html?: string;
}

/** Writes the report in every requested form and ends with its exit code. */
async function emit(report: ConformReport, opts: OutputOptions, io: CliIo): Promise<void> {
  io.out(opts.json ? renderJson(report) : renderTable(report));
  if (opts.junit) await writeFile(opts.junit, renderJunit(report));
  if (opts.html) await writeFile(opts.html, renderHtml(report));
  const code = exitCodeFor(report);
  if (code !== 0) throw new CliExit(code);
}

function untestable(error: unknown, io: CliIo): never {
  if (error instanceof UntestableError) {
    io.err(`dlstate conform: ${error.message}\n`);
    for (const line of error.evidence) io.err(`    ${line}\n`);
    throw new CliExit(EXIT_UNTESTABLE);
  }
  throw error;
}

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
  ).action(async (ddUrl: string, opts: OutputOptions & { sendReport?: number; timeoutMs?: number }) => {
    let report: ConformReport;
    try {
      report = await runServerConformance(ddUrl, {
        ...(opts.sendReport === undefined ? {} : { sendReport: opts.sendReport }),
        ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      });
    } catch (error) {
      untestable(error, io);
    }
    await emit(report, opts, io);
  });
}
