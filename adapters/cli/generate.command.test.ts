import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { typecheck } from '../codegen/compile.test-support.js';
import { fixtureEntry, fixtureMachineChanged } from '../codegen/fixtures/fixture.machine.js';
import { registerGenerateCommand } from './generate.command.js';
import { bufferIo } from './io.js';
import { parseForExitCode } from './program.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], machine = fixtureEntry.machine, root?: string) {
  const io = bufferIo();
  const program = new Command('dlstate')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerGenerateCommand(program, io, async () => [{ ...fixtureEntry, machine }], root);
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

/** What `npm install dlstate` leaves: package.json, dist/ and the rendered generated/ (ports included), no sources. */
function installedPackage(): string {
  const root = mkdtempSync(join(tmpdir(), 'dlstate-cli-installed-'));
  dirs.push(root);
  writeFileSync(join(root, 'package.json'), '{ "name": "dlstate", "type": "module" }\n');
  mkdirSync(join(root, 'generated'));
  cpSync('generated/ports', join(root, 'generated', 'ports'), { recursive: true });
  return root;
}

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('dlstate generate inside an installed package', () => {
  for (const argv of [['generate'], ['generate', '--check'], ['generate', '--out', 'x']]) {
    it(`\`${argv.join(' ')}\` refuses with a usage error and writes nothing`, async () => {
      const root = installedPackage();
      const before = tree(root);
      const result = await run(argv, undefined, root);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`${root} is an installed package`);
      expect(result.err).toContain('dlstate generate ports --machine <id> --out <dir>');
      expect(tree(root)).toEqual(before);
    });
  }

  it('`generate ports` copies the shipped self-contained port of every machine, which compiles strict', async () => {
    const root = installedPackage();
    for (const id of ['dlota', 'oipf-download', 'oipf-manager']) {
      const out = mkdtempSync(join(tmpdir(), 'dlstate-cli-ports-'));
      dirs.push(out);
      const result = await run(['generate', 'ports', '--machine', id, '--out', out], undefined, root);
      expect(result.code).toBe(0);
      const port = readFileSync(join(out, `${id}.port.ts`), 'utf8');
      expect(port).toBe(readFileSync(join('generated', 'ports', `${id}.port.ts`), 'utf8'));
      expect(port).not.toMatch(/from '/);
      expect(typecheck(out, { [`${id}.port.ts`]: port })).toEqual([]);
    }
  });

  it('`generate ports` names the shipped machines when the id is unknown', async () => {
    const root = installedPackage();
    const result = await run(['generate', 'ports', '--machine', 'dlot', '--out', root], undefined, root);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/unknown machine dlot; known: dlota, oipf-download, oipf-manager/);
  });

  it('`generate ports` without --out is a usage error', async () => {
    const result = await run(['generate', 'ports', '--machine', 'dlota'], undefined, installedPackage());
    expect(result.code).toBe(2);
  });
});
