/**
 * `dlstate conform agent -- <command with {dd} and {out}>`: for each scenario, starts its scripted server,
 * runs the user's command (again after it exits, as a device resumes after a restart, while the machine
 * still expects more; at most {@link MAX_RUNS} runs), and asks the pure judge (`machines/dlota/conform.judge.ts`)
 * whether the recorded requests, reports and installed bytes are the ones the DLOTA machine requests.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type InstalledFile, judgeInstalled } from '../../machines/dlota/conform.installed.js';
import { type AgentJudgement, judgeAgent, oracleInput } from '../../machines/dlota/conform.judge.js';
import { AGENT_SCENARIOS, type AgentScenario } from '../../machines/dlota/conform.scenarios.js';
import { type ConformCheck, type ConformReport, UntestableError } from './report.js';
import { startStage } from './stage.js';

/** Runs of the command per scenario at most (the first, and restarts while the machine expects more). */
export const MAX_RUNS = 3;
/** Default time limit of one scenario, all runs together. */
export const DEFAULT_SCENARIO_TIMEOUT_MS = 60_000;

/** Options of {@link runAgentConformance}. */
export interface AgentConformanceOptions {
  /** The command and its arguments; `{dd}` and `{out}` are replaced in every argument. */
  readonly command: readonly string[];
  /** Scenario ids to run. @default every scenario */
  readonly scenarios?: readonly string[];
  /** @default DEFAULT_SCENARIO_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Called when a scenario starts and ends (progress on the terminal). */
  readonly onProgress?: (line: string) => void;
}

/** How one run of the command ended. */
type RunEnd =
  | {
      readonly kind: 'exited';
      readonly code: number | null;
      readonly signal: string | null;
      readonly output: string;
    }
  | { readonly kind: 'notFound'; readonly message: string }
  | { readonly kind: 'timeout'; readonly output: string };

function runCommand(argv: readonly string[], deadline: number): Promise<RunEnd> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2000);
    };
    // Its own process group, so a timeout ends the command and everything it started (a script's curl).
    const child = spawn(file ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(
      () => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {}
        }
        resolve({ kind: 'timeout', output });
      },
      Math.max(0, deadline - Date.now()),
    );
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        kind: 'notFound',
        message:
          error.code === 'ENOENT'
            ? `command not found: ${file}`
            : `the command could not be started: ${error.message}`,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ kind: 'exited', code, signal, output });
    });
  });
}

async function installedFiles(dir: string, base = dir): Promise<InstalledFile[]> {
  const files: InstalledFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await installedFiles(full, base)));
    else if (entry.isFile() && (await stat(full)).size <= 64 * 1024 * 1024)
      files.push({ path: path.relative(base, full), bytes: await readFile(full) });
  }
  return files;
}

function substitute(command: readonly string[], dd: string, out: string): string[] {
  return command.map((arg) => arg.replaceAll('{dd}', dd).replaceAll('{out}', out));
}

function wireLines(judgement: AgentJudgement | undefined): string[] {
  if (!judgement) return [];
  const mark = { pass: '✓', fail: '✗', note: '·', unjudged: '?' } as const;
  return judgement.lines.map(
    (l) =>
      `${mark[l.verdict]} ${l.line}${l.detail ? `  — ${l.detail}` : ''}${l.clauses.length > 0 && l.verdict === 'fail' ? ` [${l.clauses.join(', ')}]` : ''}`,
  );
}

/** Runs one scenario against the command; returns its checks. */
async function runScenario(
  scenario: AgentScenario,
  options: AgentConformanceOptions,
): Promise<ConformCheck[]> {
  const root = await mkdtemp(path.join(tmpdir(), `dlstate-conform-${scenario.id}-`));
  const out = path.join(root, 'out');
  await mkdir(out);
  const stage = await startStage(scenario, root).catch(async (error: Error) => {
    await rm(root, { recursive: true, force: true });
    throw new UntestableError(`the scripted server of ${scenario.id} could not start: ${error.message}`);
  });
  const usesOut = options.command.some((a) => a.includes('{out}'));
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_SCENARIO_TIMEOUT_MS);
  const runs: string[] = [];
  let judgement: AgentJudgement | undefined;
  let end: RunEnd | undefined;
  try {
    for (let run = 1; run <= MAX_RUNS; run++) {
      stage.run = run;
      end = await runCommand(substitute(options.command, stage.ddUrl, out), deadline);
      // The server records a response when it has finished; give the last one a moment.
      await new Promise((r) => setTimeout(r, 100));
      await stage.settle();
      judgement = judgeAgent(oracleInput(stage.ddUrl), stage.exchanges());
      runs.push(
        end.kind === 'exited'
          ? `run ${run}: exit ${end.code ?? end.signal}`
          : end.kind === 'timeout'
            ? `run ${run}: no exit in time, killed`
            : `run ${run}: ${end.message}`,
      );
      if (end.kind !== 'exited' || judgement.finished || judgement.failures.length > 0) break;
    }
    const files = usesOut ? await installedFiles(out) : [];
    return verdicts(scenario, judgement, end, runs, files, usesOut, stage.versions(), options.timeoutMs);
  } finally {
    await stage.close();
    await rm(root, { recursive: true, force: true });
  }
}

