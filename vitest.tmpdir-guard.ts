/**
 * Vitest global setup: every run gets a private temporary directory (TMPDIR, inherited by the test workers and
 * every process they start), so what the tests leave behind is theirs alone, even with other runs going on.
 * At the end the run fails naming each `dlstate-*` entry still there — a test that made it did not remove it —
 * and the private directory is removed either way. Other tools' caches in it (tsx's) are not leaks.
 *
 * @module
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = tmpdir();
  const own = mkdtempSync(join(outer, 'vitest-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = own;
  return () => {
    const leaked = readdirSync(own)
      .filter((name) => name.startsWith('dlstate-'))
      .sort();
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(own, { recursive: true, force: true });
    if (leaked.length > 0) {
      // A thrown error here is only logged by vitest; the exit code is what CI reads.
      process.exitCode = 1;
      console.error(
        `tmpdir guard: tests left ${leaked.length} temporary director${leaked.length === 1 ? 'y' : 'ies'} behind (removed now; the test that made each must remove it): ${leaked.join(', ')}`,
      );
    }
  };
}
