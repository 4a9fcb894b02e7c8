/**
 * `dlstate manager serve-dae`: HbbTV/OIPF application pages in a real browser get the DAE download objects,
 * backed by the download manager under `--dir` (adapters/dae-web).
 *
 * @module
 */
import { type Command, InvalidArgumentError } from 'commander';
import { PROFILES, type Profile } from '../../machines/oipf/constants.js';
import type { DaeWebApp } from '../dae-web/apps.js';
import { CliExit, type CliIo, directoryArgument, wholeNumberArgument } from './io.js';
import { openManager } from './manager.command.js';

interface ServeDaeOptions {
  dir: string;
  port: number;
  apps?: string;
  static?: string;
  profile: Profile;
  maxActive: number;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`a port is a whole number 0…65535, got ${JSON.stringify(value)}`);
  return port;
}

function parseProfile(value: string): Profile {
  if (!Object.hasOwn(PROFILES, value))
    throw new InvalidArgumentError(
      `expected one of ${Object.keys(PROFILES).join(', ')}, got ${JSON.stringify(value)}`,
    );
  return value as Profile;
}

/** Adds `serve-dae` to `dlstate manager`. */
export function registerServeDaeCommand(manager: Command, io: CliIo, defaultDir: string): void {
  manager
    .command('serve-dae')
    .description(
      'serve HbbTV/OIPF pages in a browser: GET /dae.js gives them the DAE download objects, backed by this manager (WebSocket /dae)',
    )
    .option('--dir <dir>', 'manager directory (registry, partial files, content)', defaultDir)
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port, printed)', parsePort, 0)
    .option(
      '--apps <file>',
      'JSON: which application identity a page gets, by URL path prefix (see the guide)',
    )
    .option('--static <dir>', 'an application folder served at /', directoryArgument)
    .option('--profile <profile>', 'the manager profile: oipf or hbbtv', parseProfile, 'oipf')
    .option('--max-active <n>', 'transfers active at once', wholeNumberArgument(1), 2)
    .action(async (opts: ServeDaeOptions) => {
      // Loaded when the command runs (the browser bridge is not needed by any other command).
      const [{ loadApps }, { startDaeServer }] = await Promise.all([
        import('../dae-web/apps.js'),
        import('../dae-web/server.js'),
      ]);
      let apps: DaeWebApp[] = [];
      if (opts.apps !== undefined) {
        try {
          apps = await loadApps(opts.apps, opts.profile);
        } catch (error) {
          io.err(`dlstate: ${(error as Error).message}\n`);
          throw new CliExit(2);
        }
      } else io.err('dlstate: no --apps: every page gets isObjectSupported() false\n');
      const host = await openManager({
        dir: opts.dir,
        profile: opts.profile,
        maxActive: opts.maxActive,
      });
      const server = await startDaeServer({
        manager: host,
        apps,
        port: opts.port,
        ...(opts.static !== undefined ? { staticDir: opts.static } : {}),
      }).catch(async (error: Error) => {
        await host.close();
        io.err(`dlstate: serve-dae: ${error.message}\n`);
        throw new CliExit(1);
      });
      // One write: a reader that sees the URL line sees the applications too.
      io.out(
        [
          `dlstate serve-dae listening on ${server.url}`,
          `runtime: ${server.url}/dae.js  socket: ws://127.0.0.1:${server.port}/dae  apps: ${apps.length}`,
          ...apps.map((app) => `  ${server.url}${app.path} → ${app.id} (${app.permissions.join(', ')})`),
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await host.close();
    });
}
