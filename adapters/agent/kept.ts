/**
 * What a state directory keeps for a descriptor: the journals of paused (or interrupted) retrievals.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isJournal, type Journal } from '../storage/journal.js';

const SUFFIX = '.journal.json';

/** The journals in `stateDir` whose descriptor URL is `ddUrl` (none when the directory does not exist). */
export async function keptRanges(stateDir: string, ddUrl: string): Promise<Journal[]> {
  let names: string[];
  try {
    names = await fs.readdir(stateDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: Journal[] = [];
  for (const name of names.filter((n) => n.endsWith(SUFFIX)).sort()) {
    const key = name.slice(0, -SUFFIX.length);
    try {
      const value: unknown = JSON.parse(await fs.readFile(path.join(stateDir, name), 'utf8'));
      if (isJournal(value, key) && value.ddUrl === ddUrl) found.push(value);
    } catch {
      // A damaged journal is PartialStore's to repair; it is not a kept range to cancel.
    }
  }
  return found;
}
