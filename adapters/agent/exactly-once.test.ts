import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { runFetch } from '../cli/fetch.command.js';
import { type DownloadServer, startDownloadServer } from '../server/server.js';
import { DirLockedError, lockDirectory } from '../storage/dir-lock.js';
import { type AgentResult, startAgent } from './agent.js';
import { EXIT_CODE_HELP, EXIT_STATE_LOCKED } from './exit-codes.js';
import type { Observation } from './observation.js';
import type { AgentOptions } from './options.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CRASH_AGENT = path.join(ROOT, 'property-tests/support/crash-agent.ts');
const NAME = 'object.bin';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Fixture {
  server: DownloadServer;
  data: Buffer;
  out: string;
  state: string;
  options: Omit<AgentOptions, 'onObservation'>;
}

async function fixture(size = 200 * 1024): Promise<Fixture> {
  const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-once-'));
  cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
  const media = path.join(root, 'media');
  await fs.mkdir(media);
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 13 + (i >> 9)) & 0xff;
  await fs.writeFile(path.join(media, NAME), data);
  const server = await startDownloadServer({ dir: media });
  cleanups.push(() => server.close());
  const out = path.join(root, 'out');
  const state = path.join(out, '.dlstate');
  const options = {
    ddUrl: server.ddUrl(NAME),
    outDir: out,
    stateDir: state,
    preConfirmed: true,
    flushEveryBytes: 64 * 1024,
    reportRetryMs: 10,
    reconnectDelayMs: 10,
  };
  return { server, data, out, state, options };
}

/** A real agent process that SIGKILLs itself at the first observation matching `crashAt`. */
async function crashingRun(
  f: Fixture,
  crashAt: Record<string, unknown> | null,
): Promise<{ signal: NodeJS.Signals | null; lines: Record<string, unknown>[] }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', CRASH_AGENT, JSON.stringify(f.options), JSON.stringify(crashAt)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let text = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on('close', (_code, sig) => resolve(sig)),
  );
  clearTimeout(timer);
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { signal, lines };
}

async function inProcess(f: Fixture, extra: Partial<AgentOptions> = {}) {
  const seen: Observation[] = [];
  const run = startAgent({ ...f.options, ...extra, onObservation: (o) => seen.push(o) });
  const result: AgentResult = await run.result;
  return { result, seen };
}

const mediaGets = (f: Fixture) => f.server.requests.filter((r) => r.url.includes('/media/'));
const outFiles = async (f: Fixture) => (await fs.readdir(f.out)).filter((n) => !n.startsWith('.'));

