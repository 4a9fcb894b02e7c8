/**
 * One HTTP/1.1 exchange on its own connection (`node:net`, or `node:tls` for https): it writes the request
 * with `Connection: close`, parses the response with `http-parser-js` made strict ({@link strictResponseParser}:
 * hostile framing ends the exchange with a `protocol` error), and hands the body on as views of
 * the connection's {@link ReadPool} — no copy, no per-read allocation — or as owned copies.
 *
 * Timeouts are plain timers and `socket.setTimeout`, so they fire within a few ms of their value:
 * connect (TCP and TLS handshake), headers (request written → final headers parsed, whatever trickles
 * in) and body (idle time between two reads; suspended while the pool is full, i.e. while the consumer,
 * not the server, is why nothing is read). Timers are unref'd and cleared when the exchange ends.
 *
 * @module
 */
import type net from 'node:net';
import parserModule from 'http-parser-js';
import { HttpError, type HttpPhase, toHttpError } from './errors.js';
import { strictResponseParser } from './framing.js';
import { ReadPool } from './pool.js';
import { openSocket } from './socket.js';
import { endpointOf, joinRawHeaders, requestHead } from './wire.js';

const { HTTPParser } = parserModule;
// Header bytes decode as latin1 (as Node's own HTTP parser does); the library's 'ascii' strips the high bit.
HTTPParser.encoding = 'latin1';

/** What one exchange sends and how it reads. */
export interface ExchangeOptions {
  method: string;
  /** An http or https URL (already checked); errors name it as given. */
  url: string;
  /** Request headers as sent (`host` is added unless given; `connection` and `content-length` are ours). */
  headers: Readonly<Record<string, string>>;
  /** A request body, sent with its `Content-Length`. */
  body?: Uint8Array;
  /** 0 disables it. */
  connectTimeoutMs: number;
  /** 0 disables it. */
  headersTimeoutMs: number;
  /** 0 disables it. */
  bodyTimeoutMs: number;
  /**
   * Slowest body accepted, in bytes per second averaged over `minRateWindowMs` (0 disables it): a body below it
   * for a whole window fails with a `timeout`. Windows are counted only while the socket is read (not while
   * the pool is full, when the consumer is the slow one). @default 0
   */
  minBytesPerSecond?: number;
  /** The window of `minBytesPerSecond`, in ms. @default 30_000 */
  minRateWindowMs?: number;
  /** Whether {@link Exchange.read} hands out pool views (to be released) or copies. */
  leaseChunks: boolean;
  readBufferBytes?: number;
  readPoolBuffers?: number;
  /** An extra trusted CA certificate (PEM) for https, on top of Node's bundled roots. */
  ca?: string | Buffer;
}

/** The final (non-1xx) response's status and headers (lower-case names, repeats joined with `, `). */
export interface ResponseHead {
  status: number;
  headers: Record<string, string>;
}

interface HeadInfo {
  statusCode: number;
  headers: string[];
}

/** A request in flight on its own connection, and its response as it arrives. */
export class Exchange {
  /** Resolves with the final response's head; rejects with an {@link HttpError} (phase connect or headers). */
  readonly head: Promise<ResponseHead>;
  readonly #options: ExchangeOptions;
  readonly #url: string;
  readonly #pool: ReadPool;
  readonly #socket: net.Socket;
  readonly #parser = strictResponseParser();
  readonly #request: Buffer;
  readonly #queue: Buffer[] = [];
  #phase: HttpPhase = 'connect';
  #timer: NodeJS.Timeout | undefined;
  /** The minimum-rate window: its timer and the body bytes read since it started. */
  #rateTimer: NodeJS.Timeout | undefined;
  #windowBytes = 0;
  #settleHead: { resolve(head: ResponseHead): void; reject(error: HttpError): void } | undefined;
  #waiter: { resolve(chunk: Uint8Array | null): void; reject(error: HttpError): void } | undefined;
  #final = false;
  #interim = false;
  #complete = false;
  #paused = false;
  #failure: HttpError | undefined;

