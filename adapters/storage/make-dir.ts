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

/** A question the walk asks the file system: make this one directory (answer: the error, or undefined), or is
 * this path a directory (answer: a boolean). */
type Ask = { readonly mkdir: string } | { readonly isDir: string };

/**
 * The walk, written once for both drivers: up from `dir` while its mkdir answers ENOENT, to the deepest ancestor
 * that exists (or was just made); then down, each missing directory made once, where ENOENT is final.
 */
function* walk(dir: string): Generator<Ask, void, unknown> {
  const missing: string[] = [];
  for (let current = path.resolve(dir); ; ) {
    const error = (yield { mkdir: current }) as NodeJS.ErrnoException | undefined;
    if (error === undefined) break;
    if (code(error) === 'EEXIST') {
      if (!(yield { isDir: current })) throw notADirectory(error, current);
      break;
    }
    const parent = path.dirname(current);
    if (code(error) !== 'ENOENT' || parent === current) throw error;
    missing.push(current);
    current = parent;
  }
  for (const child of missing.reverse()) {
    const error = (yield { mkdir: child }) as NodeJS.ErrnoException | undefined;
    // Made meanwhile by someone else: fine if it is a directory. Anything else (ENOENT included) is final.
    if (error === undefined || (code(error) === 'EEXIST' && (yield { isDir: child }))) continue;
    throw code(error) === 'EEXIST' ? notADirectory(error, child) : error;
  }
}

/** Creates `dir` and any missing parents; resolves once it is a directory, throws (bounded) when it cannot be. */
export async function makeDir(dir: string): Promise<void> {
  const steps = walk(dir);
  for (let step = steps.next(); !step.done; ) {
    const ask = step.value;
    const answer =
      'mkdir' in ask
        ? await fs.mkdir(ask.mkdir).then(
            () => undefined,
            (error: unknown) => error,
          )
        : await fs.stat(ask.isDir).then(
            (s) => s.isDirectory(),
            () => false,
          );
    step = steps.next(answer);
  }
}

/** {@link makeDir}, synchronous (for the code generator and other synchronous writers). */
export function makeDirSync(dir: string): void {
  const steps = walk(dir);
  for (let step = steps.next(); !step.done; ) {
    const ask = step.value;
    let answer: unknown;
    try {
      if ('mkdir' in ask) mkdirSync(ask.mkdir);
      else answer = statSync(ask.isDir).isDirectory();
    } catch (error) {
      answer = 'mkdir' in ask ? error : false;
    }
    step = steps.next(answer);
  }
}
