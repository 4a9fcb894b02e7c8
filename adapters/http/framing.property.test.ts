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
import type { FramingAnswer, FramingRequest } from '../../property-tests/support/framing-worker.js';
import { listenRaw, type RawLoopback } from './test-support.js';

/** Time a case may take, from the request sent to its outcome. */
const CASE_MS = 1000;
/** The worker's heap bound: a parser that allocates without end dies there instead of taking the machine. */
const HEAP_MB = 64;

type Target = FramingRequest['target'];

/** A framing element no conforming HTTP/1.1 response contains (or one this client refuses, see framing.ts). */
type Flaw =
  | { kind: 'chunk-size'; line: string; at: number }
  | { kind: 'chunk-terminator'; after: string; at: number }
  | { kind: 'endless-chunk-size-line'; digits: number }
  | { kind: 'field'; lines: readonly string[] }
  | { kind: 'too-many-fields'; count: number }
  | { kind: 'too-long-field'; length: number }
  | { kind: 'length-with-chunked' }
  | { kind: 'duplicate-length'; second: 'same' | 'other' }
  | { kind: 'invalid-length'; value: string }
  | { kind: 'transfer-coding'; values: readonly string[] };

interface FramingCase {
  target: Target;
  body: Uint8Array;
  framing: 'length' | 'chunked' | 'close';
  /** Chunk boundaries as fractions of the body. */
  cuts: number[];
  upperHex: boolean;
  leadingZeros: number;
  extension: boolean;
  trailers: [string, string][];
  fields: [string, string][];
  /** Where the wire bytes are split into separate writes, as fractions. */
  writes: number[];
  flaw: Flaw | undefined;
}

const FRAMING_NAMES = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'trailer',
]);
const token = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/)
  .filter((n) => !FRAMING_NAMES.has(n.toLowerCase()));
const fieldValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const field = fc.tuple(token, fieldValue);
const fraction = fc.double({ min: 0, max: 1, noNaN: true });

const flaw: fc.Arbitrary<Flaw> = fc.oneof(
  fc.record({
    kind: fc.constant('chunk-size' as const),
    line: fc.constantFrom(
      '-6',
      '-1',
      '-ff',
      'ffffffffffffffffff',
      '10000000000000000000000',
      '20000000000000',
      'zz',
      '0x5',
      ' 5',
      '5 5',
      '',
      '5\r5',
      '+5',
    ),
    at: fraction,
  }),
  fc.record({
    kind: fc.constant('chunk-terminator' as const),
    after: fc.constantFrom('XX\r\n', 'x\r\n', ' \r\n', '\r\r\n'),
    at: fraction,
  }),
  fc.record({
    kind: fc.constant('endless-chunk-size-line' as const),
    digits: fc.integer({ min: 70_000, max: 150_000 }),
  }),
  fc.record({
    kind: fc.constant('field' as const),
    lines: fc.constantFrom(
      ['X-Folded: a', ' continued'],
      ['X-Folded: a', '\tcontinued'],
      ['No colon here'],
      ['X-Space : before colon'],
      [': empty name'],
      ['X-Ctl: a\x01b'],
      ['X-Nul: a\x00b'],
      ['X-Cr: a\rb'],
      ['Bad(name): v'],
    ),
  }),
  fc.record({ kind: fc.constant('too-many-fields' as const), count: fc.integer({ min: 300, max: 3000 }) }),
  fc.record({
    kind: fc.constant('too-long-field' as const),
    length: fc.integer({ min: 70_000, max: 200_000 }),
  }),
  fc.record({ kind: fc.constant('length-with-chunked' as const) }),
  fc.record({
    kind: fc.constant('duplicate-length' as const),
    second: fc.constantFrom('same' as const, 'other' as const),
  }),
  fc.record({
    kind: fc.constant('invalid-length' as const),
    value: fc.constantFrom('-1', '+5', '0x10', '1e3', '5 5', '', 'abc', '99999999999999999999', '5, 5'),
  }),
  fc.record({
    kind: fc.constant('transfer-coding' as const),
    values: fc.constantFrom(
      ['gzip, chunked'],
      ['identity'],
      ['chunked, chunked'],
      ['xchunked'],
      ['chunked', 'chunked'],
    ),
  }),
);

