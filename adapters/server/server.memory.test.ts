import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ring } from './report-log.js';
import { type DownloadServer, MAX_LOGGED_TEXT, startDownloadServer } from './server.js';

let dir: string;
const servers: DownloadServer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlstate-memory-'));
  await writeFile(join(dir, 'a.bin'), Buffer.alloc(100, 7));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: Partial<Parameters<typeof startDownloadServer>[0]> = {}) {
  const server = await startDownloadServer({ dir, ...options });
  servers.push(server);
  return server;
}

async function post(server: DownloadServer, name: string, body: string) {
  const res = await fetch(`${server.url}/notify/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('bounded memory', () => {
  it('a ring keeps the last N values, oldest first', () => {
    const ring = new Ring<number>(3);
    expect(ring.toArray()).toEqual([]);
    for (let i = 1; i <= 7; i++) ring.push(i);
    expect([ring.toArray(), ring.total]).toEqual([[5, 6, 7], 7]);
    expect(() => new Ring(0)).toThrow(/at least one/);
  });

  it('the request log is a ring of requestLogSize entries with long header values cut', async () => {
    const server = await start({ requestLogSize: 5 });
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${server.url}/media/a.bin?i=${i}`, { headers: { 'x-big': 'x'.repeat(8192) } });
      await res.arrayBuffer();
    }
    await expect.poll(() => server.requests.at(-1)?.url, { timeout: 2000 }).toBe('/media/a.bin?i=11');
    const kept = server.requests;
    expect(kept.map((r) => r.url)).toEqual([7, 8, 9, 10, 11].map((i) => `/media/a.bin?i=${i}`));
    const big = kept[0]!.headers['x-big']!;
    expect(big.length).toBeLessThan(MAX_LOGGED_TEXT + 20);
    expect(big).toMatch(new RegExp(`…\\(\\+${8192 - MAX_LOGGED_TEXT}\\)$`));
  });
});

describe('status reports in a JSON-lines file', () => {
  it('appends each report as one JSON line under <dir>/.dlstate-server/reports.jsonl, never served', async () => {
    const server = await start();
    expect(server.reportsFile).toBe(join(dir, '.dlstate-server', 'reports.jsonl'));
    expect(await post(server, 'a.bin', '900 Success')).toBe(200);
    expect(await post(server, 'a.bin', '954 Loader Error')).toBe(200);
    const lines = (await readFile(server.reportsFile, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { seq: 1, name: 'a.bin', body: '900 Success', code: 900, answered: 200 },
      { seq: 2, code: 954 },
    ]);
    const listing = (await (await fetch(`${server.url}/`)).json()) as { descriptors: string[] };
    expect(listing.descriptors).toEqual([`${server.url}/dd/a.bin`]);
    expect(server.reports.map((r) => r.code)).toEqual([900, 954]);
  });

  it('a --reports file inside the served directory is neither listed nor served', async () => {
    const server = await start({ reports: join(dir, 'reports.jsonl') });
    await post(server, 'a.bin', '900 Success');
    for (const route of ['media', 'dd']) {
      const res = await fetch(`${server.url}/${route}/reports.jsonl`);
      expect(res.status, route).toBe(404);
      await res.arrayBuffer();
    }
    const listing = (await (await fetch(`${server.url}/`)).json()) as { descriptors: string[] };
    expect(listing.descriptors).toEqual([`${server.url}/dd/a.bin`]);
  });

  it('GET /reports pages with from and limit, links the next page, and refuses bad parameters', async () => {
    const server = await start();
    for (let i = 0; i < 7; i++) await post(server, `n${i}`, `90${i % 3} x`);
    const first = await fetch(`${server.url}/reports?limit=3`);
    expect(first.headers.get('link')).toBe('</reports?from=4&limit=3>; rel="next"');
    expect(((await first.json()) as { seq: number }[]).map((r) => r.seq)).toEqual([1, 2, 3]);
    const last = await fetch(`${server.url}/reports?from=6&limit=3`);
    expect(last.headers.get('link')).toBeNull();
    expect(((await last.json()) as { name: string }[]).map((r) => r.name)).toEqual(['n5', 'n6']);
    expect(await (await fetch(`${server.url}/reports?from=99`)).json()).toEqual([]);
    for (const q of ['limit=0', 'limit=1001', 'from=-1', 'from=x', 'limit=2.5']) {
      const res = await fetch(`${server.url}/reports?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.text()).toMatch(/query parameter (from|limit) must be a whole number/);
    }
  });

  it('reports survive a restart; numbering continues; a torn last line is skipped', async () => {
    const first = await start();
    await post(first, 'a.bin', '900 Success');
    await post(first, 'a.bin', '902 User Cancelled');
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    // A crash in the middle of a line.
    await appendFile(first.reportsFile, '{"seq":3,"name":"a.b');
    const second = await start();
    expect(second.reports).toEqual([]);
    await post(second, 'a.bin', '957 Media Object Updated');
    const all = (await (await fetch(`${second.url}/reports`)).json()) as { seq: number; code: number }[];
    expect(all.map((r) => [r.seq, r.code])).toEqual([
      [1, 900],
      [2, 902],
      [3, 957],
    ]);
  });

  it('pages stay exact across the sparse offset index (600 reports)', async () => {
    const lines = Array.from({ length: 600 }, (_, i) =>
      JSON.stringify({
        seq: i + 1,
        name: 'a.bin',
        body: `900 #${i + 1}`,
        code: 900,
        contentType: null,
        answered: 200,
      }),
    );
    await writeFile(join(dir, 'pre.jsonl'), `${lines.join('\n')}\n`);
    const again = await start({ reports: join(dir, 'pre.jsonl') });
    for (const from of [1, 256, 257, 258, 513, 600]) {
      const page = (await (await fetch(`${again.url}/reports?from=${from}&limit=2`)).json()) as {
        seq: number;
      }[];
      expect(
        page.map((r) => r.seq),
        String(from),
      ).toEqual([from, from + 1].filter((s) => s <= 600));
    }
    await post(again, 'a.bin', '900 Success');
    const tail = (await (await fetch(`${again.url}/reports?from=600`)).json()) as { seq: number }[];
    expect(tail.map((r) => r.seq)).toEqual([600, 601]);
  });
});
