import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { AgentResult } from '../agent/agent.js';
import type { Observation } from '../agent/observation.js';
import { closingLine, formatBytes } from '../agent/render.js';
import type { DownloadServer } from '../server/server.js';
import { loadAgent, presenter } from './fetch.command.js';
import { loadInspect } from './inspect-option.js';
import { CliExit, type CliIo, inspectUrlArgument } from './io.js';

/** Knobs of the demo (the CLI uses the defaults; tests may shrink it). */
export interface DemoOptions {
  /** Size of the generated sample object. @default 8 MiB */
  readonly sizeBytes?: number;
  /** Server throttle, so the progress is visible. @default 6 MiB/s */
  readonly bytesPerSecond?: number;
  /** `dlstate inspect` producer URL to publish the agent's live state to. */
  readonly inspect?: string;
}

/** Deterministic pseudo-random bytes (xorshift32) — the same sample on every machine. */
export function sampleBytes(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  for (let i = size - (size % 4); i < size; i++) buf[i] = i & 0xff;
  return buf;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function checkInstalled(io: CliIo, result: AgentResult, expected: Buffer): Promise<boolean> {
  if (result.kind !== 'finished' || result.installed.length !== 1) return false;
  const got = await fs.readFile(result.installed[0] ?? '');
  const ok = sha256(got) === sha256(expected);
  io.out(
    `  SHA-256 of ${result.installed[0]}: ${sha256(got).slice(0, 16)}… ${ok ? 'matches the served object ✓' : 'DIFFERS ✗'}\n`,
  );
  return ok;
}

function showReports(io: CliIo, server: DownloadServer, from: number): void {
  io.out('  status reports the server received (GET /reports):\n');
  for (const r of server.reports.slice(from)) {
    io.out(`    #${r.seq} "${r.body}" (${r.contentType ?? 'no type'}) → answered ${r.answered}\n`);
  }
}

/** Runs the demo: a cut connection resumed, then an object changed while paused (412 → 957 → 900). */
export async function runDemo(io: CliIo, options: DemoOptions = {}): Promise<number> {
  const size = options.sizeBytes ?? 8 * 1024 * 1024;
  const [{ startAgent }, { startDownloadServer }] = await Promise.all([
    loadAgent(),
    import('../server/server.js'),
  ]);
  const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-demo-'));
  const mediaDir = path.join(root, 'served');
  await fs.mkdir(mediaDir);
  const name = 'sample.bin';
  const first = sampleBytes(size, 0x2f6b_1d3c);
  await fs.writeFile(path.join(mediaDir, name), first);
  const server = await startDownloadServer({
    dir: mediaDir,
    faults: { bytesPerSecond: options.bytesPerSecond ?? 6 * 1024 * 1024 },
  });
  const say = (text: string) => io.out(`${text}\n`);
  const view = presenter(io, {});
  const common = {
    ddUrl: server.ddUrl(name),
    preConfirmed: true,
    flushEveryBytes: 256 * 1024,
    reconnectDelayMs: 700,
    inspect: await loadInspect(options.inspect),
  };
  try {
    say(`dlstate demo — reference Download Server on ${server.url}, serving ${name} (${formatBytes(size)})`);
    say(`descriptor: ${server.ddUrl(name)}\n`);

    say(
      'Part 1 — the server cuts the connection part-way; the agent pauses, then resumes with Range + If-Match',
    );
    server.faults.cutNextBodyAfter = Math.floor(size * 0.4);
    const out1 = path.join(root, 'out-1');
    const part1 = await startAgent({
      ...common,
      outDir: out1,
      stateDir: path.join(out1, '.dlstate'),
      onObservation: view.observe,
    }).result;
    view.stop();
    say(closingLine(part1).line.replace(/^dlstate: /, '  outcome: '));
    const ok1 = await checkInstalled(io, part1, first);
    showReports(io, server, 0);

    say('\nPart 2 — the user pauses; the object changes on the server while paused; the agent resumes');
    const out2 = path.join(root, 'out-2');
    const reportsBefore = server.reports.length;
    const run2 = startAgent({
      ...common,
      outDir: out2,
      stateDir: path.join(out2, '.dlstate'),
      onObservation: (o: Observation) => {
        view.observe(o);
        if (o.event === 'progress' && o.received >= size * 0.35) setImmediate(() => run2.stop('user'));
      },
    });
    const paused = await run2.result;
    view.stop();
    say(closingLine(paused).line.replace(/^dlstate: /, '  '));
    const second = sampleBytes(size, 0x5eed_0002);
    await fs.writeFile(path.join(mediaDir, name), second);
    say('  the object on the server is replaced (same size, new content → new objectVersion and ETag)');
    say('  rerunning the agent with the same state directory:');
    const part2 = await startAgent({
      ...common,
      outDir: out2,
      stateDir: path.join(out2, '.dlstate'),
      onObservation: view.observe,
    }).result;
    view.stop();
    say(closingLine(part2).line.replace(/^dlstate: /, '  outcome: '));
    const ok2 = await checkInstalled(io, part2, second);
    showReports(io, server, reportsBefore);
    const codes = server.reports.slice(reportsBefore).map((r) => r.code);
    const sequence = codes.join(' → ');
    const ok3 = sequence === '957 → 900';
    say(`  reports in order: ${sequence} ${ok3 ? '✓' : '✗ (expected 957 → 900)'}`);

    const ok = ok1 && ok2 && ok3 && paused.kind === 'paused';
    say(ok ? '\ndemo finished: every check passed' : '\ndemo finished: a check FAILED');
    return ok ? 0 : 1;
  } finally {
    view.stop();
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  }
}

/** `dlstate demo`: the agent against the reference server on loopback, in under 20 s, no arguments. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'run the agent against the reference Download Server on loopback: a cut connection resumed (Range, If-Match, 206, SHA-256 checked), then an object changed while paused (412 → 957 → updated DD → 900)',
    )
    .option(
      '--inspect <url>',
      'publish the live state to `dlstate inspect` (its ws://127.0.0.1:PORT/inspect URL)',
      inspectUrlArgument,
    )
    .action(async (opts: { inspect?: string }) => {
      let code: number;
      try {
        code = await runDemo(io, opts.inspect ? { inspect: opts.inspect } : {});
      } catch (error) {
        io.err(`dlstate demo: failed: ${error instanceof Error ? error.message : String(error)}\n`);
        code = 1;
      }
      if (code !== 0) throw new CliExit(code);
    });
}