  /** Starts connecting at once; throws a `TypeError` if a header cannot be sent as is. */
  constructor(options: ExchangeOptions) {
    this.#options = options;
    this.#url = options.url;
    const url = new URL(options.url);
    const head = requestHead(options.method, url, options.headers, options.body?.byteLength);
    this.#request = options.body ? Buffer.concat([head, options.body]) : head;
    this.#pool = new ReadPool(options.readBufferBytes, options.readPoolBuffers);
    this.head = new Promise<ResponseHead>((resolve, reject) => {
      this.#settleHead = { resolve, reject };
    });
    // The caller awaits `head`; this only keeps a rejection nobody waits for from being reported as unhandled.
    this.head.catch(() => {});
    this.#parser[HTTPParser.kOnHeadersComplete] = (info: HeadInfo) => this.#onHead(info);
    this.#parser[HTTPParser.kOnBody] = (chunk: Buffer, offset: number, length: number) =>
      this.#onBody(chunk, offset, length);
    this.#parser[HTTPParser.kOnMessageComplete] = () => this.#onComplete();

    // Reads land in the pool's buffers: no body buffer is allocated per read.
    const onread: net.OnReadOpts = {
      buffer: () => this.#pool.take(),
      callback: (length, buffer) => this.#onRead(length, buffer as Buffer),
    };
    const { socket, readyEvent } = openSocket(endpointOf(url), onread, options.ca);
    this.#socket = socket;
    this.#socket.once(readyEvent, () => this.#onConnected());
    this.#socket.on('end', () => this.#onEnd());
    this.#socket.on('error', (error) => this.#onError(error));
    this.#socket.on('close', () => this.#onClose());
    this.#socket.on('timeout', () => this.#onIdle());
    this.#startTimer(options.connectTimeoutMs, 'connect', 'connection');
  }

  /** Where the exchange is: connecting, waiting for headers, or reading the body. */
  get phase(): HttpPhase {
    return this.#phase;
  }

  /**
   * The next body chunk, `null` at the end of the body. Chunks already received are handed out before a
   * transport error is thrown; after {@link destroy} with an `aborted` error, that error is thrown at once.
   */
  read(): Promise<Uint8Array | null> {
    const view = this.#queue.shift();
    if (view !== undefined) return Promise.resolve(this.#handOut(view));
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#complete) return Promise.resolve(null);
    if (this.#waiter) return Promise.reject(new Error('Exchange.read: one read at a time'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Gives a leased chunk back to the pool (unknown chunks and second releases are ignored). */
  release(chunk: Uint8Array): void {
    if (this.#pool.release(chunk)) this.#maybeResume();
  }

  /** Bytes handed out or queued as views and not yet released (at most the pool's size). */
  get leasedBytes(): number {
    return this.#pool.leasedBytes;
  }

  /** Closes the connection now; pending and later reads reject with `error` (default: `aborted`). */
  destroy(error?: HttpError): void {
    const method = this.#options.method;
    this.#fail(error ?? new HttpError({ kind: 'aborted', url: this.#url, method, phase: this.#phase }));
  }

  #onConnected(): void {
    this.#clearTimer();
    if (this.#failure) return;
    this.#phase = 'headers';
    this.#socket.setNoDelay(true);
    this.#socket.write(this.#request);
    this.#startTimer(this.#options.headersTimeoutMs, 'headers', 'response headers');
  }

  #onRead(length: number, region: Buffer): boolean {
    if (this.#failure || this.#complete) return false;
    this.#windowBytes += length;
    const bytes = this.#pool.filled(region, length);
    const result = this.#parser.execute(bytes, 0, length);
    if (result instanceof Error && !this.#complete && !this.#failure) {
      this.#fail(this.#error('protocol', { cause: result, detail: `malformed response: ${result.message}` }));
    }
    // The generator Node calls right after this callback must find the next region ready.
    this.#pool.prepare();
    if (this.#failure || this.#complete) {
      this.#close();
      return false;
    }
    if (this.#pool.exhausted()) {
      // Every buffer holds unreleased bytes: stop reading (TCP backpressure) and do not blame the server.
      this.#paused = true;
      this.#socket.setTimeout(0);
      this.#stopRateWindow();
      return false;
    }
    return true;
  }

  #onHead(info: HeadInfo): number {
    if (this.#final || this.#failure) return 0;
    const status = info.statusCode;
    // Interim responses (100 Continue, 103 Early Hints) are skipped; 101 ends the exchange as a response.
    if (status >= 100 && status < 200 && status !== 101) {
      this.#interim = true;
      return 0;
    }
    this.#final = true;
    // Framing headers (Content-Length, Transfer-Encoding) were checked line by line by the strict parser.
    const headers = joinRawHeaders(info.headers);
    this.#clearTimer();
    this.#phase = 'body';
    if (this.#options.bodyTimeoutMs > 0) this.#socket.setTimeout(this.#options.bodyTimeoutMs);
    this.#startRateWindow();
    this.#settleHead?.resolve({ status, headers });
    this.#settleHead = undefined;
    // 1 tells the parser a HEAD response has no body whatever its Content-Length says.
    return this.#options.method === 'HEAD' ? 1 : 0;
  }

  #onBody(chunk: Buffer, offset: number, length: number): void {
    if (!this.#final || this.#complete || this.#failure || length === 0) return;
    const view = offset === 0 && length === chunk.length ? chunk : chunk.subarray(offset, offset + length);
    this.#pool.lease(view);
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve(this.#handOut(view));
    } else this.#queue.push(view);
  }

  #onComplete(): void {
    if (this.#interim) {
      this.#interim = false;
      return;
    }
    if (!this.#final || this.#complete || this.#failure) return;
    // Anything after a complete message is ignored: the connection is closed once this read is parsed.
    this.#complete = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(null);
  }

  #onEnd(): void {
    if (this.#complete || this.#failure) return;
    // A body without Content-Length or chunking ends with the connection; finish() completes it.
    const result = this.#parser.finish();
    if (this.#complete) {
      this.#close();
      return;
    }
    const what = this.#final ? 'the body was complete' : 'a response';
    this.#fail(
      this.#error('reset', {
        cause: result instanceof Error ? result : undefined,
        detail: `the server closed the connection before ${what}`,
      }),
    );
  }

  #onError(error: Error): void {
    if (this.#complete || this.#failure) return;
    const method = this.#options.method;
    this.#fail(toHttpError(error, { url: this.#url, method, phase: this.#phase, aborted: false }));
  }

  #onClose(): void {
    // The socket reads nothing more: buffers without unreleased views go to the next connections.
    this.#pool.dispose();
    if (this.#complete || this.#failure) return;
    this.#fail(this.#error('reset', { detail: 'the connection closed' }));
  }

  #onIdle(): void {
    if (this.#phase !== 'body' || this.#paused || this.#complete || this.#failure) return;
    this.#fail(this.#error('timeout', { detail: `no body bytes for ${this.#options.bodyTimeoutMs} ms` }));
  }

  #handOut(view: Buffer): Uint8Array {
    if (this.#options.leaseChunks) return view;
    // An owned copy: the pool buffer is free for the socket again as soon as the consumer has pulled.
    const copy = Buffer.from(view);
    this.release(view);
    return copy;
  }

  #maybeResume(): void {
    if (!this.#paused || this.#failure || this.#complete || this.#pool.exhausted()) return;
    this.#paused = false;
    if (this.#options.bodyTimeoutMs > 0) this.#socket.setTimeout(this.#options.bodyTimeoutMs);
    this.#startRateWindow();
    this.#socket.resume();
  }

  #startTimer(ms: number, phase: HttpPhase, what: string): void {
    if (!(ms > 0)) return;
    this.#timer = setTimeout(() => {
      this.#fail(this.#error('timeout', { phase, detail: `no ${what} in ${ms} ms` }));
    }, ms);
    this.#timer.unref();
  }

