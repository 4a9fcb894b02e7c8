import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DownloadServer, startDownloadServer } from './server.js';

let root: string;
let served: string;
let server: DownloadServer;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dlstate-contain-'));
  served = join(root, 'served');
  await mkdir(join(served, 'sub'), { recursive: true });
  await mkdir(join(served, '.hidden'));
  await writeFile(join(root, 'secret.txt'), 'outside the served directory\n');
  await writeFile(join(served, 'inside.bin'), Buffer.alloc(64, 1));
  await writeFile(join(served, 'sub', 'deep.bin'), Buffer.alloc(32, 2));
  await writeFile(join(served, '.hidden', 'private.bin'), Buffer.alloc(16, 3));
  await writeFile(join(served, 'inside.bin.dd.json'), '{"name":"Inside"}');
  await symlink(join(root, 'secret.txt'), join(served, 'link'));
  await symlink('../secret.txt', join(served, 'relative-link'));
  await symlink('/etc/passwd', join(served, 'passwd'));
  await symlink(join(served, 'link'), join(served, 'chain'));
  await symlink('inside.bin', join(served, 'alias.bin'));
  await symlink('sub/deep.bin', join(served, 'deep-alias.bin'));
  await symlink('.hidden/private.bin', join(served, 'private.bin'));
  await symlink('inside.bin.dd.json', join(served, 'sidecar.json'));
  await symlink('missing.bin', join(served, 'dangling.bin'));
  // A sidecar symlinked outside is ignored, never read.
  await writeFile(join(root, 'evil.dd.json'), '{"name":"EVIL"}');
  await writeFile(join(served, 'other.bin'), Buffer.alloc(8, 4));
  await symlink(join(root, 'evil.dd.json'), join(served, 'other.bin.dd.json'));
  server = await startDownloadServer({ dir: served });
});
afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('containment: nothing outside the served directory is read', () => {
  it('symlinks leading outside (absolute, relative, chained), into dot-folders or to sidecars are neither listed nor served', async () => {
    const refused = [
      'link',
      'relative-link',
      'passwd',
      'chain',
      'private.bin',
      'sidecar.json',
      'dangling.bin',
    ];
    for (const name of refused) {
      for (const route of ['media', 'dd']) {
        const res = await fetch(`${server.url}/${route}/${encodeURIComponent(name)}`);
        expect(res.status, `${route}/${name}`).toBe(404);
        const text = await res.text();
        expect(text).not.toMatch(/outside the served|root:/);
      }
    }
    const listing = (await (await fetch(`${server.url}/`)).json()) as { descriptors: string[] };
    const listed = listing.descriptors.map((u) => decodeURIComponent(u.slice(u.lastIndexOf('/') + 1)));
    expect(listed).toEqual(['alias.bin', 'deep-alias.bin', 'inside.bin', 'other.bin']);
  });

  it('the listing and the routes agree: every listed name is served, symlinks inside the directory included', async () => {
    const listing = (await (await fetch(`${server.url}/`)).json()) as { descriptors: string[] };
    for (const dd of listing.descriptors) {
      const res = await fetch(dd);
      expect(res.status, dd).toBe(200);
      await res.arrayBuffer();
    }
    const alias = await fetch(`${server.url}/media/alias.bin`);
    expect(Buffer.from(await alias.arrayBuffer()).equals(Buffer.alloc(64, 1))).toBe(true);
    const deep = await fetch(`${server.url}/media/deep-alias.bin`);
    expect((await deep.arrayBuffer()).byteLength).toBe(32);
    const dd = await (await fetch(`${server.url}/dd/other.bin`)).text();
    expect(dd).not.toContain('EVIL');
  });
});
