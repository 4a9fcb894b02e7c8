import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatTransition } from '../../machines/dlota/conform.oracle.js';
import { AGENT_SCENARIOS, modelRun, notDrivable } from '../../machines/dlota/conform.scenarios.js';
import { runAgentConformance } from '../conform/agent-checks.js';
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
      .option('--scenario <id...>', 'run only these scenarios (see --list)', scenarioArgument)
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
      ) => {
        if (opts.list) return void io.out(opts.json ? listJson() : listText());
        if (command.length === 0) {
          io.err('dlstate conform agent: give the agent command after --, e.g. -- my-agent {dd} {out}\n');
          throw new CliExit(2);
        }
        let report: ConformReport;
        try {
          report = await runAgentConformance({
            command,
            ...(opts.scenario === undefined ? {} : { scenarios: opts.scenario }),
            ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
            ...(io.isTTY && !opts.json ? { onProgress: (line: string) => io.err(line) } : {}),
          });
        } catch (error) {
          untestable(error, io);
        }
        await emit(report, opts, io);
      },
    );
}

function scenarioArgument(value: string, previous: string[] | undefined): string[] {
  if (!AGENT_SCENARIOS.some((s) => s.id === value))
    throw new InvalidArgumentError(
      `no scenario ${JSON.stringify(value)}; one of ${AGENT_SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  return [...(previous ?? []), value];
}

function listJson(): string {
  return `${JSON.stringify(
    {
      scenarios: AGENT_SCENARIOS.map((s) => {
        const model = modelRun(s);
        return {
          id: s.id,
          title: s.title,
          focus: s.focus,
          ends: model.finalState,
          statusCodes: model.statusCodes,
          requests: model.requests,
          clauses: model.clauses,
          transitions: model.transitions.map(formatTransition),
        };
      }),
      notDrivable: notDrivable(),
    },
    null,
    2,
  )}\n`;
}

function listText(): string {
  let text = 'Scenarios (driven by the scripted server alone):\n';
  for (const s of AGENT_SCENARIOS) {
    const model = modelRun(s);
    text += `\n${s.id} — ${s.title}\n`;
    text += `  ends ${model.finalState}, reports ${model.statusCodes.join(' then ')}; clauses ${model.clauses.join(' ')}\n`;
    text += `  a compliant agent sends: ${model.requests.join(' → ')}\n`;
    const seen = new Set<string>();
    for (const t of model.transitions) {
      const line = formatTransition(t);
      if (seen.has(line)) continue;
      seen.add(line);
      text += `    ${line}${t.clauses.length > 0 ? `  [${t.clauses.join(' ')}]` : ''}\n`;
    }
  }
  text += '\nNot drivable by a server (the event is the device’s):\n';
  for (const n of notDrivable())
    text += `  ${n.transition}${n.clauses.length > 0 ? `  [${n.clauses.join(' ')}]` : ''}\n    ${n.reason}\n`;
  return text;
}
