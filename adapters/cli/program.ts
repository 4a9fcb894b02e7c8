import { Command, CommanderError } from 'commander';
import { registerCancelCommand } from './cancel.command.js';
import { registerClausesCommand } from './clauses.command.js';
import { registerConformCommand } from './conform.command.js';
import { registerDemoCommand } from './demo.command.js';
import { registerFetchCommand } from './fetch.command.js';
import { registerGenerateCommand } from './generate.command.js';
import { registerInspectCommand } from './inspect.command.js';
import { CliExit, type CliIo } from './io.js';
import { registerMachinesCommand } from './machines.command.js';
import { registerManagerCommand } from './manager.command.js';
import { registerServeCommand } from './serve.command.js';

/** The `dlstate` command line; each command lives in its own `*.command.ts`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('dlstate')
    .description(
      'OMA DLOTA 2.0 and OIPF DAE downloads as XState statecharts: a download agent, a reference server, a download manager, and the spec derived from the machines',
    )
    .version('0.1.0')
    .showHelpAfterError('(run the command with --help for its usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  registerClausesCommand(program, io);
  registerMachinesCommand(program, io);
  registerGenerateCommand(program, io);
  registerServeCommand(program, io);
  registerFetchCommand(program, io);
  registerCancelCommand(program, io);
  registerDemoCommand(program, io);
  registerManagerCommand(program, io);
  registerInspectCommand(program, io);
  registerConformCommand(program, io);
  return program;
}

/** Runs the CLI with these arguments (without `node` and the script); resolves to the exit code. */
export function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  return parseForExitCode(buildProgram(io), argv, io);
}

/**
 * Parses `argv` with a program built with `exitOverride()` and resolves to the exit code: a command's
 * {@link CliExit} code, 0 for help and version, 2 for any other commander (usage) error.
 */
export async function parseForExitCode(
  program: Command,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CliExit) return error.exitCode;
    // Help and version end with 0; every other commander error is a usage error (exit 2, as `--help` documents).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.err(`dlstate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
