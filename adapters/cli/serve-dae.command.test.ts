import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../oipf/test-support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `dlstate manager serve-dae …` as a child process (the command serves until SIGTERM). */
function serveDae(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'adapters/cli/main.ts', 'manager', 'serve-dae', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out = { text: '', err: '' };
  child.stdout.on('data', (d: Buffer) => {
    out.text += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out.err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  return { child, out, exited };
}

describe('dlstate manager serve-dae', () => {
  it('prints its loopback URL (port 0 → OS-chosen), serves /dae.js and the --static folder, stops on SIGTERM', async () => {
    const dir = await tempDir('dlstate-serve-dae-');
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    await fs.mkdir(path.join(dir, 'site', 'portal'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'site', 'portal', 'index.html'),
      '<object type="application/oipfDownloadManager"></object>',
    );
    const apps = {
      apps: [
        {
          path: '/portal/',
          id: 'portal',
          origin: 'portal.example',
          organisationId: 'operator',
          permissions: ['permission_downloadmanager_all'],
        },
      ],
    };
    await fs.writeFile(path.join(dir, 'apps.json'), JSON.stringify(apps));
    const run = serveDae([
      '--dir',
      path.join(dir, 'manager'),
      '--port',
      '0',
      '--apps',
      path.join(dir, 'apps.json'),
      '--static',
      path.join(dir, 'site'),
    ]);
    await waitFor(
      () => /listening on http:\/\/127\.0\.0\.1:\d+\n/.test(run.out.text),
      'the URL line',
      20_000,
    );
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.out.text)![1]!;
    expect(url).not.toMatch(/:0$/);
    expect(run.out.text).toContain(`${url}/portal/ → portal (permission_downloadmanager_all)`);
    expect(await (await fetch(`${url}/portal/`)).text()).toContain('application/oipfDownloadManager');
    const js = await fetch(`${url}/dae.js`, { headers: { referer: `${url}/portal/` } });
    expect([js.status, (await js.text()).includes('"id":"portal"')]).toEqual([200, true]);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // The manager released its directory (a second manager may take it).
    expect(await fs.readdir(path.join(dir, 'manager'))).not.toContain('manager.lock');
  });

  it('a bad --apps file is a usage error naming the entry and field (exit 2)', async () => {
    const dir = await tempDir('dlstate-serve-dae-');
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    await fs.writeFile(
      path.join(dir, 'apps.json'),
      JSON.stringify({ apps: [{ path: '/a/', id: 'a', permissions: ['permission_downloadmanager'] }] }),
    );
    const run = serveDae(['--dir', path.join(dir, 'm'), '--apps', path.join(dir, 'apps.json')]);
    expect(await run.exited).toBe(2);
    expect(run.out.err).toContain(
      `--apps ${path.join(dir, 'apps.json')}: apps[0]: "origin" must be a non-empty string`,
    );
  });
});
