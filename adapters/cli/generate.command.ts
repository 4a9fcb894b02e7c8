import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { MachineEntry } from '../../machines/registry.js';
import { makeDirSync } from '../storage/make-dir.js';
import { CliExit, type CliIo, EXIT_USAGE } from './io.js';

/** Where `generate` finds the machines; tests pass fixtures. */
export type MachineSource = () => Promise<readonly MachineEntry[]>;

const registry: MachineSource = async () => (await import('../../machines/registry.js')).MACHINES;

/** The package root: the nearest directory above this module holding `package.json`. */
export function cliPackageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * Whether `root` is a dlstate checkout (machine sources present) rather than an installed package, which
 * ships only `dist/` and the rendered `generated/` — and must never be rewritten inside `node_modules`.
 */
export function isCheckout(root: string): boolean {
  return existsSync(join(root, 'machines', 'registry.ts'));
}

/** The subfolder of `generated/` holding the self-contained ports (the generator's `STANDALONE_DIR`). */
const PORTS_DIR = join('generated', 'ports');

/**
 * The generator is loaded only when a generate command runs in a checkout: it pulls in ts-morph (and
 * TypeScript), devDependencies that every other command should not pay for and an installed package lacks.
 */
async function loadGenerator() {
  try {
    return await import('../codegen/generate.js');
  } catch (error) {
    throw new Error(
      `the generator could not load (${error instanceof Error ? error.message : String(error)}); in a checkout run \`npm ci\` first`,
    );
  }
}

/** The refusal a repository command prints inside an installed package. */
function installedRefusal(root: string, what: string): string {
  return `dlstate: ${what} renders the repository's generated/ from the machines' TypeScript sources; ${root} is an installed package (no sources, generated/ ships rendered), so nothing was written. For a port of your own client: dlstate generate ports --machine <id> --out <dir>\n`;
}

/**
 * `dlstate generate [--out DIR] [--check]` (a checkout only) and `dlstate generate ports --machine <id>
 * --out <dir> [--inline]` (anywhere: an installed package copies its rendered self-contained port).
 */
export function registerGenerateCommand(
  program: Command,
  io: CliIo,
  machines: MachineSource = registry,
  root: string = cliPackageRoot(),
): void {
  const generate = program
    .command('generate')
    .description(
      'render generated/ (ports, constants, transition tables, SCXML, Mermaid) from the machines; in a dlstate checkout only',
    )
    .option('--out <dir>', 'output directory (default: generated/ of the package)')
    .option('--check', 'render in memory and exit 1 naming each stale, missing or extra file; write nothing')
    .action(async (opts: { out?: string; check?: boolean }) => {
      if (!isCheckout(root)) {
        io.err(installedRefusal(root, opts.check ? 'generate --check' : 'generate'));
        throw new CliExit(EXIT_USAGE);
      }
      const { resolveOutDir, runGenerate } = await loadGenerator();
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
    .description(
      "write one machine's port interface into --out: self-contained (types inlined) outside this repository",
    )
    .requiredOption('--machine <id>', 'the registry id of the machine, e.g. dlota')
    // `--out` is also an option of `generate`, which commander hands it to; read it with the globals.
    .option('--out <dir>', 'directory to write <id>.port.ts into (required)')
    .option('--inline', 'inline the param types even inside the repo')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ machine: string; out?: string; inline?: boolean }>();
      if (!opts.out) {
        io.err("error: required option '--out <dir>' not specified\n");
        throw new CliExit(EXIT_USAGE);
      }
      const outDir = resolve(opts.out);
      const port = isCheckout(root)
        ? await renderInCheckout(root, outDir, opts.machine, Boolean(opts.inline), machines)
        : renderedPort(root, opts.machine);
      makeDirSync(outDir);
      writeFileSync(join(outDir, port.name), port.content);
      io.out(`wrote ${join(outDir, port.name)}\n`);
    });
}

async function renderInCheckout(
  root: string,
  outDir: string,
  id: string,
  inline: boolean,
  machines: MachineSource,
): Promise<{ name: string; content: string }> {
  const { renderPortOnly } = await loadGenerator();
  return renderPortOnly({ root, outDir, machines: await machines(), id, inline });
}

/** The self-contained port an installed package ships (`generated/ports/<id>.port.ts`), or a usage error. */
function renderedPort(root: string, id: string): { name: string; content: string } {
  const dir = join(root, PORTS_DIR);
  const name = `${id}.port.ts`;
  if (existsSync(join(dir, name))) return { name, content: readFileSync(join(dir, name), 'utf8') };
  const known = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.port.ts'))
        .map((f) => f.slice(0, -'.port.ts'.length))
        .sort()
    : [];
  throw new Error(`unknown machine ${id}; known: ${known.join(', ') || '(none shipped)'}`);
}
