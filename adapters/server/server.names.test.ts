import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcParams } from '../../property-tests/fc.js';
import { verifies } from '../../property-tests/verifies.js';
import { type DownloadServer, startDownloadServer } from './server.js';

let dir: string;
let server: DownloadServer;
const NAMES = ['my file.gif', 'q"x.gif', '图.gif', '100%.bin', 'tab\there.bin'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlstate-names-'));
  for (const [i, name] of NAMES.entries()) await writeFile(join(dir, name), Buffer.alloc(100 + i, i));
  server = await startDownloadServer({ dir });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Sends one raw request line (bytes as given, no client-side URL checks) and returns the status code. */
function rawStatus(target: string): Promise<number> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(target)}`)));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(reply);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without a status for ${JSON.stringify(target)}`)));
    socket.write(
      Buffer.concat([
        Buffer.from('GET '),
        Buffer.from(target, 'latin1'),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      ]),
    );
  });
}

describe('file names the reference server serves', () => {
  it(
    verifies(
      ['DL-PR-3', 'DL-EX-B6'],
      'every file name gives a legal ETag equal to the DD\'s "objectID/objectVersion"',
    ),
    async () => {
      for (const name of NAMES) {
        const dd = await fetch(server.ddUrl(name));
        expect(dd.status, name).toBe(200);
        const xml = await dd.text();
        const objectID = /<objectID>(.*)<\/objectID>/.exec(xml)?.[1];
        const version = /<objectVersion>(.*)<\/objectVersion>/.exec(xml)?.[1];
        expect(objectID, name).toMatch(/^[\x21\x23-\x7e]+$/);
        const media = await fetch(`${server.url}/media/${encodeURIComponent(name)}`);
        const etag = media.headers.get('etag');
        // The DD escapes XML specials; the ETag carries the same text unescaped.
        expect(etag, name).toBe(`"${objectID!.replace(/&amp;/g, '&')}/${version}"`);
        expect((await media.arrayBuffer()).byteLength).toBe(100 + NAMES.indexOf(name));
        const resumed = await fetch(`${server.url}/media/${encodeURIComponent(name)}`, {
          headers: { range: 'bytes=10-', 'if-match': etag! },
        });
        expect(resumed.status, name).toBe(206);
        await resumed.arrayBuffer();
      }
      const dd = await (await fetch(server.ddUrl('图.gif'))).text();
      expect(dd).toContain('<objectID>%E5%9B%BE.gif</objectID>');
      expect(dd).toContain('<name>图.gif</name>');
    },
  );

  it('a malformed %-escape is a 400 naming it, never a 500', async () => {
    for (const path of ['/media/%E0%A4%A', '/dd/%zz', '/notify/%', '/media/%C3']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(400);
      expect(await res.text()).toMatch(/malformed %-escape/);
    }
  });

  it('no request target gets a 500 (fast-check over raw request lines)', async () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '/',
        '%',
        '%2',
        '%zz',
        '%00',
        '%2F',
        '%2e%2e',
        '..',
        '.',
        '%E5%9B%BE',
        '%C3',
        '\\',
        '"',
        '?',
        '#',
        '~',
      ),
      fc.constantFrom('dd/', 'media/', 'notify/', 'reports', 'my%20file.gif', 'q%22x.gif', '100%25.bin'),
      fc.string({ unit: fc.constantFrom(..."ab.-_%/:@!$&()*+,;='".split('')), maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 3 }).map((s) => encodeURIComponent(s)),
    );
    const target = fc.array(piece, { maxLength: 8 }).map((parts) => `/${parts.join('')}`);
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        const status = await rawStatus(t);
        expect(status, t).toBeLessThan(500);
      }),
      fcParams(150),
    );
  });
});
