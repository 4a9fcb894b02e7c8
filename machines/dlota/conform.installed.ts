/**
 * The verdict on what an outside agent installed: the files it left in `{out}` against the versions of the
 * object the scripted server served.
 *
 * @module
 */
import type { Difference } from './conform.oracle.js';

/** What the agent left in `{out}`: regular files outside hidden folders, with their bytes. */
export interface InstalledFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * Judges the installed files against the machine's end: after `done` one file holds exactly the final
 * object's bytes (DL-INST-5; a file that starts as one version and ends as another is named as mixed,
 * DL-PR-9/DL-PR-11: a resume appends only bytes of the same version); after `failed` nothing is usable
 * (DL-PR-5, DL-INST-11). `versions` are every version the server served, the final one last.
 */
export function judgeInstalled(
  finished: 'done' | 'failed',
  versions: readonly Uint8Array[],
  files: readonly InstalledFile[],
): Difference[] {
  const object = versions[versions.length - 1] ?? new Uint8Array();
  const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (finished === 'failed')
    return files.length === 0
      ? []
      : [
          {
            clauses: ['DL-PR-5', 'DL-INST-2', 'DL-INST-11'],
            detail: `the download failed, yet ${files.map((f) => f.path).join(', ')} is left for the user`,
          },
        ];
  if (files.some((f) => equal(f.bytes, object))) return [];
  for (const f of files) {
    const mixed = mixedVersions(f.bytes, versions);
    if (mixed) return [{ clauses: ['DL-PR-9', 'DL-PR-11'], detail: `${f.path}: ${mixed}` }];
  }
  return [
    {
      clauses: ['DL-INST-5'],
      detail: `no file holds the object (${object.length} bytes); found ${files.map((f) => `${f.path} (${f.bytes.length} bytes)`).join(', ') || 'nothing'}`,
    },
  ];
}

/** `bytes 0–70000 are version 1, bytes 70001–199999 version 2` when a file splices two versions; else null. */
export function mixedVersions(bytes: Uint8Array, versions: readonly Uint8Array[]): string | null {
  const prefix = (v: Uint8Array) => {
    let i = 0;
    while (i < bytes.length && i < v.length && bytes[i] === v[i]) i++;
    return i;
  };
  const suffixFrom = (v: Uint8Array) => {
    if (v.length !== bytes.length) return bytes.length;
    let i = bytes.length;
    while (i > 0 && bytes[i - 1] === v[i - 1]) i--;
    return i;
  };
  for (let a = 0; a < versions.length; a++)
    for (let b = 0; b < versions.length; b++) {
      if (a === b) continue;
      const p = prefix(versions[a]!);
      const s = suffixFrom(versions[b]!);
      if (p > 0 && s < bytes.length && s <= p)
        return `bytes 0–${s - 1} are version ${a + 1}, bytes ${s}–${bytes.length - 1} version ${b + 1}: mixed bytes of two versions`;
    }
  return null;
}
