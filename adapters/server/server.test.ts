import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { ConnectionPool, openGet } from '../http/index.js';
import { type DownloadServer, startDownloadServer } from './server.js';

let dir: string;
let server: DownloadServer;
const gif = Buffer.alloc(25_432, 0);
for (let i = 0; i < gif.length; i++) gif[i] = (i * 31 + 7) & 0xff;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlstate-server-'));
  await writeFile(join(dir, 'picture.gif'), gif);
  server = await startDownloadServer({ dir });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('reference Download Server', () => {
  it('listens on loopback only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('logs each request of a kept-alive connection once its response is sent, the connection still open', async () => {
    const connections = new ConnectionPool();
    try {
      for (let i = 1; i <= 2; i++) {
        const res = await openGet(`${server.url}/media/picture.gif`, { connections });
        for await (const _ of res.body);
        await vi.waitFor(() => expect(server.requests).toHaveLength(i), { timeout: 2000 });
      }
      // Both went on one connection, still open.
      expect(connections.reused).toBe(1);
      expect(connections.idleCount).toBe(1);
      expect(server.requests.map((r) => r.bodyBytes)).toEqual([25_432, 25_432]);
    } finally {
      connections.close();
    }
  });

  it('serves a DD 2.0 naming size, type, objectID, objectVersion and the three URIs', async () => {
    const dd = await get('/dd/picture.gif');
    expect(dd.status).toBe(200);
    expect(dd.headers.get('content-type')).toBe('application/vnd.oma.dd2+xml');
    const xml = dd.body.toString();
    expect(xml).toContain('xmlns="urn:oma:xml:dl:dd:2.0"');
    expect(xml).toContain('<size>25432</size>');
    expect(xml).toContain('<type>image/gif</type>');
    expect(xml).toContain('<objectID>picture.gif</objectID>');
    expect(xml).toMatch(/<objectVersion>[0-9a-f]{12}<\/objectVersion>/);
    expect(xml).toContain(`<server>${server.url}/media/picture.gif</server>`);
    expect(xml).toContain(`<installNotifyURI>${server.url}/notify/picture.gif</installNotifyURI>`);
    expect(xml).toContain(`<updatedDDURI>${server.url}/dd/picture.gif</updatedDDURI>`);
  });

  it(
    verifies(
      ['DL-PR-2', 'DL-PR-3'],
      'media responses expose Accept-Ranges: bytes and the ETag objectID/objectVersion',
    ),
    async () => {
      const xml = (await get('/dd/picture.gif')).body.toString();
      const version = /<objectVersion>(.*)<\/objectVersion>/.exec(xml)?.[1];
      const media = await get('/media/picture.gif');
      expect(media.status).toBe(200);
      expect(media.headers.get('accept-ranges')).toBe('bytes');
      expect(media.headers.get('etag')).toBe(`"picture.gif/${version}"`);
      expect(media.body.equals(gif)).toBe(true);
    },
  );

  it(
    verifies('DL-EX-B6', 'B.6 resume: bytes=1034-25431 with If-Match answers 206 bytes 1034-25431/25432'),
    async () => {
      const etag = (await get('/media/picture.gif')).headers.get('etag')!;
      const res = await get('/media/picture.gif', { range: 'bytes=1034-25431', 'if-match': etag });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe('bytes 1034-25431/25432');
      expect(res.body.equals(gif.subarray(1034))).toBe(true);
      // The request log is written when the response closes, which may be just after the client has the body.
      await vi.waitFor(
        () => expect(server.requests.at(-1)).toMatchObject({ status: 206, bodyBytes: 25_432 - 1034 }),
        {
          timeout: 2000,
        },
      );
    },
  );

  it('changes the objectVersion when the content changes, and a stale If-Match gets 412', async () => {
    const etag = (await get('/media/picture.gif')).headers.get('etag')!;
    await writeFile(join(dir, 'picture.gif'), Buffer.concat([gif, Buffer.from('v2')]));
    const res = await get('/media/picture.gif', { range: 'bytes=1034-', 'if-match': etag });
    expect(res.status).toBe(412);
    const fresh = (await get('/media/picture.gif')).headers.get('etag');
    expect(fresh).not.toBe(etag);
  });

  it('records status reports and lists them at /reports', async () => {
    const post = await fetch(`${server.url}/notify/picture.gif`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '900 Success',
    });
    expect(post.status).toBe(200);
    const reports = JSON.parse((await get('/reports')).body.toString());
    expect(reports).toEqual([
      {
        seq: 1,
        name: 'picture.gif',
        body: '900 Success',
        code: 900,
        contentType: 'text/plain',
        answered: 200,
      },
    ]);
  });

  it(
    verifies('DL-DD-2', 'an empty file gets no descriptor (size must be positive): 409 naming the reason'),
    async () => {
      await writeFile(join(dir, 'empty.bin'), Buffer.alloc(0));
      const dd = await get('/dd/empty.bin');
      expect(dd.status).toBe(409);
      expect(dd.body.toString()).toMatch(
        /empty.bin is empty: a descriptor's size must be a positive integer/,
      );
      expect((await get('/media/empty.bin')).status).toBe(200);
    },
  );

  it('answers 404 for unknown objects, sidecars and path tricks', async () => {
    await writeFile(join(dir, 'picture.gif.dd.json'), '{"name":"Picture"}');
    expect((await get('/media/nope.bin')).status).toBe(404);
    expect((await get('/media/picture.gif.dd.json')).status).toBe(404);
    expect((await get('/media/..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await get('/dd/picture.gif')).body.toString()).toContain('<name>Picture</name>');
  });

  it('scripted fault: cuts the connection after N body bytes, once', async () => {
    server.faults.cutNextBodyAfter = 1034;
    const res = await fetch(`${server.url}/media/picture.gif`);
    await expect(res.arrayBuffer()).rejects.toThrow();
    const again = await get('/media/picture.gif');
    expect(again.body.length).toBe(gif.length);
  });

  it('scripted fault: stalls after N body bytes with the connection open, once', async () => {
    server.faults.stallNextBodyAfter = 1034;
    const controller = new AbortController();
    const res = await fetch(`${server.url}/media/picture.gif`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let got = 0;
    for (let i = 0; i < 100 && got < 1034; i++) got += (await reader.read()).value?.byteLength ?? 0;
    expect(got).toBe(1034);
    // Nothing more comes, and the connection is not closed: the next read is still pending after 300 ms.
    const next = reader.read().then(() => 'more');
    const outcome = await Promise.race([next, new Promise((r) => setTimeout(() => r('pending'), 300))]);
    expect(outcome).toBe('pending');
    controller.abort();
    await next.catch(() => {});
    const again = await get('/media/picture.gif');
    expect(again.body.length).toBe(gif.length);
  });

  describe('conditional requests (RFC 9110 §13)', () => {
    it(
      verifies(
        'DL-SRV-1',
        'Last-Modified on media; If-None-Match and If-Modified-Since → 304 without a body',
      ),
      async () => {
        const first = await get('/media/picture.gif');
        const etag = first.headers.get('etag')!;
        const lastModified = first.headers.get('last-modified')!;
        expect(lastModified).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
        const cases: Record<string, string>[] = [
          { 'if-none-match': etag },
          { 'if-modified-since': lastModified },
        ];
        for (const headers of cases) {
          for (const method of ['GET', 'HEAD']) {
            const res = await fetch(`${server.url}/media/picture.gif`, { method, headers });
            expect(res.status, `${method} ${JSON.stringify(headers)}`).toBe(304);
            expect(res.headers.get('etag')).toBe(etag);
            expect(res.headers.get('last-modified')).toBe(lastModified);
            expect((await res.arrayBuffer()).byteLength).toBe(0);
          }
        }
        // If-None-Match wins over If-Modified-Since (§13.2.2 step 3 before step 4).
        const changedTag = await get('/media/picture.gif', {
          'if-none-match': '"picture.gif/old"',
          'if-modified-since': lastModified,
        });
        expect(changedTag.status).toBe(200);
        expect(changedTag.body.equals(gif)).toBe(true);
        const partial = await get('/media/picture.gif', { range: 'bytes=0-9' });
        expect(partial.headers.get('last-modified')).toBe(lastModified);
      },
    );

    it(
      verifies('DL-SRV-1', 'If-Unmodified-Since in the past → 412 labelled text/plain, even with a Range'),
      async () => {
        const res = await get('/media/picture.gif', {
          range: 'bytes=10-',
          'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT',
        });
        expect(res.status).toBe(412);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(res.body.toString()).toMatch(/If-Unmodified-Since/);
        const ok = await get('/media/picture.gif', {
          'if-unmodified-since': 'Fri, 01 Jan 2100 00:00:00 GMT',
        });
        expect(ok.status).toBe(200);
      },
    );

    it(
      verifies(
        'DL-SRV-2',
        'If-Range: current ETag or exact date → 206; stale → 200 with the whole new object',
      ),
      async () => {
        const first = await get('/media/picture.gif');
        const etag = first.headers.get('etag')!;
        const date = first.headers.get('last-modified')!;
        for (const ifRange of [etag, date]) {
          const res = await get('/media/picture.gif', { range: 'bytes=1034-', 'if-range': ifRange });
          expect(res.status, ifRange).toBe(206);
          expect(res.body.equals(gif.subarray(1034))).toBe(true);
        }
        const v2 = Buffer.concat([Buffer.from('v2'), gif]);
        await writeFile(join(dir, 'picture.gif'), v2);
        await utimes(join(dir, 'picture.gif'), new Date(2_000_000_000_000), new Date(2_000_000_000_000));
        for (const ifRange of [etag, date, `W/${etag}`]) {
          const res = await get('/media/picture.gif', { range: 'bytes=1034-', 'if-range': ifRange });
          expect(res.status, ifRange).toBe(200);
          expect(res.headers.get('content-range')).toBeNull();
          expect(res.body.equals(v2)).toBe(true);
        }
      },
    );
  });

  describe('HEAD, 405 and error bodies (RFC 9110 §9.3.2, §15.5.6)', () => {
    it(
      verifies('DL-PR-2', 'HEAD answers every route exactly as GET, Content-Length included, without a body'),
      async () => {
        const cases: [string, Record<string, string>][] = [
          ['/', {}],
          ['/reports', {}],
          ['/dd/picture.gif', {}],
          ['/media/picture.gif', {}],
          ['/media/picture.gif', { range: 'bytes=99999-' }],
          ['/media/picture.gif', { 'if-match': '"old"' }],
          ['/media/nope.bin', {}],
          ['/nowhere', {}],
          ['/media/%E0%A4%A', {}],
        ];
        const comparable = (h: Headers) =>
          Object.fromEntries(
            [...h.entries()].filter(([k]) => !['date', 'keep-alive', 'connection'].includes(k)),
          );
        for (const [path, headers] of cases) {
          const got = await fetch(`${server.url}${path}`, { headers });
          const body = Buffer.from(await got.arrayBuffer());
          const head = await fetch(`${server.url}${path}`, { method: 'HEAD', headers });
          expect(head.status, path).toBe(got.status);
          expect(comparable(head.headers), path).toEqual(comparable(got.headers));
          expect(Number(head.headers.get('content-length')), path).toBe(body.length);
          expect((await head.arrayBuffer()).byteLength, path).toBe(0);
        }
      },
    );

    it('405 names the allowed methods in Allow', async () => {
      for (const [method, path, allow] of [
        ['POST', '/media/picture.gif', 'GET, HEAD'],
        ['PUT', '/dd/picture.gif', 'GET, HEAD'],
        ['DELETE', '/reports', 'GET, HEAD'],
        ['POST', '/', 'GET, HEAD'],
        ['GET', '/notify/picture.gif', 'POST'],
      ] as const) {
        const res = await fetch(`${server.url}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        await res.arrayBuffer();
      }
    });

    it('error bodies are text/plain; charset=utf-8, never the media type of the object', async () => {
      const etag = (await get('/media/picture.gif')).headers.get('etag')!;
      const refused: Record<string, string>[] = [
        { range: 'bytes=99999-' },
        { 'if-match': `"${etag.slice(1, -1)}x"` },
      ];
      for (const headers of refused) {
        const res = await get('/media/picture.gif', headers);
        expect([412, 416]).toContain(res.status);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(res.headers.get('etag')).toBe(etag);
        expect(res.body.toString()).toMatch(/\n$/);
      }
    });
  });

  it(
    verifies(
      'DL-PR-2',
      'several ranges → 200 with the whole object; abusive range sets → 416 (RFC 9110 §14.2)',
    ),
    async () => {
      for (const range of ['bytes=0-1,5-9', 'bytes=0-10,20-30,40-', 'bytes=0-1,99999-']) {
        const res = await get('/media/picture.gif', { range });
        expect(res.status, range).toBe(200);
        expect(res.headers.get('content-range')).toBeNull();
        expect(res.body.equals(gif), range).toBe(true);
      }
      const many = `bytes=${Array.from({ length: 200 }, (_, i) => `${i}-${i}`).join(',')}`;
      for (const range of [many, 'bytes=0-999,1-999,2-999', 'bytes=9-9,8-8,7-7,6-6,5-5,4-4,3-3,2-2,1-1']) {
        const res = await get('/media/picture.gif', { range });
        expect(res.status, range.slice(0, 40)).toBe(416);
        expect(res.headers.get('content-range')).toBe('bytes */25432');
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      }
    },
  );
});
