/**
 * Fuzzed response framing against the agent's two HTTP reads — the descriptor (`getText`) and the media body
 * (`openGet`, leased pool views) — served byte for byte by a raw `node:net` server on 127.0.0.1:0 and cut into
 * writes at generated points. Each case runs in a worker thread with a 64 MB heap and must settle within 1 s:
 * a well-framed response yields exactly the bytes sent; one hostile or malformed framing element (negative
 * or overflowing chunk sizes, bad chunk terminators, Content-Length with Transfer-Encoding, duplicate or
 * invalid lengths, obs-fold, too many or too long header fields, …) yields an `HttpError` of kind `protocol`.
 * The server keeps the connection open after its last byte (except for close-delimited bodies), so a flaw
 * is caught by parsing, not by a timeout or the peer closing.
 */
import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcParams } from '../../property-tests/fc.js';
import {
  describeCase,
  type FramingCase,
  framingCase,
  framingOf,
  type Target,
  wire,
} from '../../property-tests/support/framing-cases.js';
import type { FramingAnswer, FramingRequest } from '../../property-tests/support/framing-worker.js';
import { listenRaw, type RawLoopback } from './test-support.js';

/** Time a case may take, from the request sent to its outcome. */
const CASE_MS = 1000;
/** The worker's heap bound: a parser that allocates without end dies there instead of taking the machine. */
const HEAP_MB = 64;

interface Harness {
  server: RawLoopback;
  /** The response the next connection gets, and how it is written. */
  next: { text: string; writes: number[]; close: boolean } | undefined;
  sockets: Set<Socket>;
  worker: Worker | undefined;
  ids: number;
}

const h: Harness = {
  server: undefined as unknown as RawLoopback,
  next: undefined,
  sockets: new Set(),
  worker: undefined,
  ids: 0,
};

function respond(socket: Socket, next: NonNullable<Harness['next']>): void {
  const bytes = Buffer.from(next.text, 'latin1');
  const points = [...new Set(next.writes.map((x) => Math.floor(x * bytes.length)))]
    .filter((x) => x > 0 && x < bytes.length)
    .sort((a, b) => a - b);
  let from = 0;
  const writeNext = (i: number) => {
    if (socket.destroyed) return;
    const to = i < points.length ? points[i]! : bytes.length;
    socket.write(bytes.subarray(from, to));
    from = to;
    if (to < bytes.length) setImmediate(() => writeNext(i + 1));
    else if (next.close) socket.end();
  };
  writeNext(0);
}

function startWorker(): Worker {
  const worker = new Worker(new URL('../../property-tests/support/framing-worker.mjs', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: 16 },
  });
  worker.unref();
  return worker;
}

/** Sends one request to the worker; a case that does not settle in time, or kills the worker, is reported. */
async function ask(
  target: Target,
  limitMs = CASE_MS,
): Promise<FramingAnswer | { timedOut: true } | { died: string }> {
  h.worker ??= startWorker();
  const worker = h.worker;
  const id = ++h.ids;
  const request: FramingRequest = { id, target, url: `${h.server.base}/x` };
  try {
    return await new Promise<FramingAnswer | { timedOut: true } | { died: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ timedOut: true }), limitMs);
      const onMessage = (answer: FramingAnswer) => {
        if (answer.id !== id) return;
        clearTimeout(timer);
        resolve(answer);
      };
      const onError = (error: Error) => {
        clearTimeout(timer);
        resolve({ died: error.message });
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(request);
    }).finally(() => {
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
    });
  } catch (error) {
    return { died: (error as Error).message };
  }
}

/** A fresh worker, started and warmed (client modules loaded) outside any case's time bound. */
async function freshWorker(): Promise<void> {
  await h.worker?.terminate();
  h.worker = startWorker();
  await new Promise<void>((resolve, reject) => {
    h.worker?.once('online', () => resolve());
    h.worker?.once('error', reject);
  });
  const saved = h.next;
  h.next = { text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', writes: [], close: false };
  for (const target of ['dd', 'media'] as const) {
    const answer = await ask(target, 30_000);
    for (const socket of h.sockets) socket.destroy();
    if (!('ok' in answer) || !answer.ok)
      throw new Error(`the framing worker did not warm up: ${JSON.stringify(answer)}`);
  }
  h.next = saved;
}

/** One case: asked once, and once more on a fresh worker if it did not settle (a hang repeats; a load spike does not). */
async function settle(c: FramingCase): Promise<FramingAnswer> {
  let answer = await ask(c.target);
  for (const socket of h.sockets) socket.destroy();
  if ('timedOut' in answer || 'died' in answer) {
    await freshWorker();
    answer = await ask(c.target);
    for (const socket of h.sockets) socket.destroy();
  }
  if ('timedOut' in answer || 'died' in answer) {
    // Stuck (or dead) twice: a fresh worker for the next case, and this one fails.
    await freshWorker();
    const what = 'timedOut' in answer ? `did not settle within ${CASE_MS} ms` : `worker died: ${answer.died}`;
    throw new Error(`${describeCase(c)}: ${what}`);
  }
  return answer;
}

beforeAll(async () => {
  h.server = await listenRaw((socket) => {
    h.sockets.add(socket);
    socket.on('close', () => h.sockets.delete(socket));
    let head = '';
    socket.on('data', (data) => {
      if (head.includes('\r\n\r\n')) return;
      head += data.toString('latin1');
      if (head.includes('\r\n\r\n') && h.next) respond(socket, h.next);
    });
  });
  await freshWorker();
}, 60_000);

afterAll(async () => {
  await h.worker?.terminate();
  await h.server.close();
});

describe('response framing, fuzzed (DD fetch and media body)', () => {
  it(`a well-framed response yields its exact bytes; a hostile one a protocol error within ${CASE_MS} ms, heap ≤ ${HEAP_MB} MB`, async () => {
    await fc.assert(
      fc.asyncProperty(framingCase, async (c) => {
        h.next = { text: wire(c), writes: c.writes, close: framingOf(c) === 'close' };
        const answer = await settle(c);
        if (c.flaw === undefined) {
          expect(answer, describeCase(c)).toMatchObject({ ok: true, status: 200 });
          if (answer.ok)
            expect(Buffer.from(answer.body).equals(Buffer.from(c.body)), describeCase(c)).toBe(true);
        } else {
          expect(answer, describeCase(c)).toMatchObject({ ok: false, kind: 'protocol' });
        }
      }),
      fcParams(200, { interruptAfterTimeLimit: 120_000, markInterruptAsFailure: true }),
    );
  }, 180_000);
});
