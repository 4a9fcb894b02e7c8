/**
 * `dlstate manager …`: the running OIPF download manager for people and scripts, against a directory
 * (`--dir`, default `./.dlstate-manager`). `add`, `list`, `pause`, `resume`, `remove` and `reserve`
 * only update the registry (no transfer runs); `run` processes the queue until nothing is queued, in
 * progress or stalled. The CLI acts as a trusted application holding permission_downloadmanager_all,
 * unless `--app`/`--origin` name another one (which then holds permission_downloadmanager).
 *
 * @module
 */

import type { MultiBar, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { DOWNLOAD_STATES, FAILURE_REASONS, RESERVE_RESULTS } from '../../machines/oipf/constants.js';
import type { DownloadView } from '../../machines/oipf/index.js';
import type {
  ApplicationInfo,
  DaeDownload,
  DownloadManagerHost,
  DownloadManagerOptions,
  HostStateChange,
} from '../oipf/index.js';
import { loadInspect } from './inspect-option.js';
import {
  CliExit,
  type CliIo,
  formatTable,
  httpUrlArgument,
  inspectUrlArgument,
  wholeNumberArgument,
} from './io.js';
import { registerServeDaeCommand } from './serve-dae.command.js';

/**
 * Opens the manager, loading it (the machines, SQLite) only when a `manager` command runs: the other commands,
 * `dlstate fetch` above all, do not carry it in their memory.
 */
export async function openManager(options: DownloadManagerOptions): Promise<DownloadManagerHost> {
  return (await import('../oipf/manager.js')).createDownloadManager(options);
}

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
    name.replace('DOWNLOAD_', '').replaceAll('_', ' ').toLowerCase(),
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
  const manager = await openManager({ dir: opts.dir, maxActive: opts.maxActive, transfers });
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
      httpUrlArgument,
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
        // Entries this version cannot run are kept in the registry and said so, never silently hidden.
        for (const u of m.unreadable) io.err(`dlstate: registry entry ${u.id} not loaded: ${u.problem}\n`);
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

  common(manager.command('capabilities'))
    .description('print the <download manageDownloads="…"/> capability fragment of this manager (DAE-CAP-1)')
    .action(async (opts: CommonOptions) => {
      io.out(`${await withManager(opts, false, (m) => m.capability)}\n`);
    });

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
      inspectUrlArgument,
    )
    .addHelpText('after', `\n${MANAGER_RUN_EXIT_HELP}`)
    .action(async (opts: ManagerRunOptions) => {
      const code = await runManager(opts, io);
      if (code !== 0) throw new CliExit(code);
    });
}

/** `manager run`: every download idle and none failed during the run. */
export const EXIT_MANAGER_IDLE = 0;
/** `manager run`: a download ended in state 8 (failed) during the run; the code is the DAE state's value. */
export const EXIT_MANAGER_FAILED = 8;
/** `manager run`: interrupted (Ctrl-C, SIGTERM); transfers stopped with their durable bytes kept. */
export const EXIT_MANAGER_INTERRUPTED = 75;

/** The exit codes of `manager run`, for `--help` and the README. */
export const MANAGER_RUN_EXIT_HELP = `Exit codes:
    0  idle: every download completed or paused, none failed in this run
    1  internal error
    2  usage error
    8  idle, but at least one download failed (state 8) in this run
   75  interrupted (Ctrl-C, SIGTERM): in-progress downloads keep their durable bytes; run again to continue
`;

/** Options of `manager run` as commander parses them. */
export interface ManagerRunOptions extends CommonOptions {
  json?: boolean;
  inspect?: string;
}

/** What `manager run` takes from the process; tests replace it. */
export interface ManagerRunDeps {
  /** Calls `stop` on Ctrl-C/SIGTERM; returns the unsubscribe. @default process SIGINT and SIGTERM */
  readonly onInterrupt?: (stop: () => void) => () => void;
  /** Where progress bars are drawn on a terminal. @default process.stdout */
  readonly barStream?: NodeJS.WritableStream;
}

