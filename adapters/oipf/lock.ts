/**
 * One running manager per directory: `<dir>/manager.lock` is created exclusively and holds the pid;
 * a lock whose process is gone (e.g. after `kill -9`) is taken over.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A held directory lock. */
export interface DirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>/manager.lock`, or throws naming the process that holds it. */
export async function acquireLock(dir: string): Promise<DirLock> {
  const file = path.join(dir, 'manager.lock');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => fs.rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid))
        throw new Error(`${dir} is in use by another dlstate download manager (pid ${pid})`);
      await fs.rm(file, { force: true });
    }
  }
  throw new Error(`${dir}: could not take manager.lock`);
}
