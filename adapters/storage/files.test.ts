import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../http/test-support.js';
import { freeBytes, KEY_LENGTH, keyFor, MAX_FILE_NAME_BYTES, sanitizeFileName, uniquePath } from './files.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('sanitizeFileName', () => {
  it.each([
    ['../x', '_x'],
    ['a/b', 'a_b'],
    ['a\\b', 'a_b'],
    ['\u0000', 'download'],
    ['', 'download'],
    ['..', 'download'],
    ['/', 'download'],
    ['  .hidden.txt  ', 'hidden.txt'],
    ['evil\u0007name\r\n.gif', 'evil_name__.gif'],
    ['a..b', 'a.b'],
    ['CON.txt', '_CON.txt'],
    ['what?.jpg', 'what_.jpg'],
    ['photo.gif', 'photo.gif'],
    ['été.png', 'été.png'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('never yields separators, "..", control characters or an empty name', () => {
    for (const input of ['../../etc/passwd', '..\\..\\win', '\u0001\u001f\u007f', '....', 'a/../b', ' ']) {
      const out = sanitizeFileName(input);
      expect(out).not.toMatch(/[/\\]/);
      expect(out).not.toContain('..');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
      expect(out).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(out.length).toBeGreaterThan(0);
    }
  });

  it('bounds the length in bytes and keeps the extension', () => {
    const out = sanitizeFileName(`${'é'.repeat(400)}.mp4`);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(out.endsWith('.mp4')).toBe(true);
    expect(sanitizeFileName('x'.repeat(1000)).length).toBe(MAX_FILE_NAME_BYTES);
  });

  it('uses the fallback when nothing usable is left', () => {
    expect(sanitizeFileName('///', 'object.bin')).toBe('object.bin');
  });
});

describe('uniquePath', () => {
  it('returns the name when free, else a " (n)" suffix before the extension, never an existing file', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    expect(await uniquePath(dir, 'a/b.gif')).toBe(path.join(dir, 'a_b.gif'));
    await fs.writeFile(path.join(dir, 'a_b.gif'), 'x');
    expect(await uniquePath(dir, 'a/b.gif')).toBe(path.join(dir, 'a_b (1).gif'));
    await fs.writeFile(path.join(dir, 'a_b (1).gif'), 'x');
    expect(await uniquePath(dir, 'a/b.gif')).toBe(path.join(dir, 'a_b (2).gif'));
  });

  it('counts a dangling symlink as taken; a lookup that fails otherwise than ENOENT rejects, naming the path', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    await fs.symlink(path.join(dir, 'nowhere'), path.join(dir, 'c.bin'));
    expect(await uniquePath(dir, 'c.bin')).toBe(path.join(dir, 'c (1).bin'));
    // A "directory" that is a file: the lookup answers ENOTDIR, which is no free name.
    await fs.writeFile(path.join(dir, 'plain'), 'x');
    await expect(uniquePath(path.join(dir, 'plain'), 'd.bin')).rejects.toThrow(/ENOTDIR.*plain/);
  });
});

describe('freeBytes', () => {
  it('reports the free space of the file system, also for a directory not created yet', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    const free = await freeBytes(dir);
    expect(free).toBeGreaterThan(0);
    expect(Number.isSafeInteger(free)).toBe(true);
    expect(await freeBytes(path.join(dir, 'not', 'yet'))).toBeGreaterThan(0);
  });
});

describe('keyFor', () => {
  it('is a stable short hex key that distinguishes how parts are split', () => {
    const key = keyFor('http://a/dd', 'http://a/obj');
    expect(key).toMatch(new RegExp(`^[0-9a-f]{${KEY_LENGTH}}$`));
    expect(keyFor('http://a/dd', 'http://a/obj')).toBe(key);
    expect(keyFor('ab', 'c')).not.toBe(keyFor('a', 'bc'));
    expect(keyFor('http://a/dd')).not.toBe(key);
  });
});