function processInterrupt(stop: () => void): () => void {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

/** One line per state for a summary: `2 completed, 1 in progress (30 %)`. */
function tally(views: readonly DownloadView[], bytesOf: (v: DownloadView) => number): string {
  const parts: string[] = [];
  for (const [state, name] of STATE_NAMES) {
    const of = views.filter((v) => v.state === state);
    if (of.length === 0) continue;
    const detail =
      state === 2 || state === 4 || state === 32
        ? ` (${of
            .map((v) => `${v.id}: ${v.totalSize ? Math.floor((bytesOf(v) * 100) / v.totalSize) : 0} %`)
            .join(', ')})`
        : state === 8
          ? ` (${of.map((v) => `${v.id}: reason ${v.reason} ${REASON_NAMES.get(v.reason ?? -1) ?? ''}`.trimEnd()).join(', ')})`
          : '';
    parts.push(`${of.length} ${name}${detail}`);
  }
  return parts.join(', ') || 'nothing registered';
}

/**
 * Runs the queue until idle and resolves to the exit code ({@link MANAGER_RUN_EXIT_HELP}). The state-change
 * listener is given to `createDownloadManager`, so the changes of restored downloads (which happen while it
 * starts) are printed too; on a terminal, downloads already in progress get their bar at once.
 */
export async function runManager(
  opts: ManagerRunOptions,
  io: CliIo,
  deps: ManagerRunDeps = {},
): Promise<number> {
  const cliProgress = io.isTTY && !opts.json ? (await import('cli-progress')).default : undefined;
  const bars: MultiBar | undefined = cliProgress
    ? new cliProgress.MultiBar(
        {
          format: ' {id} [{bar}] {percentage}% {value}/{total} B',
          hideCursor: true,
          clearOnComplete: false,
          stream: deps.barStream ?? process.stdout,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const active = new Map<string, SingleBar>();
  const failedInRun = new Set<string>();
  let host: DownloadManagerHost | undefined;
  const log = (text: string) => (bars ? bars.log(text) : io.out(text));
  const showBar = (id: string) => {
    if (!bars || !host || active.has(id)) return;
    const view = host.views().find((v) => v.id === id);
    active.set(
      id,
      bars.create(view?.totalSize ?? 0, host.liveBytes(id) ?? view?.amountDownloaded ?? 0, { id }),
    );
  };
  const onChange = (change: HostStateChange) => {
    if (change.state === 8) failedInRun.add(change.id);
    else failedInRun.delete(change.id);
    if (opts.json)
      io.out(`${JSON.stringify({ id: change.id, state: change.state, reason: change.reason ?? null })}\n`);
    else log(`${change.id}: ${stateText(change.state, change.reason)}\n`);
    if (change.state === 2) showBar(change.id);
    else if (bars && active.has(change.id)) {
      bars.remove(active.get(change.id)!);
      active.delete(change.id);
    }
  };
  host = await openManager({
    dir: opts.dir,
    maxActive: opts.maxActive,
    inspect: await loadInspect(opts.inspect),
    onStateChange: onChange,
  });
  const running = host;
  for (const v of running.views()) if (v.state === 2) showBar(v.id);
  const ticker = bars
    ? setInterval(() => {
        for (const [id, bar] of active) {
          const view = running.views().find((v) => v.id === id);
          bar.setTotal(view?.totalSize ?? 0);
          bar.update(running.liveBytes(id) ?? view?.amountDownloaded ?? 0);
        }
      }, 200)
    : undefined;
  let atInterrupt: DownloadView[] | undefined;
  const bytesOf = (v: DownloadView) => Math.max(v.amountDownloaded, running.liveBytes(v.id) ?? 0);
  const byteSnapshot = new Map<string, number>();
  const stop = () => {
    if (atInterrupt) return;
    atInterrupt = running.views();
    for (const v of atInterrupt) byteSnapshot.set(v.id, bytesOf(v));
    void running.close();
  };
  const unsubscribe = (deps.onInterrupt ?? processInterrupt)(stop);
  try {
    await running.whenIdle();
  } finally {
    clearInterval(ticker);
    bars?.stop();
    unsubscribe();
    await running.close();
  }
  if (atInterrupt) {
    const summary = tally(atInterrupt, (v) => byteSnapshot.get(v.id) ?? v.amountDownloaded);
    io.err(
      `interrupted: ${atInterrupt.length} download(s): ${summary}; what was durably written is kept, run \`dlstate manager run\` again to continue\n`,
    );
    return EXIT_MANAGER_INTERRUPTED;
  }
  const views = running.views();
  const failed = views.filter((v) => v.state === 8 && failedInRun.has(v.id));
  const line = `idle: ${views.length} download(s): ${tally(views, bytesOf)}\n`;
  if (!opts.json) io.out(line);
  if (failed.length > 0) {
    if (opts.json) io.err(line);
    return EXIT_MANAGER_FAILED;
  }
  return EXIT_MANAGER_IDLE;
}
