import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDownloadServer } from '../server/server.js';
import { bufferIo } from './io.js';
import { runCli } from './program.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, port: (server.address() as AddressInfo).port };
}

/** `dlstate fetch --json <url>` in-process; returns the exit code, the error line and the closing line. */
async function fetchJson(url: string) {
  const out = await mkdtemp(path.join(tmpdir(), 'dlstate-dderr-'));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  const io = bufferIo();
  const code = await runCli(['fetch', url, '--yes', '--json', '--out', out], io);
  const lines = io.text.out
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { event: string; error?: { kind: string; status?: number; message: string } },
    );
  return { code, out, error: lines.find((l) => l.event === 'error')?.error, closing: io.text.err.trim() };
}

describe('a descriptor that cannot be fetched', () => {
  it('names a server that is down, still 954 (exit 24)', async () => {
    const { server, port } = await listen(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await fetchJson(`http://127.0.0.1:${port}/dd`);
    expect(r.code).toBe(24);
    expect(r.error).toEqual({ kind: 'unreachable', message: expect.stringMatching(/refused/) });
    expect(r.closing).toMatch(/^dlstate: 954 Loader Error — .*: nothing answers at 127\.0\.0\.1:\d+/);
    // Nothing was kept or queued, so no empty state directory is left behind.
    expect(readdirSync(r.out)).toEqual([]);
  });

  it("gives the HTTP status with the server's reason", async () => {
    const { port } = await listen((_req, res) => {
      res.writeHead(409, { 'content-type': 'text/plain' });
      res.end('object locked by the operator\n');
    });
    const r = await fetchJson(`http://127.0.0.1:${port}/dd`);
    expect(r.code).toBe(24);
    expect(r.error).toEqual({
      kind: 'http',
      status: 409,
      message: 'the server answered 409 Conflict: object locked by the operator',
    });
    expect(r.closing).toContain('409 Conflict: object locked by the operator');
  });

  it('says when https:// was asked of a plain http port', async () => {
    const { port } = await listen((_req, res) => res.end('x'));
    const r = await fetchJson(`https://127.0.0.1:${port}/dd`);
    expect(r.code).toBe(24);
    expect(r.error?.kind).toBe('tls');
    expect(r.error?.message).toMatch(/does not speak TLS/);
  });

  it('a successful run leaves no empty state directory behind in --out', async () => {
    const media = await mkdtemp(path.join(tmpdir(), 'dlstate-dderr-media-'));
    cleanups.push(() => rmSync(media, { recursive: true, force: true }));
    writeFileSync(path.join(media, 'a.txt'), 'hello\n');
    const server = await startDownloadServer({ dir: media });
    cleanups.push(() => server.close());
    const r = await fetchJson(server.ddUrl('a.txt'));
    expect(r.code).toBe(0);
    expect(readdirSync(r.out)).toEqual(['a.txt']);
  });
});
