/**
 * `mkdir -p` that always ends. Node's `fs.mkdir(dir, { recursive: true })` (18, 20 and 22) spins forever at 100 %
 * CPU when a parent exists but cannot hold the child — a path under `/proc`, or below a dangling symlink: the
 * child's mkdir answers ENOENT, Node takes that for a missing parent, "creates" the parent (EEXIST) and tries the
 * child again. `dlstate manager list --dir /proc/x` hung that way. These walk up once to the deepest existing
 * ancestor, then create each missing directory once, top-down: an ENOENT on the way down is final and thrown.
 * `make-dir.property.test.ts` checks them against the file system over generated trees.
 *
 * @module
 */
import { promises as fs, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The error for an existing path that is not a directory (what Node's recursive mkdir throws: EEXIST). */
function notADirectory(error: unknown, dir: string): Error {
  return Object.assign(new Error(`${dir} exists and is not a directory`), {
    code: code(error),
    cause: error,
  });
}

/** Creates `dir` and any missing parents; resolves once it is a directory, throws (bounded) when it cannot be. */
export async function makeDir(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; ; ) {
    try {
      await fs.mkdir(current);
      break;
    } catch (error) {
      if (code(error) === 'EEXIST') {
        const isDir = await fs.stat(current).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (!isDir) throw notADirectory(error, current);
        break;
      }
      const parent = path.dirname(current);
      if (code(error) !== 'ENOENT' || parent === current) throw error;
      missing.push(current);
      current = parent;
    }
  }
  for (const child of missing.reverse()) {
    try {
      await fs.mkdir(child);
    } catch (error) {
      // Made meanwhile by someone else: fine if it is a directory. Anything else (ENOENT included) is final.
      const isDir =
        code(error) === 'EEXIST' &&
        (await fs.stat(child).then(
          (s) => s.isDirectory(),
          () => false,
        ));
      if (!isDir) throw code(error) === 'EEXIST' ? notADirectory(error, child) : error;
    }
  }
}

/** {@link makeDir}, synchronous (for the code generator and other synchronous writers). */
export function makeDirSync(dir: string): void {
  const target = path.resolve(dir);
  const isDir = (p: string) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const missing: string[] = [];
  for (let current = target; ; ) {
    try {
      mkdirSync(current);
      break;
    } catch (error) {
      if (code(error) === 'EEXIST') {
        if (!isDir(current)) throw notADirectory(error, current);
        break;
      }
      const parent = path.dirname(current);
      if (code(error) !== 'ENOENT' || parent === current) throw error;
      missing.push(current);
      current = parent;
    }
  }
  for (const child of missing.reverse()) {
    try {
      mkdirSync(child);
    } catch (error) {
      if (!(code(error) === 'EEXIST' && isDir(child)))
        throw code(error) === 'EEXIST' ? notADirectory(error, child) : error;
    }
  }
}
