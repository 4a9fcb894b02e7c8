import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { type DownloadServer, startDownloadServer } from './server.js';

const run = promisify(execFile);
const CURL = '/usr/bin/curl';
const WGET = '/usr/bin/wget';
/** Debian's curl and wget (`.ci/run` installs them); without them these tests cannot say anything. */
const hasClients = existsSync(CURL) && existsSync(WGET);

let root: string;
let served: string;
let server: DownloadServer;
const v1 = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + 3) & 0xff));
const v2 = Buffer.from(Array.from({ length: 310_000 }, (_, i) => (i * 11 + 5) & 0xff));

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dlstate-clients-'));
  served = join(root, 'served');
  await mkdir(served);
  await writeFile(join(served, 'object.bin'), v1);
  server = await startDownloadServer({ dir: served });
});
afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const url = () => `${server.url}/media/object.bin`;

describe.skipIf(!hasClients)('real clients against the reference server', () => {
  it(verifies('DL-PR-2', 'curl -C - resumes a partial file: 206, byte-identical result'), async () => {
    const out = join(root, 'curl.bin');
    await writeFile(out, v1.subarray(0, 123_456));
    const { stdout } = await run(CURL, ['-sS', '-C', '-', '-o', out, '-w', '%{http_code}', url()]);
    expect(stdout).toBe('206');
    expect((await readFile(out)).equals(v1)).toBe(true);
    expect(server.requests.at(-1)?.headers.range).toBe('bytes=123456-');
  });

  it(verifies('DL-PR-2', 'wget -c resumes a partial file: 206, byte-identical result'), async () => {
    const out = join(root, 'wget.bin');
    await writeFile(out, v1.subarray(0, 54_321));
    const { stderr } = await run(WGET, ['-c', '-S', '-O', out, url()]);
    expect(stderr).toMatch(/HTTP\/1\.1 206/);
    expect((await readFile(out)).equals(v1)).toBe(true);
  });

  it(
    verifies('DL-SRV-2', 'curl with a stale If-Range gets 200 and the whole new object, byte-identical'),
    async () => {
      const first = await run(CURL, ['-sS', '-o', '/dev/null', '-D', '-', url()]);
      const etag = /^etag: (.*)\r$/im.exec(first.stdout)?.[1];
      const lastModified = /^last-modified: (.*)\r$/im.exec(first.stdout)?.[1];
      expect(etag).toMatch(/^"object\.bin\//);
      // The object changes (new content, new mtime) after the client kept its validators.
      await writeFile(join(served, 'object.bin'), v2);
      await run('touch', ['-d', '2030-01-01T00:00:00Z', join(served, 'object.bin')]);
      for (const validator of [etag!, lastModified!]) {
        const out = join(root, 'stale.bin');
        const { stdout } = await run(CURL, [
          '-sS',
          '-r',
          '100000-',
          '-H',
          `If-Range: ${validator}`,
          '-o',
          out,
          '-w',
          '%{http_code}',
          url(),
        ]);
        expect(stdout, validator).toBe('200');
        expect((await readFile(out)).equals(v2), validator).toBe(true);
      }
      // The current validator still gets the range.
      const fresh = await run(CURL, ['-sS', '-o', '/dev/null', '-D', '-', url()]);
      const current = /^etag: (.*)\r$/im.exec(fresh.stdout)?.[1] ?? 'missing';
      const out = join(root, 'range.bin');
      const { stdout } = await run(CURL, [
        '-sS',
        '-r',
        '100000-',
        '-H',
        `If-Range: ${current}`,
        '-o',
        out,
        '-w',
        '%{http_code}',
        url(),
      ]);
      expect(stdout).toBe('206');
      expect((await readFile(out)).equals(v2.subarray(100_000))).toBe(true);
    },
  );
});
