/**
 * What a command pulls into memory: `program.ts` declares every command, but each loads its machinery (the
 * agent, the manager and SQLite, the browser bridge, the conformance kit) only when it runs. The agent's peak
 * RSS goal (`npm run bench`) counts every module loaded; `dlstate fetch` carrying the manager cost it ~10 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TRACE = path.resolve('adapters/cli/load-trace/register.mjs');

/**
 * Runs the CLI (or another entry) from source with the load trace; the package-relative paths (and bare packages)
 * it loaded.
 */
function loaded(args: readonly string[], entry = 'adapters/cli/main.ts'): string[] {
  const out = spawnSync(process.execPath, ['--import', TRACE, '--import', 'tsx', entry, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = /^LOADED (.*)$/m.exec(out.stderr)?.[1];
  if (line === undefined) throw new Error(`no load trace (exit ${out.status}): ${out.stderr}`);
  const root = `${path.resolve('.')}/`;
  return (JSON.parse(line) as string[]).map((url) => {
    const file = url.startsWith('file://') ? new URL(url).pathname : url;
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
    return pkg ?? file.replace(root, '');
  });
}

/** Modules only the named commands need. */
const HEAVY = {
  machines: [
    'machines/registry.ts',
    'machines/dlota/download.machine.ts',
    'machines/oipf/manager.machine.ts',
  ],
  agent: ['adapters/agent/agent.ts', 'adapters/http/client.ts', 'http-parser-js', 'saxes'],
  manager: ['adapters/oipf/manager.ts', 'better-sqlite3', 'sorted-btree'],
  browser: ['adapters/dae-web/server.ts'],
  conform: ['adapters/conform/agent-checks.ts', 'adapters/conform/server-checks.ts'],
  server: ['adapters/server/server.ts'],
} as const;

describe('each command loads only what it runs', () => {
  it('`dlstate --help` loads no machine, agent, manager, SQLite, browser bridge, kit or server', () => {
    const modules = loaded(['--help']);
    expect(modules).toContain('adapters/cli/program.ts');
    for (const heavy of Object.values(HEAVY).flat()) expect(modules).not.toContain(heavy);
  });

  it('`dlstate fetch` loads the agent and its machine, not the manager, SQLite, browser bridge or kit', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'dlstate-lazy-'));
    try {
      // Nothing listens on port 1: the agent starts, fails to fetch the descriptor, and ends.
      const modules = loaded(['fetch', 'http://127.0.0.1:1/dd', '--out', out, '--yes', '--quiet']);
      for (const needed of ['adapters/agent/agent.ts', 'machines/dlota/download.machine.ts'])
        expect(modules).toContain(needed);
      for (const heavy of [...HEAVY.manager, ...HEAVY.browser, ...HEAVY.conform, ...HEAVY.server])
        expect(modules).not.toContain(heavy);
      expect(modules).not.toContain('machines/oipf/manager.machine.ts');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('the manager bench measures the manager, not the test framework', () => {
  it('the scale run loads the manager and no vitest (whose import alone is about 14 MB of RSS)', () => {
    const modules = loaded(['20'], 'adapters/bench/manager-scale.ts');
    expect(modules).toContain('adapters/oipf/manager.ts');
    expect(modules).not.toContain('vitest');
    expect(modules.some((m) => m.endsWith('.test-support.ts') || m.endsWith('/test-support.ts'))).toBe(false);
  });
});