function verdicts(
  scenario: AgentScenario,
  judgement: AgentJudgement | undefined,
  end: RunEnd | undefined,
  runs: readonly string[],
  files: readonly InstalledFile[],
  usesOut: boolean,
  versions: readonly Buffer[],
  timeoutMs: number | undefined,
): ConformCheck[] {
  const lines = [...runs, ...wireLines(judgement)];
  const tail =
    end && end.kind !== 'notFound' && end.output.trim() !== ''
      ? [`last output: ${end.output.trim().split('\n').slice(-3).join(' / ')}`]
      : [];
  const base = { strength: 'MUST' as const };
  let wire: ConformCheck;
  const failures = judgement?.failures ?? [];
  if (end?.kind === 'notFound') {
    wire = {
      ...base,
      id: `${scenario.id}/wire`,
      title: scenario.title,
      clauses: [...scenario.focus],
      verdict: 'fail',
      detail: end.message,
      evidence: lines,
    };
  } else if (failures.length > 0) {
    wire = {
      ...base,
      id: `${scenario.id}/wire`,
      title: scenario.title,
      clauses: [...new Set(failures.flatMap((f) => f.clauses))],
      verdict: 'fail',
      detail: failures.map((f) => f.detail).join('; '),
      evidence: [...lines, ...tail],
    };
  } else if (end?.kind === 'timeout') {
    wire = {
      ...base,
      id: `${scenario.id}/wire`,
      title: scenario.title,
      clauses: [...scenario.focus],
      verdict: 'fail',
      detail: `the command did not finish within ${(timeoutMs ?? DEFAULT_SCENARIO_TIMEOUT_MS) / 1000} s and was killed; the machine expected ${judgement?.expecting ?? 'more'}`,
      evidence: [...lines, ...tail],
    };
  } else if (!judgement?.finished) {
    wire = {
      ...base,
      id: `${scenario.id}/wire`,
      title: scenario.title,
      clauses: [...scenario.focus],
      verdict: 'fail',
      detail: `after ${runs.length} run(s) the machine still expects ${judgement?.expecting ?? 'the descriptor request'} (state ${judgement?.state ?? 'fetchingDescriptor'})`,
      evidence: [...lines, ...tail],
    };
  } else {
    wire = {
      ...base,
      id: `${scenario.id}/wire`,
      title: scenario.title,
      clauses: [...scenario.focus],
      verdict: 'pass',
      detail: `every request was the one the machine requests; the run ends ${judgement.state} with status ${judgement.outcome}`,
      evidence: lines,
    };
  }
  const checks: ConformCheck[] = [wire];
  const title = 'installed bytes in {out}';
  if (!usesOut)
    checks.push({
      ...base,
      id: `${scenario.id}/installed`,
      title,
      clauses: ['DL-INST-5', 'DL-PR-5'],
      verdict: 'skip',
      detail: 'the command does not use {out}',
      evidence: [],
    });
  else if (!judgement?.finished || failures.length > 0 || end?.kind !== 'exited')
    checks.push({
      ...base,
      id: `${scenario.id}/installed`,
      title,
      clauses: ['DL-INST-5', 'DL-PR-5'],
      ...installedVerdict('open'),
    });
  else
    checks.push({
      ...base,
      id: `${scenario.id}/installed`,
      title,
      clauses: ['DL-INST-5', 'DL-PR-5', 'DL-INST-11'],
      ...installedVerdict(judgement.state === 'done' ? 'done' : 'failed'),
    });
  for (const w of judgement?.warnings ?? [])
    checks.push({
      id: `${scenario.id}/should`,
      title: 'SHOULD-level behaviour',
      strength: 'SHOULD',
      clauses: [...w.clauses],
      verdict: 'fail',
      detail: w.detail,
      evidence: [],
    });
  return checks;

  function installedVerdict(state: 'done' | 'failed' | 'open') {
    const listing = files.map((f) => `${f.path} (${f.bytes.length} bytes)`);
    if (state === 'open') {
      // The wire verdict already failed; a file that mixes versions is still worth naming.
      const diffs = judgeInstalled('done', versions, files).filter((d) => d.clauses.includes('DL-PR-11'));
      return diffs.length > 0
        ? {
            verdict: 'fail' as const,
            detail: diffs.map((d) => d.detail).join('; '),
            evidence: listing,
            clauses: [...new Set(diffs.flatMap((d) => d.clauses))],
          }
        : {
            verdict: 'skip' as const,
            detail: 'the run did not end on the model’s path; nothing to compare',
            evidence: listing,
          };
    }
    const diffs = judgeInstalled(state, versions, files);
    const size = versions[versions.length - 1]?.length ?? 0;
    return diffs.length === 0
      ? {
          verdict: 'pass' as const,
          detail:
            state === 'done'
              ? `a file holds exactly the object (${size} bytes)`
              : 'nothing left for the user after the failure',
          evidence: listing,
        }
      : {
          verdict: 'fail' as const,
          detail: diffs.map((d) => d.detail).join('; '),
          evidence: listing,
          clauses: [...new Set(diffs.flatMap((d) => d.clauses))],
        };
  }
}

/** Runs the chosen scenarios one after another and collects their checks. */
export async function runAgentConformance(options: AgentConformanceOptions): Promise<ConformReport> {
  const chosen = options.scenarios?.length
    ? options.scenarios.map((id) => {
        const found = AGENT_SCENARIOS.find((s) => s.id === id);
        if (!found) throw new Error(`no scenario ${JSON.stringify(id)}; run with --list to see them`);
        return found;
      })
    : AGENT_SCENARIOS;
  const checks: ConformCheck[] = [];
  for (const scenario of chosen) {
    options.onProgress?.(`scenario ${scenario.id} …`);
    const result = await runScenario(scenario, options);
    checks.push(...result);
    options.onProgress?.(` ${result[0]?.verdict ?? '?'}\n`);
  }
  return { kind: 'agent', target: options.command.join(' '), checks };
}
