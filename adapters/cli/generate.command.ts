import type { Command } from 'commander';
import type { MachineEntry } from '../../machines/registry.js';
import { CliExit, type CliIo } from './io.js';

/** Where `generate` finds the machines; tests pass fixtures. */
export type MachineSource = () => Promise<readonly MachineEntry[]>;

const registry: MachineSource = async () => (await import('../../machines/registry.js')).MACHINES;

/**
 * The generator is loaded only when a generate command runs: it pulls in ts-morph (and TypeScript), which
 * every other command should not pay for — and which an installed package may lack (a devDependency).
 */
async function loadGenerator() {
  try {
    return await import('../codegen/generate.js');
  } catch (error) {
    throw new Error(
      `the generator could not load (${error instanceof Error ? error.message : String(error)}); it needs ts-morph: npm install --save-dev ts-morph@28`,
    );
  }
}

/** `dlstate generate [--out DIR] [--check]` and `dlstate generate ports --machine <id> --out <dir> [--inline]`. */
export function registerGenerateCommand(
  program: Command,
  io: CliIo,
  machines: MachineSource = registry,
): void {
  const generate = program
    .command('generate')
    .description('render generated/ (ports, constants, transition tables, SCXML, Mermaid) from the machines')
    .option('--out <dir>', 'output directory (default: generated/ of the package)')
    .option('--check', 'render in memory and exit 1 naming each stale, missing or extra file; write nothing')
    .action(async (opts: { out?: string; check?: boolean }) => {
      const { packageRoot, resolveOutDir, runGenerate } = await loadGenerator();
      const root = packageRoot();
      const code = runGenerate(
        {
          root,
          outDir: resolveOutDir(root, opts.out),
          machines: await machines(),
          check: Boolean(opts.check),
        },
        io,
      );
      if (code !== 0) throw new CliExit(code);
    });
  generate
    .command('ports')
    .description("write only one machine's port interface (types inlined when written outside this repo)")
    .requiredOption('--machine <id>', 'the registry id of the machine, e.g. dlota')
    // `--out` is also an option of `generate`, which commander hands it to; read it with the globals.
    .option('--out <dir>', 'directory to write <id>.port.ts into (required)')
    .option('--inline', 'inline the param types even inside the repo')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ machine: string; out?: string; inline?: boolean }>();
      if (!opts.out) {
        io.err("error: required option '--out <dir>' not specified\n");
        throw new CliExit(1);
      }
      const { packageRoot, renderPortOnly } = await loadGenerator();
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const { join, resolve } = await import('node:path');
      const outDir = resolve(opts.out);
      const port = renderPortOnly({
        root: packageRoot(),
        outDir,
        machines: await machines(),
        id: opts.machine,
        inline: Boolean(opts.inline),
      });
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, port.name), port.content);
      io.out(`wrote ${join(outDir, port.name)}\n`);
    });
}
