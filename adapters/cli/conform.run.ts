/**
 * What `dlstate conform` does once a subcommand runs: the kit (scenarios, probes, judge, renderers) is loaded
 * only then, so `dlstate --help` and the other commands do not carry it (conform.command.ts declares the options).
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { formatTransition } from '../../machines/dlota/conform.oracle.js';
import { AGENT_SCENARIOS, modelRun, notDrivable } from '../../machines/dlota/conform.scenarios.js';
import { runAgentConformance } from '../conform/agent-checks.js';
import { renderHtml, renderJson, renderJunit, renderTable } from '../conform/render.js';
import { type ConformReport, EXIT_UNTESTABLE, exitCodeFor, UntestableError } from '../conform/report.js';
import { runServerConformance } from '../conform/server-checks.js';
import { CliExit, type CliIo } from './io.js';

/** Output options shared by both subcommands. */
export interface OutputOptions {
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

/** An untestable target ends with its evidence and exit 3; any other error passes. */
function untestable(error: unknown, io: CliIo): never {
  if (error instanceof UntestableError) {
    io.err(`dlstate conform: ${error.message}\n`);
    for (const line of error.evidence) io.err(`    ${line}\n`);
    throw new CliExit(EXIT_UNTESTABLE);
  }
  throw error;
}

/** `conform server`: probes the server and reports. */
export async function conformServer(
  ddUrl: string,
  opts: OutputOptions & { sendReport?: number; timeoutMs?: number },
  io: CliIo,
): Promise<void> {
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
}

/** `conform agent`: lists the scenarios, or runs the agent command against them and reports. */
export async function conformAgent(
  command: string[],
  opts: OutputOptions & { scenario?: string[]; list?: boolean; timeoutMs?: number },
  io: CliIo,
): Promise<void> {
  if (opts.list) return void io.out(opts.json ? listJson() : listText());
  const unknown = (opts.scenario ?? []).filter((id) => !AGENT_SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) {
    io.err(
      `dlstate conform agent: no scenario ${unknown.map((id) => JSON.stringify(id)).join(', ')}; one of ${AGENT_SCENARIOS.map((s) => s.id).join(', ')}\n`,
    );
    throw new CliExit(2);
  }
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
