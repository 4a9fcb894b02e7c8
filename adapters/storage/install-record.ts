/**
 * The install record: written once, atomically, when the objects of an accepted `900` are about to be moved
 * into the output directory, and removed once every one of them is there. It is the durable "the report was
 * accepted, these objects are installed at these paths" that a restart honours: the moves it names are
 * finished, nothing is downloaded or reported again. Keyed by the descriptor URL the run was started with.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { keyFor } from './files.js';
import { fsyncDir, readJson, removeStaleTemps, writeJsonAtomic } from './json-store.js';

/** One object of an install record: its kept range's store key, its final path, and what the run knows of it. */
export interface InstallEntry<F> {
  readonly key: string;
  /** Absolute path the object is (being) moved to. */
  readonly target: string;
  readonly file: F;
}

/** What {@link writeInstallRecord} stores. */
export interface InstallRecord<F> {
  readonly version: 1;
  /** The descriptor URL the run was started with. */
  readonly ddUrl: string;
  readonly entries: readonly InstallEntry<F>[];
}

/** Where the install record of the run started with `ddUrl` lives in `stateDir`. */
export function installRecordPath(stateDir: string, ddUrl: string): string {
  return path.join(stateDir, `${keyFor('install', ddUrl)}.install.json`);
}

/** Stores the record durably (temp file, fsync, rename, fsync of the directory) before any object moves. */
export async function writeInstallRecord<F>(stateDir: string, record: InstallRecord<F>): Promise<void> {
  await writeJsonAtomic(installRecordPath(stateDir, record.ddUrl), record);
}

/** The record a crash left for `ddUrl`, or `undefined`; a record of another shape is an error naming the file. */
export async function readInstallRecord<F>(
  stateDir: string,
  ddUrl: string,
): Promise<InstallRecord<F> | undefined> {
  const file = installRecordPath(stateDir, ddUrl);
  await removeStaleTemps(file);
  const record = await readJson<InstallRecord<F>>(file);
  if (record === undefined) return undefined;
  if (record.version !== 1 || record.ddUrl !== ddUrl || !Array.isArray(record.entries))
    throw new Error(`${file}: not a version 1 install record for ${ddUrl}`);
  return record;
}

/** Removes the record once every object it names is in place (then fsyncs the directory). */
export async function removeInstallRecord(stateDir: string, ddUrl: string): Promise<void> {
  await fs.rm(installRecordPath(stateDir, ddUrl), { force: true });
  await fsyncDir(stateDir);
}
