/**
 * The guard of make-dir.ts against the file system: over generated trees of directories, files, symlinks to
 * directories and dangling symlinks, `makeDir` and `makeDirSync` end (bounded time) and do what a model of
 * `mkdir -p` says — the target is a directory afterwards exactly when every existing component on its way is
 * one (or links to one), else the error names why (ENOTDIR below a file; EEXIST, "… exists and is not a
 * directory", for a dangling link on the way or a target that exists as something else). Node's own recursive mkdir spins forever on the dangling-link and
 * `/proc` cases, so a broken guard hangs here and fails by the time bound.
 */
import { promises as fs, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcParams } from '../../property-tests/fc.js';
import { makeDir, makeDirSync } from './make-dir.js';

type Kind = 'dir' | 'file' | 'linkToDir' | 'dangling';

/** A tree: names at the top level, each of a kind (a `dir` may hold one more level). */
interface Tree {
  readonly top: readonly { name: string; kind: Kind; inner: readonly { name: string; kind: Kind }[] }[];
}

const NAMES = ['a', 'b', 'c', 'd'];
const kindArb = fc.constantFrom<Kind>('dir', 'file', 'linkToDir', 'dangling');
const treeArb: fc.Arbitrary<Tree> = fc
  .uniqueArray(
    fc.record({
      name: fc.constantFrom(...NAMES),
      kind: kindArb,
      inner: fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMES), kind: kindArb }), {
        maxLength: 3,
        selector: (e) => e.name,
      }),
    }),
    { maxLength: 4, selector: (e) => e.name },
  )
  .map((top) => ({ top }));
/** A target below the tree's root: 1–4 components drawn from the same names. */
const targetArb = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 });

function build(root: string, tree: Tree): void {
  const make = (at: string, kind: Kind) => {
    if (kind === 'dir') mkdirSync(at);
    else if (kind === 'file') writeFileSync(at, 'x');
    else if (kind === 'linkToDir') {
      mkdirSync(`${at}.real`);
      symlinkSync(`${at}.real`, at);
    } else symlinkSync(path.join(root, 'nowhere', 'gone'), at);
  };
  for (const entry of tree.top) {
    const at = path.join(root, entry.name);
    make(at, entry.kind);
    if (entry.kind === 'dir' || entry.kind === 'linkToDir')
      for (const inner of entry.inner) make(path.join(at, inner.name), inner.kind);
  }
}

/** What `mkdir -p root/…target` must do: succeed, or fail with one of these codes. */
function model(tree: Tree, target: readonly string[]): 'ok' | 'ENOENT' | 'ENOTDIR' | 'EEXIST' {
  let level: readonly { name: string; kind: Kind; inner?: readonly { name: string; kind: Kind }[] }[] =
    tree.top;
  for (const [i, name] of target.entries()) {
    const entry = level.find((e) => e.name === name);
    const last = i === target.length - 1;
    if (entry === undefined) return 'ok'; // missing from here on: created
    if (entry.kind === 'file') return last ? 'EEXIST' : 'ENOTDIR';
    // A dangling link exists but is not a directory, wherever it stands on the way.
    if (entry.kind === 'dangling') return 'EEXIST';
    level = entry.inner ?? [];
  }
  return 'ok';
}

/** Rejects when `work` has not settled within `ms` (a spinning mkdir never would). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not end within ${ms} ms`)), ms);
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'dlstate-makedir-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('makeDir / makeDirSync: mkdir -p that always ends', () => {
  it('over generated trees (dirs, files, links to dirs, dangling links) they end and agree with the model', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(treeArb, targetArb, fc.boolean(), async (tree, target, sync) => {
        const root = path.join(scratch, `t${n++}`);
        mkdirSync(root);
        try {
          build(root, tree);
          const dir = path.join(root, ...target);
          const expected = model(tree, target);
          const outcome = await within(
            2000,
            (async () => (sync ? makeDirSync(dir) : await makeDir(dir)))().then(
              () => 'ok',
              (error: NodeJS.ErrnoException) => error.code ?? String(error),
            ),
          );
          expect(outcome, `${sync ? 'makeDirSync' : 'makeDir'}(${target.join('/')})`).toBe(expected);
          if (outcome === 'ok') expect(statSync(dir).isDirectory()).toBe(true);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      fcParams(150),
    );
  });

  it.runIf(process.platform === 'linux')(
    'a path under /proc (where Node’s recursive mkdir spins) fails at once with ENOENT, naming the path',
    async () => {
      await expect(within(2000, makeDir('/proc/dlstate-nope/x'))).rejects.toMatchObject({
        code: 'ENOENT',
        message: expect.stringContaining('/proc/dlstate-nope'),
      });
      expect(() => makeDirSync('/proc/dlstate-nope')).toThrow(/ENOENT.*\/proc\/dlstate-nope/);
    },
  );
});
