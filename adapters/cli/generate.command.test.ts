import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureEntry, fixtureMachineChanged } from '../codegen/fixtures/fixture.machine.js';
import { registerGenerateCommand } from './generate.command.js';
import { bufferIo } from './io.js';
import { parseForExitCode } from './program.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], machine = fixtureEntry.machine) {
  const io = bufferIo();
  const program = new Command('dlstate')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerGenerateCommand(program, io, async () => [{ ...fixtureEntry, machine }]);
  const code = await parseForExitCode(program, argv, io);
  return { code, ...io.text };
}

describe('dlstate generate', () => {
  it('writes into --out, then --check passes, and fails naming stale files after a transition changed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dlstate-cli-gen-'));
    dirs.push(out);
    const write = await run(['generate', '--out', out]);
    expect(write.code).toBe(0);
    expect(existsSync(join(out, 'fixture.scxml'))).toBe(true);
    // --check on a fixture registry still discovers the repo's machine files; only the file list matters here
    const changed = await run(['generate', '--out', out, '--check'], fixtureMachineChanged);
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/stale: .*fixture\.transitions\.json/);
  });

  it('`generate ports` writes only the port, with types inlined outside the repo', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dlstate-cli-ports-'));
    dirs.push(out);
    const result = await run(['generate', 'ports', '--machine', 'fixture', '--out', out]);
    expect(result.code).toBe(0);
    const port = readFileSync(join(out, 'fixture.port.ts'), 'utf8');
    expect(port).toContain('export interface FixturePort');
    expect(port).toContain('export interface FixtureEffects');
    expect(port).not.toMatch(/from '/);
    expect(existsSync(join(out, 'fixture.scxml'))).toBe(false);
  });

  it('`generate ports` names the known machines when the id is unknown', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dlstate-cli-ports-'));
    dirs.push(out);
    // What a user sees from `dlstate`: the error line, exit 1.
    const result = await run(['generate', 'ports', '--machine', 'dlotaa', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^dlstate: unknown machine dlotaa; known: fixture/m);
  });
});
