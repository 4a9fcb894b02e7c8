import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { type DownloadServer, startDownloadServer } from '../server/server.js';
import { runDemo } from './demo.command.js';
import { bufferIo } from './io.js';
import { runCli } from './program.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NAME = 'clip.bin';
const SIZE = 1024 * 1024;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  server: DownloadServer;
  out: string;
  data: Buffer;
  url: string;
}

async function setup(bytesPerSecond?: number): Promise<Setup> {
  const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-fetch-'));
  cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
  const media = path.join(root, 'media');
  await fs.mkdir(media);
  const data = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) data[i] = (i * 13 + (i >> 12)) & 0xff;
  await fs.writeFile(path.join(media, NAME), data);
  const server = await startDownloadServer({
    dir: media,
    faults: bytesPerSecond === undefined ? {} : { bytesPerSecond },
  });
  cleanups.push(() => server.close());
  return { server, out: path.join(root, 'out'), data, url: server.ddUrl(NAME) };
}

interface Child {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Spawns the CLI as a real process (signals need one); `--json` lines are parsed as they come. */
function cli(args: string[], onLine?: (line: Record<string, unknown>, child: ChildProcess) => void): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'adapters/cli/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  let err = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      onLine?.(line, proc);
    }
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exit = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 50_000);
  void exit.then(() => clearTimeout(timer));
  return { proc, lines, stderr: () => err, exit };
}

const fetchArgs = (s: Setup, ...more: string[]) => [
  'fetch',
  s.url,
  '--out',
  s.out,
  '--json',
  '--flush-bytes',
  '65536',
  ...more,
];
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';
const requests = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.event === 'request' && String(l.url).includes('/media/')) as {
    headers: Record<string, string>;
  }[];

