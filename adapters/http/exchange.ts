/**
 * One HTTP/1.1 exchange on a connection (`node:net`, or `node:tls` for https): its own, with `Connection: close`
 * written in the request, or — given a {@link ConnectionPool}, for a GET or HEAD — an idle one to the same origin
 * when there is one, given back once the response was read to its end (see `connection.ts`). It parses the response with `http-parser-js` made strict ({@link strictResponseParser}:
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
import parserModule from 'http-parser-js';
import {
  Connection,
  type ConnectionPool,
  type ConnectionUser,
  connectionKey,
  DEFAULT_IDLE_TIMEOUT_MS,
} from './connection.js';
import { HttpError, type HttpPhase, toHttpError } from './errors.js';
import { atEndOfRead, strictResponseParser } from './framing.js';
import type { ReadPool } from './pool.js';
import { type Endpoint, endpointOf, joinRawHeaders, requestHead } from './wire.js';

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
  /** Idle connections a GET or HEAD without a body may reuse, and gives its own back to (see `connection.ts`). */
  connections?: ConnectionPool | undefined;
}

/** Methods whose request may go on a reused connection (idempotent: sent again when it turned out closed). */
const POOLED_METHODS = new Set(['GET', 'HEAD']);

/** The final (non-1xx) response's status and headers (lower-case names, repeats joined with `, `). */
export interface ResponseHead {
  status: number;
  headers: Record<string, string>;
}

interface HeadInfo {
  statusCode: number;
  headers: string[];
  shouldKeepAlive: boolean;
  upgrade: boolean;
}

