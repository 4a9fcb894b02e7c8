import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeMachine } from '../../machines/describe.js';
import { fixtureEntry } from '../codegen/fixtures/fixture.machine.js';
import { bufferIo } from './io.js';
import { registerMachinesCommand } from './machines.command.js';
import { parseForExitCode, runCli } from './program.js';

async function run(argv: string[]) {
  const io = bufferIo();
  const program = new Command('dlstate')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerMachinesCommand(program, io, async () => [fixtureEntry]);
  const code = await parseForExitCode(program, argv, io);
  return { code, ...io.text };
}

describe('dlstate machines', () => {
  it('prints each machine definition as JSON with --json', async () => {
    const { code, out } = await run(['machines', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([
      {
        id: 'fixture',
        name: 'Codegen fixture',
        file: 'adapters/codegen/fixtures/fixture.machine.ts',
        definition: JSON.parse(JSON.stringify(describeMachine(fixtureEntry.machine))),
      },
    ]);
  });

  it('prints a readable outline: states indented, transitions with guards, targets, actions, clauses', async () => {
    const { out } = await run(['machines', '--machine', 'fixture']);
    const lines = out.split('\n');
    expect(lines[0]).toBe('fixture: Codegen fixture (adapters/codegen/fixtures/fixture.machine.ts)');
    expect(lines).toContain('      USER.START → fetching / httpGet  {DL-RET-2}');
    expect(lines).toContain('  fetching (compound, initial fetching.active)');
    expect(lines).toContain('    paused');
    expect(lines).toContain('        USER.RESUME → fetching.active / httpGet  {DL-PR-8 DL-PR-9}');
    expect(lines).toContain('      (always) [fits] → done');
    expect(lines).toContain('  done (final) — reports 900 Success  {DL-INST-2}');
  });

  it('rejects an unknown --machine naming the known ones', async () => {
    const { code, err } = await run(['machines', '--machine', 'nope']);
    expect(code).toBe(1);
    expect(err).toMatch(/unknown machine nope; known: fixture/);
  });

  it('is registered in the real CLI and reads the registry', async () => {
    const io = bufferIo();
    expect(await runCli(['machines', '--json'], io)).toBe(0);
    expect(Array.isArray(JSON.parse(io.text.out))).toBe(true);
  });
});
