import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getText, openGet } from './client.js';
import { collect, listenRaw, loopbackServers, pattern, pushBody, rejection } from './test-support.js';

const servers = loopbackServers();
afterEach(servers.closeAll);

/** A raw server sending `head`, then `piece` bytes every `everyMs` up to `total` bytes of body. */
async function trickling(total: number, piece: number, everyMs: number) {
  const s = await listenRaw((socket: Socket) => {
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      let sent = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || sent >= total) return clearInterval(timer);
        const n = Math.min(piece, total - sent);
        socket.write(pattern(n, sent));
        sent += n;
      }, everyMs);
      socket.on('close', () => clearInterval(timer));
    });
  });
  return servers.track(s);
}

// The body timeout (silence) stays at 30 s in these tests: only the minimum rate can end a trickle this soon.
const LIMITS = { minBytesPerSecond: 200, minRateWindowMs: 400, bodyTimeoutMs: 30_000 };

describe('minimum transfer rate (like curl --speed-limit / --speed-time)', () => {
  it('a body trickling 1 byte per 50 ms (20 B/s) fails as a timeout after a window', async () => {
    const s = await trickling(10_000, 1, 50);
    const started = Date.now();
    const res = await openGet(s.base, { ...LIMITS, leaseChunks: true });
    const error = await rejection(
      (async () => {
        for await (const chunk of res.body) res.release(chunk);
      })(),
    );
    expect(error.kind).toBe('timeout');
    expect(error.phase).toBe('body');
    expect(error.message).toMatch(/body slower than 200 bytes\/s over 400 ms \(\d+ bytes\)/);
    // One window (400 ms), two at most — never the 30 s of the silence timeout.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('the descriptor fetch is held to it too', async () => {
    const s = await trickling(10_000, 1, 50);
    const error = await rejection(getText(s.base, LIMITS));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/slower than/);
  });

  it('a body above the rate ends normally, however long it takes', async () => {
    // 100 bytes per 50 ms = 2000 B/s for about 1.5 s: several windows, each above 200 B/s.
    const s = await trickling(3000, 100, 50);
    const res = await openGet(s.base, LIMITS);
    expect((await collect(res.body)).equals(pattern(3000))).toBe(true);
  });

  it('no window runs while the pool is full: a slow consumer is not a slow server', async () => {
    const body = pattern(4 * 1024 * 1024);
    const s = await servers.serve(pushBody(body, { bytes: 0 }));
    const res = await openGet(s.base, { ...LIMITS, leaseChunks: true });
    const held: Uint8Array[] = [];
    let received = 0;
    for await (const chunk of res.body) {
      received += chunk.byteLength;
      held.push(chunk);
      // Hold two chunks (the pool's limit for a waiting reader) for three windows, then give them back.
      if (held.length === 2) {
        await new Promise((r) => setTimeout(r, 3 * LIMITS.minRateWindowMs));
        for (const c of held.splice(0)) res.release(c);
      }
    }
    for (const c of held.splice(0)) res.release(c);
    expect(received).toBe(body.length);
  });
});