/** A request in flight on a connection, and its response as it arrives. */
export class Exchange implements ConnectionUser {
  /** Resolves with the final response's head; rejects with an {@link HttpError} (phase connect or headers). */
  readonly head: Promise<ResponseHead>;
  readonly #options: ExchangeOptions;
  readonly #url: string;
  readonly #endpoint: Endpoint;
  /** Which idle connections this exchange may take (endpoint, trust, read pool shape). */
  readonly #key: string;
  /** The pool this exchange takes its connection from and gives it back to (pooled GET and HEAD only). */
  readonly #connections: ConnectionPool | undefined;
  #connection: Connection;
  #parser = this.#newParser();
  readonly #request: Buffer;
  /** Bytes read on the current connection: none, and a reused one that closed was closed while idle. */
  #received = 0;
  /** The response ended where the server said it keeps the connection, and nothing followed it. */
  #keep = false;
  /** The consumer is done with the body (destroy() after the end): the connection may go back. */
  #finished = false;
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
    const pooled = options.body === undefined && POOLED_METHODS.has(options.method);
    this.#connections = pooled ? options.connections : undefined;
    const keepAlive = this.#connections !== undefined;
    const head = requestHead(options.method, url, options.headers, options.body?.byteLength, keepAlive);
    this.#request = options.body ? Buffer.concat([head, options.body]) : head;
    this.#endpoint = endpointOf(url);
    this.#key = connectionKey(this.#endpoint, options);
    this.head = new Promise<ResponseHead>((resolve, reject) => {
      this.#settleHead = { resolve, reject };
    });
    // The caller awaits `head`; this only keeps a rejection nobody waits for from being reported as unhandled.
    this.head.catch(() => {});
    const reused = this.#connections?.take(this.#key);
    this.#connection = reused ?? this.#connect();
    this.#connection.attach(this);
    // A reused connection is open: the request goes now; a new one waits for its connect (timed).
    if (reused) this.onConnected();
  }

  get #pool(): ReadPool {
    return this.#connection.pool;
  }

  get #socket() {
    return this.#connection.socket;
  }

  /** A new connection, its connect timed. */
  #connect(): Connection {
    const connection = new Connection(this.#endpoint, this.#key, this.#options);
    this.#startTimer(this.#options.connectTimeoutMs, 'connect', 'connection');
    return connection;
  }

  #newParser() {
    const parser = strictResponseParser();
    parser[HTTPParser.kOnHeadersComplete] = (info: HeadInfo) => this.#onHead(info);
    parser[HTTPParser.kOnBody] = (chunk: Buffer, offset: number, length: number) =>
      this.#onBody(chunk, offset, length);
    parser[HTTPParser.kOnMessageComplete] = () => this.#onComplete();
    return parser;
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
    if (!this.#pool.release(chunk)) return;
    this.#maybeResume();
    this.#maybeGiveBack();
  }

  /** Bytes handed out or queued as views and not yet released (at most the pool's size). */
  get leasedBytes(): number {
    return this.#pool.leasedBytes;
  }

  /**
   * The consumer is done with the body. Before the response's end this is {@link destroy}; after it, chunks not
   * taken are dropped and the connection is closed, or — kept — given back to the pool once every leased chunk
   * is released.
   */
  finish(): void {
    if (!this.#complete || this.#failure) {
      this.destroy();
      return;
    }
    this.#finished = true;
    for (const view of this.#queue.splice(0)) this.#pool.release(view);
    if (this.#keep) this.#maybeGiveBack();
    else this.#close();
  }

  /** Closes the connection now; pending and later reads reject with `error` (default: `aborted`). */
  destroy(error?: HttpError): void {
    const method = this.#options.method;
    this.#fail(error ?? new HttpError({ kind: 'aborted', url: this.#url, method, phase: this.#phase }));
  }

  /** @internal (ConnectionUser) */
  onConnected(): void {
    this.#clearTimer();
    if (this.#failure) return;
    this.#phase = 'headers';
    this.#socket.setNoDelay(true);
    this.#socket.write(this.#request);
    this.#startTimer(this.#options.headersTimeoutMs, 'headers', 'response headers');
  }

  /** @internal (ConnectionUser) */
  onRead(length: number, region: Buffer): boolean {
    if (this.#failure || this.#complete) {
      // A byte after the message: the connection cannot carry another one.
      if (this.#keep) this.#close();
      return false;
    }
    this.#received += length;
    this.#windowBytes += length;
    const bytes = this.#pool.filled(region, length);
    const result = this.#parser.execute(bytes, 0, length);
    if (result instanceof Error && !this.#complete && !this.#failure) {
      this.#fail(this.#error('protocol', { cause: result, detail: `malformed response: ${result.message}` }));
    }
    // The generator Node calls right after this callback must find the next region ready.
    this.#pool.prepare();
    if (this.#failure || (this.#complete && !this.#keep)) {
      this.#close();
      return false;
    }
    if (this.#complete) {
      this.#maybeGiveBack();
      // Kept: reading on shows a server's close at once (a free buffer is always prepared).
      return !this.#pool.exhausted();
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
    this.#keep = this.#connections !== undefined && info.shouldKeepAlive && !info.upgrade && status !== 101;
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
    // Anything after a complete message is ignored: the connection is closed once this read is parsed. A message
    // that ends before the read does is followed by bytes nobody asked for: its connection is not kept either.
    this.#complete = true;
    if (!atEndOfRead(this.#parser)) this.#keep = false;
    this.#clearTimer();
    this.#stopRateWindow();
    // The body timer stops; a kept connection whose consumer does not finish is closed after the idle timeout.
    this.#socket.setTimeout(this.#keep ? DEFAULT_IDLE_TIMEOUT_MS : 0);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(null);
  }

  /** @internal (ConnectionUser) */
  onEnd(): void {
    if (this.#endHandled()) return;
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

  /** @internal (ConnectionUser) */
  onError(error: Error): void {
    if (this.#endHandled()) return;
    const method = this.#options.method;
    this.#fail(toHttpError(error, { url: this.#url, method, phase: this.#phase, aborted: false }));
  }

  /** @internal (ConnectionUser) */
  onClose(): void {
    if (this.#endHandled()) return;
    this.#fail(this.#error('reset', { detail: 'the connection closed' }));
  }

  /** @internal (ConnectionUser) */
  onIdle(): void {
    if (this.#complete && this.#keep) {
      this.#close();
      return;
    }
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
    if (!this.#paused || this.#failure || this.#pool.exhausted()) return;
    this.#paused = false;
    if (this.#complete) {
      this.#connection.resume();
      return;
    }
    if (this.#options.bodyTimeoutMs > 0) this.#socket.setTimeout(this.#options.bodyTimeoutMs);
    this.#startRateWindow();
    this.#connection.resume();
  }

  /**
   * The connection ended, failed or closed. After the response, or after a failure, that is no error of this
   * exchange (a kept connection is closed, not given back); on a reused connection before any byte of the answer,
   * the request is sent again ({@link #retryable}). Returns whether it was handled here.
   */
  #endHandled(): boolean {
    if (this.#complete || this.#failure) {
      if (this.#keep) this.#close();
      return true;
    }
    if (this.#retryable()) {
      this.#retry();
      return true;
    }
    return false;
  }

  /**
   * A request on a reused connection that closed before any byte of its answer: the server closed it while idle
   * (RFC 9112 §9.3.1 lets it), so the request — idempotent, as every pooled one is — is sent once more, on a new
   * connection.
   */
  #retryable(): boolean {
    return this.#connection.uses > 1 && this.#received === 0 && this.#phase === 'headers';
  }

  #retry(): void {
    this.#connection.destroy();
    this.#parser = this.#newParser();
    this.#phase = 'connect';
    this.#clearTimer();
    this.#connection = this.#connect();
    this.#connection.attach(this);
  }

  /** Gives a kept connection back once the consumer is done and holds no chunk of it. */
  #maybeGiveBack(): void {
    if (!this.#keep || !this.#finished || this.#failure || this.#pool.leasedBytes > 0) return;
    const connections = this.#connections;
    if (connections === undefined || this.#connection.destroyed) return;
    this.#keep = false;
    this.#paused = false;
    this.#socket.setTimeout(0);
    this.#connection.detach();
    this.#connection.resume();
    connections.give(this.#connection);
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
    this.#keep = false;
    this.#connection.destroy();
  }
}