describe('dlstate fetch as a process (loopback server, real files)', { timeout: 60_000 }, () => {
  it(
    verifies(
      ['DL-PR-4', 'DL-PR-7', 'DL-PR-9', 'DL-PR-11'],
      'SIGINT pauses (exit 75, range and journal kept); the rerun resumes with Range + If-Match and ends byte-identical (exit 0)',
    ),
    async () => {
      const s = await setup(1024 * 1024);
      const first = cli(fetchArgs(s, '--yes'), (line, proc) => {
        if (line.event === 'progress' && Number(line.received) >= 300_000) proc.kill('SIGINT');
      });
      expect(await first.exit).toBe(75);
      expect(lastLine(first.stderr())).toMatch(/^dlstate: paused \(user\), no status reported/);
      const kept = await fs.readdir(path.join(s.out, '.dlstate'));
      expect(kept.some((n) => n.endsWith('.journal.json'))).toBe(true);
      expect(first.lines.at(-1)).toMatchObject({ event: 'paused', cause: 'user' });

      s.server.faults.bytesPerSecond = undefined;
      const second = cli(fetchArgs(s, '--yes'));
      expect(await second.exit).toBe(0);
      const resume = requests(second.lines).find((r) => r.headers.range !== undefined);
      expect(resume?.headers.range).toMatch(/^bytes=[1-9]\d*-1048575$/);
      expect(resume?.headers['if-match']).toMatch(/^"clip\.bin\//);
      expect(second.lines.some((l) => l.event === 'response' && l.status === 206)).toBe(true);
      expect(second.lines.at(-1)).toMatchObject({ event: 'done', code: 900, nextURL: null });
      expect(await fs.readFile(path.join(s.out, NAME))).toEqual(s.data);
      expect(lastLine(second.stderr())).toBe('dlstate: 900 Success — installed 1 file');
    },
  );

  it(
    verifies(
      ['DL-PR-5', 'DL-PR-7'],
      'SIGKILL mid-body: the rerun resumes from the journal (at most one flush interval re-fetched), byte-identical',
    ),
    async () => {
      const s = await setup(1024 * 1024);
      let receivedAtKill = 0;
      const first = cli(fetchArgs(s, '--yes'), (line, proc) => {
        if (line.event === 'progress' && Number(line.received) >= 400_000 && receivedAtKill === 0) {
          receivedAtKill = Number(line.received);
          proc.kill('SIGKILL');
        }
      });
      await first.exit;
      expect(first.proc.signalCode).toBe('SIGKILL');
      s.server.faults.bytesPerSecond = undefined;
      const second = cli(fetchArgs(s, '--yes'));
      expect(await second.exit).toBe(0);
      const recovered = second.lines.find((l) => l.event === 'recovered');
      expect(Number(recovered?.offset)).toBeGreaterThan(0);
      expect(receivedAtKill - Number(recovered?.offset)).toBeLessThanOrEqual(65536 + 64 * 1024);
      expect(
        requests(second.lines).some((r) => r.headers.range === `bytes=${recovered?.offset}-1048575`),
      ).toBe(true);
      expect(await fs.readFile(path.join(s.out, NAME))).toEqual(s.data);
    },
  );

  it(
    verifies(
      'DL-STEP-5',
      'without a terminal and without --yes: exit 3, told to pass --yes, nothing fetched or reported',
    ),
    async () => {
      const s = await setup();
      const child = cli(['fetch', s.url, '--out', s.out]);
      expect(await child.exit).toBe(3);
      expect(lastLine(child.stderr())).toMatch(/pass --yes/);
      expect(s.server.requests.filter((r) => r.url.startsWith('/media/'))).toEqual([]);
      expect(s.server.reports).toEqual([]);
    },
  );
});

describe('dlstate fetch / cancel in-process (exit codes, closing line)', { timeout: 60_000 }, () => {
  it(verifies('DL-RET-3', '404 object: exit 24, the last stderr line names 954 and the reason'), async () => {
    const s = await setup();
    s.server.faults.missingMedia = new Set([NAME]);
    const io = bufferIo();
    expect(
      await runCli(
        fetchArgs(s, '--yes', '--quiet').filter((a) => a !== '--json'),
        io,
      ),
    ).toBe(24);
    expect(lastLine(io.text.err)).toBe(
      'dlstate: 954 Loader Error — the media object does not exist (DL-RET-3)',
    );
  });

  it(
    verifies(
      ['DL-PR-6', 'DL-INST-11'],
      'cancel: nothing paused → exit 4; a paused range → 902 posted, discarded, exit 0',
    ),
    async () => {
      const s = await setup(1024 * 1024);
      const none = bufferIo();
      expect(await runCli(['cancel', s.url, '--out', s.out], none)).toBe(4);
      expect(lastLine(none.text.err)).toMatch(/nothing paused/);
      const paused = cli(fetchArgs(s, '--yes'), (line, proc) => {
        if (line.event === 'progress' && Number(line.received) >= 200_000) proc.kill('SIGINT');
      });
      expect(await paused.exit).toBe(75);
      const io = bufferIo();
      expect(await runCli(['cancel', s.url, '--out', s.out, '--quiet'], io)).toBe(0);
      expect(lastLine(io.text.err)).toMatch(/^dlstate: 902 User Cancelled/);
      expect(s.server.reports.map((r) => r.body)).toEqual(['902 User Cancelled']);
      expect(
        (await fs.readdir(path.join(s.out, '.dlstate'))).filter((n) => !n.startsWith('reports')),
      ).toEqual([]);
    },
  );

  it('fetch --help lists the exit codes', async () => {
    const io = bufferIo();
    await runCli(['fetch', '--help'], io);
    expect(io.text.out).toMatch(/75 {2}paused or interrupted/);
    expect(io.text.out).toMatch(/24 {2}954 Loader Error/);
  });
});

describe('dlstate demo', { timeout: 60_000 }, () => {
  it(
    verifies(
      ['DL-PR-10', 'DL-STATUS-957', 'DL-EX-B6'],
      'in-process on a small object: resume, then 412 → 957 → 900, every check passes',
    ),
    async () => {
      const io = bufferIo();
      expect(await runDemo(io, { sizeBytes: 512 * 1024, bytesPerSecond: 2 * 1024 * 1024 })).toBe(0);
      expect(io.text.out).toMatch(/range: bytes=\d+-524287, if-match: "sample\.bin\//);
      expect(io.text.out).toMatch(/← 206 /);
      expect(io.text.out).toMatch(/← 412 /);
      expect(io.text.out).toMatch(/reports in order: 957 → 900 ✓/);
    },
  );

  it('as a process without a terminal: exit 0 in under 20 s, no stack trace', async () => {
    const started = Date.now();
    const child = cli(['demo']);
    let out = '';
    child.proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    expect(await child.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(out).toMatch(/every check passed/);
    expect(`${out}${child.stderr()}`).not.toMatch(/\n\s+at /);
  });
});