const framingCase: fc.Arbitrary<FramingCase> = fc.record({
  target: fc.constantFrom<Target>('dd', 'media'),
  body: fc.uint8Array({ minLength: 0, maxLength: 3000 }),
  framing: fc.constantFrom('length' as const, 'chunked' as const, 'close' as const),
  cuts: fc.array(fraction, { maxLength: 6 }),
  upperHex: fc.boolean(),
  leadingZeros: fc.integer({ min: 0, max: 3 }),
  extension: fc.boolean(),
  trailers: fc.array(field, { maxLength: 2 }),
  fields: fc.array(field, { maxLength: 6 }),
  writes: fc.array(fraction, { maxLength: 5 }),
  flaw: fc.option(flaw, { nil: undefined, freq: 2 }),
});

/** The framing a flaw needs (chunk flaws need chunks, length flaws a length). */
function framingOf(c: FramingCase): FramingCase['framing'] {
  switch (c.flaw?.kind) {
    case 'chunk-size':
    case 'chunk-terminator':
    case 'endless-chunk-size-line':
    case 'length-with-chunked':
      return 'chunked';
    case 'duplicate-length':
    case 'invalid-length':
      return 'length';
    default:
      return c.framing;
  }
}

/** The response on the wire, as latin1 text (binary body bytes map one to one). */
function wire(c: FramingCase): string {
  const body = Buffer.from(c.body).toString('latin1');
  const framing = framingOf(c);
  const head = ['HTTP/1.1 200 OK', 'Content-Type: application/octet-stream'];
  for (const [name, value] of c.fields) head.push(`${name}: ${value}`);
  const f = c.flaw;
  if (framing === 'length') {
    if (f?.kind === 'invalid-length') head.push(`Content-Length: ${f.value}`);
    else head.push(`Content-Length: ${body.length}`);
    if (f?.kind === 'duplicate-length')
      head.push(`Content-Length: ${f.second === 'same' ? body.length : body.length + 1}`);
  }
  if (framing === 'chunked') {
    head.push('Transfer-Encoding: chunked');
    if (f?.kind === 'length-with-chunked') head.push(`Content-Length: ${body.length}`);
  }
  if (f?.kind === 'field') head.push(...f.lines);
  if (f?.kind === 'too-many-fields') for (let i = 0; i < f.count; i++) head.push(`X-F${i}: v`);
  if (f?.kind === 'too-long-field') head.push(`X-Long: ${'a'.repeat(f.length)}`);
  if (f?.kind === 'transfer-coding') for (const v of f.values) head.push(`Transfer-Encoding: ${v}`);
  let text = `${head.join('\r\n')}\r\n\r\n`;
  if (framing !== 'chunked') return text + body;

  const bounds = [...new Set(c.cuts.map((x) => Math.floor(x * body.length)))]
    .filter((x) => x > 0 && x < body.length)
    .sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const to of [...bounds, body.length]) {
    if (to > from) pieces.push(body.slice(from, to));
    from = to;
  }
  const flawAt =
    pieces.length === 0 ? -1 : Math.min(pieces.length - 1, Math.floor((fractionOf(f) ?? 0) * pieces.length));
  const sizeLine = (n: number) => {
    const hex = n.toString(16);
    return `${'0'.repeat(c.leadingZeros)}${c.upperHex ? hex.toUpperCase() : hex}${c.extension ? ';name="v"' : ''}`;
  };
  for (const [i, piece] of pieces.entries()) {
    const line = f?.kind === 'chunk-size' && i === flawAt ? f.line : sizeLine(piece.length);
    const end = f?.kind === 'chunk-terminator' && i === flawAt ? f.after : '\r\n';
    text += `${line}\r\n${piece}${end}`;
  }
  if (f?.kind === 'chunk-size' && flawAt < 0) text += `${f.line}\r\nabcdef\r\n`;
  if (f?.kind === 'chunk-terminator' && flawAt < 0) text += `3\r\nabc${f.after}`;
  if (f?.kind === 'endless-chunk-size-line') return text + '1'.repeat(f.digits);
  text += '0\r\n';
  for (const [name, value] of c.trailers) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

function fractionOf(f: Flaw | undefined): number | undefined {
  return f?.kind === 'chunk-size' || f?.kind === 'chunk-terminator' ? f.at : undefined;
}

/** A readable name for a shrunk counterexample. */
function describeCase(c: FramingCase): string {
  const flawText = c.flaw === undefined ? 'well-formed' : JSON.stringify(c.flaw).slice(0, 120);
  return `${c.target} ${framingOf(c)} body=${c.body.length}B writes=${c.writes.length} ${flawText}`;
}

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
