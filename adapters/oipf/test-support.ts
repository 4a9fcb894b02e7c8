/**
 * Test helpers for adapters/oipf: temp directories, deterministic media files, bounded waits and the
 * applications the integration tests use. Tests only.
 *
 * @module
 */
import { promises as fs, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { OipfManagerEvent } from '../../machines/oipf/index.js';
import type { ApplicationInfo } from './dae-objects.js';
import { TransferEngine } from './transfers.js';

/** Every directory {@link tempDir} made in this test file; removed after the file's last test. */
const made: string[] = [];
// Registered when a test file imports this module, so it is that file's hook; `stack` order runs it last,
// after the file's own hooks have closed the managers and servers using the directories. A child process
// of a test (fixtures/child-manager.ts) imports this module outside any suite: there is nothing to register.
try {
  afterAll(async () => {
    for (const dir of made.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });
} catch {
  // Not inside a vitest test file.
}

/** A fresh temporary directory, removed after the test file (the tmpdir guard fails a run that leaks one). */
export async function tempDir(prefix = 'dlstate-oipf-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Deterministic bytes (a seed makes a different object of the same size). */
export function pattern(size: number, seed = 0): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) buf[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return buf;
}

/** Writes a media file of `size` deterministic bytes into `dir`; returns its bytes. */
export async function mediaFile(dir: string, name: string, size: number, seed = 0): Promise<Buffer> {
  const bytes = pattern(size, seed);
  await fs.writeFile(path.join(dir, name), bytes);
  return bytes;
}

/** Polls `predicate` every 10 ms until it holds; fails after `timeoutMs` (every wait is bounded). */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `promise`, or a failure after `timeoutMs` naming `what` and, when given, the state `describe()` reports then — so a
 * wait that never ends says which one it was and where things stood, instead of the test's own timeout.
 */
export async function within<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs: number,
  describe?: () => unknown,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const state = describe === undefined ? '' : `; then: ${JSON.stringify(describe())}`;
      reject(new Error(`${what} did not happen within ${timeoutMs} ms${state}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Descriptors of this process open on `file` (Linux: /proc/self/fd). */
export function openOn(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n += 1;
    } catch {
      // Closed while listed.
    }
  }
  return n;
}

/**
 * A transfer engine with no manager around it: events go to `sent`, no metadata, checkpoints need no registry; an
 * adapter error throws unless `onError` is given.
 */
export function bareEngine(
  sent: OipfManagerEvent[],
  options: {
    partialDir?: string;
    filesDir?: string;
    flushEveryBytes?: number;
    onError?: (error: unknown) => void;
  } = {},
): TransferEngine {
  return new TransferEngine({
    partialDir: options.partialDir ?? '/nonexistent/partial',
    filesDir: options.filesDir ?? '/nonexistent/files',
    fetchOptions: {},
    flushEveryBytes: options.flushEveryBytes ?? 1024,
    flushEveryMs: 1000,
    timerScale: 1,
    enabled: true,
    send: (event) => sent.push(event),
    checkpointed: async () => {},
    metaOf: () => undefined,
    urlOf: () => undefined,
    patchMeta: () => {},
    onBytes: () => {},
    onError:
      options.onError ??
      ((error) => {
        throw error;
      }),
  });
}

/** Whether `file` is gone (nothing at that path): what a wait for a deletion polls. */
export function isGone(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => false,
    () => true,
  );
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A trusted application that may manage every download. */
export const ALL_APP: ApplicationInfo = {
  id: 'portal',
  origin: 'portal.example',
  organisationId: 'operator',
  permissions: ['permission_downloadmanager_all'],
};
