/**
 * One running manager per directory: the shared kernel-held directory lock ({@link lockDirectory}), so a
 * manager killed with `kill -9` frees it at once and two managers never both hold it.
 *
 * @module
 */
import { type DirLock, lockDirectory } from '../storage/dir-lock.js';

export type { DirLock } from '../storage/dir-lock.js';

/** Takes the manager lock on `dir`, or throws naming the process that holds it. */
export function acquireLock(dir: string): Promise<DirLock> {
  return lockDirectory(dir, 'manager', 'dlstate download manager');
}
