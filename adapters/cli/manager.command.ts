/**
 * `dlstate manager …`: the running OIPF download manager for people and scripts, against a directory
 * (`--dir`, default `./.dlstate-manager`). `add`, `list`, `pause`, `resume`, `remove` and `reserve`
 * only update the registry (no transfer runs); `run` processes the queue until nothing is queued, in
 * progress or stalled. The CLI acts as a trusted application holding permission_downloadmanager_all,
 * unless `--app`/`--origin` name another one (which then holds permission_downloadmanager).
 *
 * @module
 */

import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DOWNLOAD_STATES, FAILURE_REASONS, RESERVE_RESULTS } from '../../machines/oipf/index.js';
import {
  type ApplicationInfo,
  createDownloadManager,
  type DaeDownload,
  type DownloadManagerHost,
} from '../oipf/index.js';
import { loadInspect } from './inspect-option.js';
import { CliExit, type CliIo, formatTable, wholeNumberArgument } from './io.js';
import { registerServeDaeCommand } from './serve-dae.command.js';

/** The default manager directory. */
export const DEFAULT_MANAGER_DIR = './.dlstate-manager';

interface CommonOptions {
  dir: string;
  app?: string;
  origin?: string;
  maxActive: number;
}

/** The application the CLI acts as. */
export function cliApplication(opts: { app?: string; origin?: string }): ApplicationInfo {
  if (opts.app === undefined && opts.origin === undefined) {
    return {
      id: 'dlstate-cli',
      origin: 'localhost',
      organisationId: 'dlstate-cli',
      permissions: ['permission_downloadmanager_all'],
    };
  }
  let origin = opts.origin ?? 'localhost';
  try {
    origin = new URL(origin).hostname;
  } catch {
    // Already an FQDN.
  }
  return {
    id: opts.app ?? `app@${origin}`,
    origin,
    organisationId: origin,
    permissions: ['permission_downloadmanager'],
  };
}

function common(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'manager directory (registry, partial files, content)', DEFAULT_MANAGER_DIR)
    .option('--app <id>', 'act as this application (own downloads only)')
    .option('--origin <url>', 'the FQDN (or URL) of that application')
    .option('--max-active <n>', 'transfers active at once', wholeNumberArgument(1), 2);
}

const STATE_NAMES = new Map<number, string>(
  Object.entries(DOWNLOAD_STATES).map(([name, row]) => [
    row.value,
    name.replace('DOWNLOAD_', '').toLowerCase(),
  ]),
);
const REASON_NAMES = new Map<number, string>(
  Object.entries(FAILURE_REASONS).map(([name, row]) => [row.value, name.toLowerCase()]),
);

function stateText(state: number | undefined, reason: number | undefined): string {
  const base = `${state} ${STATE_NAMES.get(state ?? -1) ?? '?'}`;
  return reason === undefined
    ? base
    : `${base} (reason ${reason} ${REASON_NAMES.get(reason) ?? ''})`.trimEnd();
}

async function withManager<T>(
  opts: CommonOptions,
  transfers: boolean,
  run: (m: DownloadManagerHost, app: ReturnType<DownloadManagerHost['application']>) => Promise<T> | T,
): Promise<T> {
  const manager = await createDownloadManager({ dir: opts.dir, maxActive: opts.maxActive, transfers });
  try {
    return await run(manager, manager.application(cliApplication(opts)));
  } finally {
    await manager.close();
  }
}

function findDownload(
  app: ReturnType<DownloadManagerHost['application']>,
  id: string,
): DaeDownload | undefined {
  const list = app.downloadManager.createFilteredList(undefined, 63);
  for (let i = 0; i < list.length; i += 1) if (list.item(i)?.id === id) return list.item(i);
  return undefined;
}

function rows(app: ReturnType<DownloadManagerHost['application']>, states: number) {
  const list = app.downloadManager.createFilteredList(undefined, states);
  return Array.from({ length: list.length }, (_, i) => list.item(i)!);
}

