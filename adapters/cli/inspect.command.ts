import { type Command, InvalidArgumentError } from 'commander';
import { MACHINE_IDS } from '../../generated/constants.js';
import type { InspectRelay } from '../inspect/index.js';
import { CliExit, type CliIo } from './io.js';

/** How `dlstate inspect` waits before closing the relay: until SIGINT/SIGTERM, or a test's promise. */
export type InspectWait = (relay: InspectRelay) => Promise<void>;

const untilSignal: InspectWait = () =>
  new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

/** `dlstate inspect [--port N] [--machine id]`: serves the live viewer page and the producer endpoint on 127.0.0.1. */
export function registerInspectCommand(program: Command, io: CliIo, wait: InspectWait = untilSignal): void {
  program
    .command('inspect')
    .description(
      'serve a local page (127.0.0.1) showing a machine diagram with the active state highlighted live and an event log; run `dlstate fetch|demo|manager run --inspect <producer URL>` to feed it',
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--machine <id>', `machine shown first: ${MACHINE_IDS.join(', ')}`)
    .option('--quiet', 'do not log relayed state changes on stderr')
    .action(async (opts: { port: number; machine?: string; quiet?: boolean }) => {
      if (opts.machine !== undefined && !(MACHINE_IDS as readonly string[]).includes(opts.machine)) {
        io.err(
          `dlstate inspect: no machine ${JSON.stringify(opts.machine)}; known: ${MACHINE_IDS.join(', ')}\n`,
        );
        throw new CliExit(1);
      }
      // Loaded on demand: the diagrams' layout engine is only needed by this command.
      const { leafIds, startInspectRelay } = await import('../inspect/index.js');
      const relay = await startInspectRelay({
        port: opts.port,
        ...(opts.machine === undefined ? {} : { machine: opts.machine }),
        onMessage: (m) => {
          if (opts.quiet || m.type !== 'snapshot') return;
          io.err(`${m.machineId} ${m.event.type || '(start)'} → ${leafIds(m.stateIds).join(', ')}\n`);
        },
      });
      io.out(`dlstate inspector page: ${relay.pageUrl}\n`);
      io.out(`producers connect to:   ${relay.producerUrl}\n`);
      io.out(`e.g. dlstate demo --inspect ${relay.producerUrl}   (Ctrl-C stops the inspector)\n`);
      try {
        await wait(relay);
      } finally {
        await relay.close();
      }
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`a port is a whole number 0…65535, got ${JSON.stringify(value)}`);
  return port;
}