describe('exactly-once outcomes across crashes (a real agent process SIGKILLed at named points)', {
  timeout: 60_000,
}, () => {
  it(
    verifies(
      ['DL-INST-12', 'DL-INST-2'],
      'a 900 whose attempts ran out is dropped with the object: a later run never sends it',
    ),
    async () => {
      const f = await fixture(16 * 1024);
      f.server.faults.refuseReports = 503;
      const first = await inProcess(f);
      expect(first.result).toMatchObject({ kind: 'finished', output: { statusCode: 900, installed: false } });
      if (first.result.kind === 'finished') expect(first.result.output.pendingReports).toEqual([]);
      expect(first.seen.some((o) => o.event === 'report' && o.outcome === 'queued')).toBe(false);
      expect(await outFiles(f)).toEqual([]);
      const refused = f.server.reports.length;
      expect(refused).toBeGreaterThan(0);

      // The server takes reports again; a later run with the same state directory on another descriptor
      // delivers queued reports first — there must be no 900 among them.
      f.server.faults.refuseReports = undefined;
      const other = await inProcess(f, { ddUrl: `${f.server.url}/dd/none.dd` });
      expect(other.seen.filter((o) => o.event === 'report')).toEqual([]);
      expect(f.server.reports.slice(refused).map((r) => r.body)).not.toContain('900 Success');
    },
  );

  it(
    verifies(
      ['DL-INST-12', 'DL-INST-2'],
      'killed once the install is recorded: the rerun finishes it — no download, no 900, no copy',
    ),
    async () => {
      const f = await fixture();
      const killed = await crashingRun(f, { event: 'install-step', step: 'recorded' });
      expect(killed.signal).toBe('SIGKILL');
      expect(f.server.reports.map((r) => r.body)).toEqual(['900 Success']);
      const gets = mediaGets(f).length;

      const again = await inProcess(f);
      expect(again.result).toMatchObject({ kind: 'finished', output: { statusCode: 900, installed: true } });
      expect(mediaGets(f)).toHaveLength(gets);
      expect(f.server.reports.map((r) => r.body)).toEqual(['900 Success']);
      expect(await outFiles(f)).toEqual([NAME]);
      expect((await fs.readFile(path.join(f.out, NAME))).equals(f.data)).toBe(true);
      expect(again.seen).toContainEqual({ event: 'recovered-install', files: [path.join(f.out, NAME)] });
      expect(await fs.readdir(f.state)).toEqual([]);
    },
  );

  it(
    verifies(
      ['DL-INST-12', 'DL-INST-2'],
      'killed after the object moved, before the record went: the rerun honours it',
    ),
    async () => {
      const f = await fixture();
      const killed = await crashingRun(f, { event: 'install-step', step: 'moved' });
      expect(killed.signal).toBe('SIGKILL');
      const gets = mediaGets(f).length;

      const again = await inProcess(f);
      expect(again.result).toMatchObject({ kind: 'finished', output: { statusCode: 900, installed: true } });
      expect(mediaGets(f)).toHaveLength(gets);
      expect(f.server.reports.map((r) => r.body)).toEqual(['900 Success']);
      expect(await outFiles(f)).toEqual([NAME]);
      expect((await fs.readFile(path.join(f.out, NAME))).equals(f.data)).toBe(true);
    },
  );

  it(
    verifies(
      'DL-INST-12',
      'the window that remains: killed between "900 accepted" and "install recorded" → one more 900, nothing else twice',
    ),
    async () => {
      const f = await fixture();
      const killed = await crashingRun(f, { event: 'status', code: 900, reported: true });
      expect(killed.signal).toBe('SIGKILL');
      const gets = mediaGets(f).length;

      const again = await inProcess(f);
      expect(again.result).toMatchObject({ kind: 'finished', output: { statusCode: 900, installed: true } });
      // The kept object is whole: verified from the journal, not fetched again; its 900 goes out a second time.
      expect(mediaGets(f)).toHaveLength(gets);
      expect(f.server.reports.map((r) => r.body)).toEqual(['900 Success', '900 Success']);
      expect(await outFiles(f)).toEqual([NAME]);
      expect((await fs.readFile(path.join(f.out, NAME))).equals(f.data)).toBe(true);
    },
  );

  it('one agent per state directory: a second refuses at once naming the first (pid); a SIGKILLed holder frees it', async () => {
    const f = await fixture(2 * 1024 * 1024);
    f.server.faults.bytesPerSecond = 256 * 1024;
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', CRASH_AGENT, JSON.stringify(f.options), 'null'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const closed = new Promise<void>((resolve) => proc.on('close', () => resolve()));
    cleanups.push(async () => {
      proc.kill('SIGKILL');
      await closed;
    });
    // Wait until the first agent is downloading (it holds the lock from its start).
    await new Promise<void>((resolve) => {
      proc.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('"progress"')) resolve();
      });
    });
    const second = startAgent({ ...f.options, onObservation: () => {} });
    const error = await second.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DirLockedError);
    expect((error as Error).message).toBe(`${f.state} is in use by another dlstate agent (pid ${proc.pid})`);
    expect(f.server.requests.filter((r) => r.url.includes('/dd/')).length).toBe(1);

    proc.kill('SIGKILL');
    await closed;
    f.server.faults.bytesPerSecond = undefined;
    const third = await inProcess(f);
    expect(third.result).toMatchObject({ kind: 'finished', output: { statusCode: 900, installed: true } });
    expect((await fs.readFile(path.join(f.out, NAME))).equals(f.data)).toBe(true);
  });

  it('dlstate fetch on a state directory another agent holds: exit 5, the message says why, nothing fetched', async () => {
    const f = await fixture(1024);
    await fs.mkdir(f.state, { recursive: true });
    const held = await lockDirectory(f.state, 'agent', 'dlstate agent');
    cleanups.push(() => held.release());
    let err = '';
    const io = {
      out: () => {},
      err: (t: string) => {
        err += t;
      },
      isTTY: false,
    };
    const code = await runFetch(
      f.options.ddUrl,
      { out: f.out, yes: true, quiet: true, numbering: 'dlota2' },
      io,
    );
    expect(code).toBe(EXIT_STATE_LOCKED);
    expect(err).toBe(
      `dlstate: ${f.state} is in use by another dlstate agent (pid ${process.pid}); wait for it to end or use another --state\n`,
    );
    expect(f.server.requests).toEqual([]);
    expect(EXIT_CODE_HELP).toMatch(/^ {4}5 {2}the state directory is in use by another running agent/m);
  });
});
