import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { mediaFile, tempDir, waitFor } from '../oipf/test-support.js';
import { startDownloadServer } from '../server/server.js';
import { bufferIo } from './io.js';
import { EXIT_MANAGER_FAILED, EXIT_MANAGER_INTERRUPTED, runManager } from './manager.command.js';
import { runCli } from './program.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function cli(...args: string[]) {
  const io = bufferIo();
  const code = await runCli(args, io);
  return { code, out: io.text.out, err: io.text.err };
}

describe('dlstate manager', () => {
  it(
    verifies(
      'DAE-CAP-1',
      'manager capabilities prints the <download manageDownloads> fragment of its configuration',
    ),
    async () => {
      const dir = await tempDir();
      cleanups.push(() =>
        import('node:fs').then((fs) => fs.promises.rm(dir, { recursive: true, force: true })),
      );
      expect(await cli('manager', 'capabilities', '--dir', dir)).toMatchObject({
        code: 0,
        out: '<download manageDownloads="all"/>\n',
      });
    },
  );

  it(
    verifies(
      ['DAE-EVT-1', 'DAE-PAUSE-1', 'DAE-RESUME-1', 'DAE-REMOVE-1'],
      'add, list, pause, resume, reserve, run --json, remove against --dir',
    ),
    async () => {
      const srvDir = await tempDir('dlstate-srv-');
      await mediaFile(srvDir, 'one.bin', 30_000);
      await mediaFile(srvDir, 'two.bin', 20_000, 2);
      const server = await startDownloadServer({ dir: srvDir });
      cleanups.push(() => server.close());
      const dir = await tempDir();
      const one = await cli(
        'manager',
        'add',
        `${server.url}/media/one.bin`,
        '--dir',
        dir,
        '--max-active',
        '1',
      );
      expect(one).toMatchObject({ code: 0, out: '1\n' });
      const two = await cli(
        'manager',
        'add',
        `${server.url}/media/two.bin`,
        '--priority',
        '5',
        '--dir',
        dir,
        '--max-active',
        '1',
      );
      expect(two.out).toBe('2\n');
      expect((await cli('manager', 'pause', '2', '--dir', dir)).out).toBe('true\n');
      expect((await cli('manager', 'pause', '99', '--dir', dir)).code).toBe(1);
      const listed = JSON.parse((await cli('manager', 'list', '--json', '--dir', dir)).out) as {
        id: string;
        state: number;
        priority: number;
      }[];
      expect(listed.map((d) => [d.id, d.state, d.priority])).toEqual([
        ['1', 2, 0],
        ['2', 4, 5],
      ]);
      expect((await cli('manager', 'pause', '1', '--dir', dir)).out).toBe('true\n');
      expect((await cli('manager', 'resume', '1', '--dir', dir)).out).toBe('true\n');
      expect((await cli('manager', 'resume', '1', '--dir', dir)).code).toBe(1);
      expect((await cli('manager', 'reserve', '1048576', '--dir', dir)).out).toBe('RESERVE_OK (0)\n');
      // An application of another origin sees none of the CLI's downloads.
      expect(
        JSON.parse(
          (await cli('manager', 'list', '--json', '--dir', dir, '--origin', 'http://other.example')).out,
        ),
      ).toEqual([]);
      const run = await cli('manager', 'run', '--json', '--dir', dir, '--max-active', '1');
      expect(run.code).toBe(0);
      const lines = run.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toContainEqual({ id: '1', state: 1, reason: null });
      expect(lines.every((l) => Object.keys(l).join() === 'id,state,reason')).toBe(true);
      const table = (await cli('manager', 'list', '--dir', dir)).out;
      expect(table).toMatch(/1\s+1 completed\s+0\s+30000\/30000/);
      expect(table).toMatch(/2\s+4 paused/);
      expect((await cli('manager', 'remove', '1', '--dir', dir)).out).toBe('true\n');
      expect(JSON.parse((await cli('manager', 'list', '--json', '--states', '1', '--dir', dir)).out)).toEqual(
        [],
      );
    },
  );

  it('`run` prints the state changes of restored downloads from the start and exits 8 when one failed', async () => {
    const srvDir = await tempDir('dlstate-srv-');
    const server = await startDownloadServer({ dir: srvDir, faults: { missing: new Set(['gone.bin']) } });
    cleanups.push(() => server.close());
    const dir = await tempDir();
    expect((await cli('manager', 'add', `${server.url}/media/gone.bin`, '--dir', dir)).code).toBe(0);
    const run = await cli('manager', 'run', '--json', '--dir', dir);
    const states = run.out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { state: number }).state);
    // queued → in progress happens while the manager starts; the 404 fails it.
    expect(states).toEqual([2, 8]);
    expect(run.code).toBe(EXIT_MANAGER_FAILED);
    expect(run.err).toMatch(/idle: 1 download\(s\): 1 failed \(1: reason \d+/);
  });

  it('`run` tells the truth on Ctrl-C: the download in progress, its share, exit 75', async () => {
    const srvDir = await tempDir('dlstate-srv-');
    await mediaFile(srvDir, 'big.bin', 2_000_000);
    const server = await startDownloadServer({ dir: srvDir, faults: { stallNextBodyAfter: 1_500_000 } });
    cleanups.push(() => server.close());
    const dir = await tempDir();
    await cli('manager', 'add', `${server.url}/media/big.bin`, '--dir', dir);
    const io = bufferIo();
    let interrupt: (() => void) | undefined;
    const done = runManager({ dir, maxActive: 2 }, io, {
      onInterrupt: (stop) => {
        interrupt = stop;
        return () => {};
      },
    });
    await waitFor(() => io.text.out.includes('1: 2 in progress') && interrupt !== undefined, 'in progress');
    // Let the bytes the server sends before stalling arrive (written in batches of up to 1 MiB).
    await new Promise((r) => setTimeout(r, 500));
    interrupt!();
    expect(await done).toBe(EXIT_MANAGER_INTERRUPTED);
    expect(io.text.out).not.toMatch(/idle/);
    expect(io.text.err).toMatch(/^interrupted: 1 download\(s\): 1 in progress \(1: [1-9]\d %\);/m);
  });

  it('`run` on a terminal draws a bar at once for a download restored in progress', async () => {
    const srvDir = await tempDir('dlstate-srv-');
    await mediaFile(srvDir, 'big.bin', 2_000_000);
    const server = await startDownloadServer({ dir: srvDir, faults: { stallNextBodyAfter: 1_500_000 } });
    cleanups.push(() => server.close());
    const dir = await tempDir();
    await cli('manager', 'add', `${server.url}/media/big.bin`, '--dir', dir);
    // First run: interrupted while the download is in progress; the registry keeps it in state 2.
    let interrupt: (() => void) | undefined;
    const onInterrupt = (stop: () => void) => {
      interrupt = stop;
      return () => {};
    };
    const first = bufferIo();
    const firstRun = runManager({ dir, maxActive: 2 }, first, { onInterrupt });
    await waitFor(
      () => first.text.out.includes('1: 2 in progress') && interrupt !== undefined,
      'in progress',
    );
    // Let the first run's request reach the server and the bytes before the stall arrive (as the Ctrl-C test
    // does): interrupted before that, its request could take the second run's stall fault.
    await new Promise((r) => setTimeout(r, 500));
    interrupt!();
    expect(await firstRun).toBe(EXIT_MANAGER_INTERRUPTED);
    expect(JSON.parse((await cli('manager', 'list', '--json', '--dir', dir)).out)[0].state).toBe(2);
    // Second run on a terminal: no state change announces the restored download, yet its bar is drawn.
    server.faults.stallNextBodyAfter = 0;
    const drawn: string[] = [];
    const barStream = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          drawn.push(String(chunk));
          done();
        },
      }),
      { isTTY: true, columns: 100 },
    );
    const second = bufferIo(true);
    interrupt = undefined;
    const secondRun = runManager({ dir, maxActive: 2 }, second, { onInterrupt, barStream });
    await waitFor(() => drawn.join('').includes(' 1 [') && interrupt !== undefined, 'the bar of download 1');
    expect(second.text.out).not.toContain('1: 2 in progress');
    interrupt!();
    expect(await secondRun).toBe(EXIT_MANAGER_INTERRUPTED);
  });
});