  /** Starts a fresh window of the minimum rate (body phase, socket being read). */
  #startRateWindow(): void {
    this.#stopRateWindow();
    const min = this.#options.minBytesPerSecond ?? 0;
    if (!(min > 0)) return;
    const windowMs = this.#options.minRateWindowMs ?? 30_000;
    this.#windowBytes = 0;
    this.#rateTimer = setTimeout(() => {
      this.#rateTimer = undefined;
      if (this.#failure || this.#complete || this.#paused) return;
      const rate = (this.#windowBytes * 1000) / windowMs;
      if (rate >= min) return this.#startRateWindow();
      const detail = `body slower than ${min} bytes/s over ${windowMs} ms (${this.#windowBytes} bytes)`;
      this.#fail(this.#error('timeout', { detail }));
    }, windowMs);
    this.#rateTimer.unref();
  }

  #stopRateWindow(): void {
    if (this.#rateTimer !== undefined) clearTimeout(this.#rateTimer);
    this.#rateTimer = undefined;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #error(
    kind: HttpError['kind'],
    extra: { phase?: HttpPhase; cause?: unknown; detail?: string } = {},
  ): HttpError {
    const { phase = this.#phase, cause, detail } = extra;
    return new HttpError({ kind, url: this.#url, method: this.#options.method, phase, cause, detail });
  }

  #fail(error: HttpError): void {
    if (this.#failure) return;
    this.#failure = error;
    if (error.kind === 'aborted') {
      // An abort drops what was received and not yet read: the next read throws at once.
      for (const view of this.#queue.splice(0)) this.#pool.release(view);
    }
    this.#close();
    this.#settleHead?.reject(error);
    this.#settleHead = undefined;
    const waiter = this.#waiter;
    if (waiter && this.#queue.length === 0) {
      this.#waiter = undefined;
      waiter.reject(error);
    }
  }

  #close(): void {
    this.#clearTimer();
    this.#stopRateWindow();
    this.#paused = false;
    if (!this.#socket.destroyed) {
      this.#socket.setTimeout(0);
      this.#socket.destroy();
    }
  }
}
