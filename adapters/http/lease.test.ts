import { afterEach, describe, expect, it } from 'vitest';
import { openGet, post, READ_BUFFER_BYTES, READ_POOL_BUFFERS } from './client.js';
import {
  listenHttps,
  loopbackServers,
  loopbackTls,
  pattern,
  pendingAfter,
  pushBody,
  rejection,
} from './test-support.js';

const servers = loopbackServers();
afterEach(servers.closeAll);
const serve = servers.serve;

const POOL_BYTES = READ_BUFFER_BYTES * READ_POOL_BUFFERS;

describe('leased chunks', () => {
  it('stops reading once the pool holds unreleased bytes, and resumes on release, byte-identical', async () => {
    const body = pattern(24 * 1024 * 1024);
    const written = { bytes: 0 };
    const s = await serve(pushBody(body, written));
    const res = await openGet(s.base, { leaseChunks: true });
    const iterator = res.body[Symbol.asyncIterator]();
    const held: Uint8Array[] = [];
    let received = 0;
    let pending: Promise<IteratorResult<Uint8Array>> | undefined;
    // Pull without releasing until a read no longer completes (bounded: the pool has at most 1 MiB).
    for (let i = 0; i < 10_000; i++) {
      pending = iterator.next();
      if (await pendingAfter(pending, 100)) break;
      const step = await pending;
      pending = undefined;
      expect(step.done).toBe(false);
      held.push(step.value!);
      received += step.value!.byteLength;
    }
    expect(pending).toBeDefined();
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(POOL_BYTES);
    expect(await pendingAfter(pending!, 200)).toBe(true);
    // TCP backpressure: the server could not push the whole body into the socket.
    expect(written.bytes).toBeLessThan(body.length);

    for (const chunk of held) res.release(chunk);
    const buffers = new Set(held.map((chunk) => chunk.buffer));
    const parts = [Buffer.concat(held)];
    let step = await pending!;
    while (!step.done) {
      buffers.add(step.value.buffer);
      parts.push(Buffer.from(step.value));
      res.release(step.value);
      step = await iterator.next();
    }
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    expect(buffers.size).toBeLessThanOrEqual(READ_POOL_BUFFERS);
  });

  it('views share at most readPoolBuffers buffers, released out of order, with a small pool', async () => {
    const body = pattern(2 * 1024 * 1024);
    const s = await serve(pushBody(body, { bytes: 0 }));
    const res = await openGet(s.base, { leaseChunks: true, readBufferBytes: 8192, readPoolBuffers: 4 });
    const buffers = new Set<ArrayBufferLike>();
    const out = Buffer.alloc(body.length);
    let at = 0;
    let held: Uint8Array[] = [];
    for await (const chunk of res.body) {
      buffers.add(chunk.buffer);
      out.set(chunk, at);
      at += chunk.byteLength;
      held.push(chunk);
      // Keep readPoolBuffers - 2 chunks (the most a consumer may hold while awaiting the next), newest released first.
      if (held.length >= 2) {
        for (const c of held.reverse()) res.release(c);
        held = [];
      }
    }
    expect(at).toBe(body.length);
    expect(out.equals(body)).toBe(true);
    expect(buffers.size).toBeLessThanOrEqual(4);
  });

  it('the body timeout does not fire while the consumer holds the pool, and does when the server stalls', async () => {
    const body = pattern(6 * 1024 * 1024);
    const s = await serve(pushBody(body, { bytes: 0 }));
    const res = await openGet(s.base, { leaseChunks: true, bodyTimeoutMs: 200 });
    const iterator = res.body[Symbol.asyncIterator]();
    const held: Uint8Array[] = [];
    let pending = iterator.next();
    for (let i = 0; i < 10_000 && !(await pendingAfter(pending, 50)); i++) {
      held.push((await pending).value!);
      pending = iterator.next();
    }
    // Paused by us for three body timeouts: no timeout.
    expect(await pendingAfter(pending, 600)).toBe(true);
    for (const chunk of held) res.release(chunk);
    let total = held.reduce((n, c) => n + c.byteLength, 0);
    for (let step = await pending; !step.done; step = await iterator.next()) {
      total += step.value.byteLength;
      res.release(step.value);
    }
    expect(total).toBe(body.length);

    const stalled = await serve((_req, r) => {
      r.writeHead(200, { 'Content-Length': '1000000' });
      r.write(pattern(100_000));
    });
    const res2 = await openGet(stalled.base, { leaseChunks: true, bodyTimeoutMs: 200 });
    let got = 0;
    const error = await rejection(
      (async () => {
        for await (const chunk of res2.body) {
          got += chunk.byteLength;
          res2.release(chunk);
        }
      })(),
    );
    expect(got).toBe(100_000);
    expect(error.kind).toBe('timeout');
    expect(error.phase).toBe('body');
  });

  it('without leaseChunks each chunk is an owned copy and release is a no-op', async () => {
    const body = pattern(3 * 1024 * 1024);
    const s = await serve(pushBody(body, { bytes: 0 }));
    const res = await openGet(s.base, { readBufferBytes: 4096, readPoolBuffers: 2 });
    const chunks: Uint8Array[] = [];
    for await (const chunk of res.body) {
      res.release(chunk);
      chunks.push(chunk);
    }
    // Kept chunks are not overwritten by later reads: they are the consumer's.
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    expect(new Set(chunks.map((c) => c.buffer)).size).toBeGreaterThan(2);
  });

  it('abort() with unreleased chunks closes the connection and the next read throws aborted', async () => {
    const s = await serve(pushBody(pattern(8 * 1024 * 1024), { bytes: 0 }));
    const res = await openGet(s.base, { leaseChunks: true });
    const iterator = res.body[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    res.abort();
    expect((await rejection(iterator.next())).kind).toBe('aborted');
  });
});

describe('https', () => {
  it('GETs from a server whose certificate is trusted through `ca`, in lease mode too', async () => {
    const body = pattern(1024 * 1024 + 17);
    const s = await listenHttps(pushBody(body, { bytes: 0 }));
    servers.track(s);
    const { cert } = loopbackTls();
    const res = await openGet(`${s.base}/file`, { ca: cert, leaseChunks: true, readPoolBuffers: 2 });
    expect(res.status).toBe(200);
    const buffers = new Set<ArrayBufferLike>();
    const parts: Buffer[] = [];
    for await (const chunk of res.body) {
      buffers.add(chunk.buffer);
      parts.push(Buffer.from(chunk));
      res.release(chunk);
    }
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    // tls.connect honours onread: the chunks are views of the pool, not fresh buffers per record.
    expect(buffers.size).toBeLessThanOrEqual(2);
  });

  it('refuses an untrusted self-signed certificate as a connect error', async () => {
    const s = await listenHttps((_req, res) => res.end('secret'));
    servers.track(s);
    const error = await rejection(openGet(s.base));
    expect(error.kind).toBe('connect');
    expect(error.phase).toBe('connect');
  });

  it('POSTs over https with `ca`', async () => {
    let got = '';
    const s = await listenHttps(async (req, res) => {
      for await (const chunk of req) got += chunk;
      res.writeHead(201).end();
    });
    servers.track(s);
    const result = await post(`${s.base}/n`, 'report', { contentType: 'text/plain', ca: loopbackTls().cert });
    expect(result.status).toBe(201);
    expect(got).toBe('report');
  });
});