/** `dlstate manager add|list|pause|resume|remove|reserve|run`. */
export function registerManagerCommand(program: Command, io: CliIo): void {
  const manager = program
    .command('manager')
    .description('the OIPF DAE download manager: queue, inspect and run downloads kept under --dir');
  registerServeDaeCommand(manager, io, DEFAULT_MANAGER_DIR);

  common(manager.command('add'))
    .description('register a download (registerDownloadURL); prints its id')
    .argument(
      '<url>',
      'the content URL (or a CADD URL with --type application/vnd.oipf.ContentAccessDownload+xml)',
    )
    .option('--priority <n>', 'a larger number is a higher priority', wholeNumberArgument(), 0)
    .option('--type <type>', 'content type', 'application/octet-stream')
    .action(async (url: string, opts: CommonOptions & { priority: number; type: string }) => {
      const id = await withManager(opts, false, (_m, app) =>
        app.downloadTrigger.registerDownloadURL(url, opts.type, null, opts.priority),
      );
      if (id === undefined) {
        io.err('dlstate: the download manager refused the registration\n');
        throw new CliExit(1);
      }
      io.out(`${id}\n`);
    });

  common(manager.command('list'))
    .description('list the downloads this application may see (createFilteredList)')
    .option(
      '--states <n>',
      'sum of states to list (1 completed, 2 in progress, 4 paused, 8 failed, 16 queued, 32 stalled)',
      wholeNumberArgument(),
      63,
    )
    .option('--json', 'print a JSON array')
    .action(async (opts: CommonOptions & { states: number; json?: boolean }) => {
      await withManager(opts, false, (m, app) => {
        const list = rows(app, opts.states).map((d) => ({
          id: d.id,
          state: d.state,
          reason: d.reason ?? null,
          priority: d.priority,
          amountDownloaded: d.amountDownloaded,
          totalSize: d.totalSize ?? null,
          name: d.name,
          url: d.contentURL,
          file: m.metaOf(d.id ?? '')?.filePath ?? null,
        }));
        if (opts.json) return io.out(`${JSON.stringify(list, null, 2)}\n`);
        io.out(
          formatTable(
            ['id', 'state', 'priority', 'bytes', 'url'],
            list.map((d) => [
              String(d.id),
              stateText(d.state, d.reason ?? undefined),
              String(d.priority),
              `${d.amountDownloaded}/${d.totalSize ?? '?'}`,
              String(d.url),
            ]),
          ),
        );
      });
    });

  for (const method of ['pause', 'resume', 'remove'] as const) {
    common(manager.command(method))
      .description(`${method}(download); prints true or false (exit 1 on false)`)
      .argument('<id>', 'download id')
      .action(async (id: string, opts: CommonOptions) => {
        const ok = await withManager(opts, false, (_m, app) => {
          const d = findDownload(app, id);
          const dm = app.downloadManager;
          const fn = method === 'remove' ? dm.remove.bind(dm) : dm[method];
          if (d === undefined) return false;
          return fn?.(d) ?? false;
        });
        io.out(`${ok}\n`);
        if (!ok) throw new CliExit(1);
      });
  }

  common(manager.command('reserve'))
    .description('reserve(bytes) for the application organisation; prints the RESERVE_* result (0 cancels)')
    .argument('<bytes>', 'bytes to reserve', wholeNumberArgument())
    .action(async (bytes: number, opts: CommonOptions) => {
      const result = await withManager(opts, false, (_m, app) => app.downloadManager.reserve(bytes));
      const name = Object.entries(RESERVE_RESULTS).find(([, row]) => row.value === result)?.[0] ?? '?';
      io.out(`${name} (${result})\n`);
      if (result !== RESERVE_RESULTS.RESERVE_OK.value) throw new CliExit(1);
    });

  common(manager.command('run'))
    .description('process the queue until nothing is queued, in progress or stalled')
    .option('--json', 'print each state change as a JSON line {"id","state","reason"}')
    .option(
      '--inspect <url>',
      'publish the live state to `dlstate inspect` (its ws://127.0.0.1:PORT/inspect URL)',
    )
    .action(async (opts: CommonOptions & { json?: boolean; inspect?: string }) => {
      const host = await createDownloadManager({
        dir: opts.dir,
        maxActive: opts.maxActive,
        inspect: await loadInspect(opts.inspect),
      });
      const bars =
        io.isTTY && !opts.json
          ? new cliProgress.MultiBar(
              {
                format: ' {id} [{bar}] {percentage}% {value}/{total} B',
                hideCursor: true,
                clearOnComplete: false,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      const active = new Map<string, cliProgress.SingleBar>();
      const log = (text: string) => (bars ? bars.log(text) : io.out(text));
      host.onStateChange((change) => {
        if (opts.json)
          io.out(
            `${JSON.stringify({ id: change.id, state: change.state, reason: change.reason ?? null })}\n`,
          );
        else log(`${change.id}: ${stateText(change.state, change.reason)}\n`);
        if (bars && change.state === 2 && !active.has(change.id)) {
          const view = host.views().find((v) => v.id === change.id);
          active.set(
            change.id,
            bars.create(view?.totalSize ?? 0, view?.amountDownloaded ?? 0, { id: change.id }),
          );
        } else if (bars && change.state !== 2 && active.has(change.id)) {
          bars.remove(active.get(change.id)!);
          active.delete(change.id);
        }
      });
      const ticker = bars
        ? setInterval(() => {
            for (const [id, bar] of active) {
              const view = host.views().find((v) => v.id === id);
              bar.setTotal(view?.totalSize ?? 0);
              bar.update(host.liveBytes(id) ?? view?.amountDownloaded ?? 0);
            }
          }, 200)
        : undefined;
      const stop = () => void host.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await host.whenIdle();
      } finally {
        clearInterval(ticker);
        bars?.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await host.close();
      }
      const failed = host.views().filter((v) => v.state === 8).length;
      if (!opts.json) io.out(`idle: ${host.views().length} download(s), ${failed} failed\n`);
    });
}
