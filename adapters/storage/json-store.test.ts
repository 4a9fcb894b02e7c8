import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../http/test-support.js';
import { readJson, removeStaleTemps, sweepStaleTemps, writeJsonAtomic } from './json-store.js';
import { PartialStore } from './partial.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, remove } = await tempDir('dlstate-json-');
  cleanups.push(remove);
  return dir;
}

describe('json store', () => {
  it('round-trips a value, creating parent directories and leaving no temporary file', async () => {
    const dir = await scratch();
    const file = path.join(dir, 'a', 'b', 'registry.json');
    await writeJsonAtomic(file, { downloads: [{ id: 1, state: 4 }] });
    await writeJsonAtomic(file, { downloads: [{ id: 1, state: 1 }] });
    expect(await readJson(file)).toEqual({ downloads: [{ id: 1, state: 1 }] });
    expect(await fs.readdir(path.dirname(file))).toEqual(['registry.json']);
  });

  it('reads a missing file as undefined and names the path of a malformed one', async () => {
    const dir = await scratch();
    expect(await readJson(path.join(dir, 'none.json'))).toBeUndefined();
    const bad = path.join(dir, 'bad.json');
    await fs.writeFile(bad, '{"a":');
    await expect(readJson(bad)).rejects.toThrow(bad);
  });

  it('removes temporaries a crashed writer left, and only those', async () => {
    const dir = await scratch();
    const file = path.join(dir, 'r.json');
    await writeJsonAtomic(file, 1);
    await fs.writeFile(`${file}.123.abcd.tmp`, '{');
    await fs.writeFile(path.join(dir, 'other.json.1.x.tmp'), '{');
    await removeStaleTemps(file);
    expect((await fs.readdir(dir)).sort()).toEqual(['other.json.1.x.tmp', 'r.json']);
  });

  it('sweeps every temporary a crashed writer left in a directory at once, and only those', async () => {
    const dir = await scratch();
    const state = path.join(dir, 'partial');
    // Made when missing.
    await sweepStaleTemps(state);
    await writeJsonAtomic(path.join(state, 'dl-1.journal.json'), 1);
    await fs.writeFile(path.join(state, 'dl-1.journal.json.4242.0a1b2c3d.tmp'), '{');
    await fs.writeFile(path.join(state, 'dl-2.journal.json.77.ff.tmp'), '{');
    await fs.writeFile(path.join(state, 'dl-1.part'), 'data');
    await fs.writeFile(path.join(state, 'notes.tmp'), 'not ours');
    await sweepStaleTemps(state);
    expect((await fs.readdir(state)).sort()).toEqual(['dl-1.journal.json', 'dl-1.part', 'notes.tmp']);
  });

  it('a store opened with dirReady neither creates nor lists its directory (one sweep serves many stores)', async () => {
    const dir = await scratch();
    const state = path.join(dir, 'partial');
    await sweepStaleTemps(state);
    const readdir = vi.spyOn(fs, 'readdir');
    const mkdir = vi.spyOn(fs, 'mkdir');
    try {
      for (let i = 0; i < 5; i++) await PartialStore.open(state, `dl-${i}`, { dirReady: true });
      expect(readdir).not.toHaveBeenCalled();
      expect(mkdir).not.toHaveBeenCalled();
      await PartialStore.open(state, 'dl-9');
      expect(readdir).toHaveBeenCalledTimes(1);
    } finally {
      readdir.mockRestore();
      mkdir.mockRestore();
    }
  });
});
