/**
 * One process per directory, held by the kernel: the holder listens on a Unix socket named after the
 * directory, and the kernel frees the name the instant the process ends — `kill -9`, OOM or crash alike —
 * so a dead holder never blocks the next run and two live ones never both hold it (`bind` is atomic).
 *
 * On Linux the socket lives in the abstract namespace (`\0dlstate/<name>/<hash of the directory's device and
 * inode>`): no file is left behind, and the name follows the directory, not the path spelling (symlinks,
 * `..`). Elsewhere it is a socket file `<dir>/<name>.lock`; a file whose listener is gone refuses connections
 * and is replaced. A second locker connects to the holder, which answers with its pid, for the message.
 * Limit: the abstract namespace is per network namespace, so two containers sharing a volume but not a
 * network do not see each other's lock.
 *
 * A pid file created with `O_EXCL` alone would stay behind after `kill -9`; checking its pid is alive races
 * with a second taker and with pid reuse. The socket has neither problem and needs no native module.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A held directory lock. */
export interface DirLock {
  /** Frees the lock (idempotent). */
  release(): Promise<void>;
}

/** The directory is held by another live process; `pid` names it when it answered. */
export class DirLockedError extends Error {
  readonly code = 'EDIRLOCKED';
  constructor(
    readonly dir: string,
    readonly holder: string,
    readonly pid: number | undefined,
  ) {
    super(`${dir} is in use by another ${holder}${pid === undefined ? '' : ` (pid ${pid})`}`);
    this.name = 'DirLockedError';
  }
}

/** Longest wait for the holder to say its pid, in ms (it is only for the message). */
const ASK_MS = 1000;

async function socketName(dir: string, name: string): Promise<string> {
  if (process.platform === 'linux') {
    const stat = await fs.stat(dir, { bigint: true });
    const id = createHash('sha256').update(`${stat.dev}:${stat.ino}`).digest('hex').slice(0, 32);
    return `\0dlstate/${name}/${id}`;
  }
  return path.join(dir, `${name}.lock`);
}

function listen(server: net.Server, address: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error);
    server.once('error', onError);
    server.listen(address, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

/** Connects to the holder: its pid, `undefined` if it did not say, or `null` if nobody listens (stale file). */
function askHolder(address: string): Promise<number | undefined | null> {
  return new Promise((resolve) => {
    let data = '';
    const socket = net.connect(address);
    const timer = setTimeout(() => socket.destroy(), ASK_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? null : undefined);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const pid = Number(/^(\d+)\n/.exec(data)?.[1]);
      resolve(Number.isSafeInteger(pid) && pid > 0 ? pid : undefined);
    });
  });
}

/**
 * Takes the lock `name` on `dir` (which must exist) for this process, or throws a {@link DirLockedError}
 * naming the `holder` kind (e.g. `dlstate agent`) and its pid. The lock does not keep the process alive.
 */
export async function lockDirectory(dir: string, name: string, holder: string): Promise<DirLock> {
  const address = await socketName(dir, name);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end(`${process.pid}\n`);
    });
    const error = await listen(server, address);
    if (error === undefined) {
      server.unref();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }
    if (error.code !== 'EADDRINUSE') throw error;
    const pid = await askHolder(address);
    if (pid !== null) throw new DirLockedError(dir, holder, pid);
    // A socket file whose process is gone (not on Linux's abstract namespace, which has no files).
    await fs.rm(address, { force: true });
  }
  throw new DirLockedError(dir, holder, undefined);
}
