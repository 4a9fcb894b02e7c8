/**
 * `openGet`: a GET whose raw body streams to the caller, with redirects followed (bounded), one connection
 * per hop, so aborting closes exactly that connection. Given a {@link ConnectionPool}, a hop may take an idle
 * connection to its origin, and a body read to its end gives its connection back.
 *
 * @module
 */
import type { ConnectionPool } from './connection.js';
import { HttpError } from './errors.js';
import { Exchange, type ResponseHead } from './exchange.js';
import {
  checkUrl,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MIN_BYTES_PER_SECOND,
  DEFAULT_MIN_RATE_WINDOW_MS,
  REDIRECT_STATUSES,
  requestHeaders,
  type SentRequest,
} from './request-parts.js';

/** Options of {@link openGet}. */
export interface OpenGetOptions {
  /** Extra request headers (e.g. `Range`, `If-Match`); `Accept-Encoding` is always forced to `identity`. */
  headers?: Record<string, string>;
  /** Aborts the request and, once open, the response (same effect as `abort()`). */
  signal?: AbortSignal;
  /** Time allowed for TCP connect plus TLS handshake, in ms (0: none). @default DEFAULT_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number;
  /** Time from the request written to the final response headers parsed, in ms (0: none). @default DEFAULT_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number;
  /** Longest idle time between two socket reads of the body, in ms (0: none); not counted while the pool is full. @default DEFAULT_BODY_TIMEOUT_MS */
  bodyTimeoutMs?: number;
  /**
   * Slowest body accepted, like curl's `--speed-limit`: fewer bytes per second than this, averaged over
   * `minRateWindowMs`, fails the body with a `timeout` (0: none). @default DEFAULT_MIN_BYTES_PER_SECOND
   */
  minBytesPerSecond?: number;
  /** The averaging window of `minBytesPerSecond`, like curl's `--speed-time`, in ms. @default DEFAULT_MIN_RATE_WINDOW_MS */
  minRateWindowMs?: number;
  /** Redirects followed; one more is an `HttpError` of kind `redirects` (0: any redirect is). @default DEFAULT_MAX_REDIRECTS */
  maxRedirects?: number;
  /** Called with every request as it is sent (each redirect hop too), e.g. for a `--json` request log. */
  onRequest?: (request: SentRequest) => void;
  /**
   * Yield body chunks as views of the connection's read pool instead of copies: no allocation per chunk,
   * memory bounded by the pool, but each chunk must be given back with {@link HttpResponse.release} once its
   * bytes are no longer needed, or reading stops once the pool is full. While awaiting the next chunk, keep
   * at most `readPoolBuffers - 2` chunks unreleased (2 by default): one buffer is always armed for the next
   * socket read, so a consumer holding a chunk in every other buffer would wait forever (no body timeout
   * runs while the pool is full). @default false
   */
  leaseChunks?: boolean;
  /** Size of each read buffer of the connection's pool, in bytes (>= 1024). @default READ_BUFFER_BYTES */
  readBufferBytes?: number;
  /** Read buffers in the connection's pool (>= 2); unreleased bytes never exceed buffers x size. @default READ_POOL_BUFFERS */
  readPoolBuffers?: number;
  /** An extra trusted CA certificate (PEM) for https, on top of Node's bundled root certificates. */
  ca?: string | Buffer;
  /**
   * Keep-alive: idle connections this GET may reuse, and to which a body read to its end (every leased chunk
   * released) gives its connection back. Without it every request has its own connection, sent with
   * `Connection: close`. An abort, a failure or a body left unread closes the connection either way.
   */
  connections?: ConnectionPool;
}

/** An open response: facts about it and its body, still streaming. */
export interface HttpResponse {
  /** The status code of the final (non-redirect) response. */
  readonly status: number;
  /** The final URL, after redirects. */
  readonly url: string;
  /** Every URL requested, in order (the first is the one given; the last is `url`). */
  readonly urlChain: readonly string[];
  /** Response headers with lower-case names; repeated headers are joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The raw body bytes (never decompressed), in order. The socket is read at most a pool ahead of the
   * consumer (chunks wait in a queue bounded by the pool). Iterate it once, or call `abort()` if it will not
   * be read. Transport failures surface as {@link HttpError} after the chunks received before them;
   * breaking out of the loop closes the connection. With `leaseChunks`, each chunk is a view to release.
   */
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * Gives a body chunk back (with `leaseChunks`): its pool buffer is read into again once every chunk taken
   * from it is released, in any order. Pass the very chunk yielded; unknown chunks, second releases and every
   * call without `leaseChunks` are ignored.
   */
  release(chunk: Uint8Array): void;
  /** Closes the connection now: no more bytes arrive, and a pending or later read throws `aborted`. */
  abort(): void;
  /** Whether `abort()` was called or the signal fired. */
  readonly aborted: boolean;
}

/**
 * Opens a GET and resolves once the final response's headers are in, following up to `maxRedirects`
 * redirects; the body is left streaming for the caller.
 */
export async function openGet(url: string, options: OpenGetOptions = {}): Promise<HttpResponse> {
  const method = 'GET';
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const leaseChunks = options.leaseChunks ?? false;
  // One exchange at a time; abort() closes whichever is current (stack.md sharp edge 8: one abort per request).
  let exchange: Exchange | undefined;
  let aborted = false;
  const abort = () => {
    if (aborted) return;
    aborted = true;
    exchange?.destroy();
  };
  const onSignal = () => abort();
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', onSignal, { once: true });

  const chain: string[] = [];
  let current = url;
  const origin = checkUrl(url, method).origin;
  try {
    for (;;) {
      const parsed = checkUrl(current, method);
      chain.push(current);
      if (aborted) throw new HttpError({ kind: 'aborted', url: current, method, phase: 'connect' });
      const headers = requestHeaders(options.headers, parsed.origin !== origin);
      options.onRequest?.({ method, url: current, headers: { ...headers } });
      exchange = new Exchange({
        method,
        url: current,
        headers,
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
        bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
        minBytesPerSecond: options.minBytesPerSecond ?? DEFAULT_MIN_BYTES_PER_SECOND,
        minRateWindowMs: options.minRateWindowMs ?? DEFAULT_MIN_RATE_WINDOW_MS,
        leaseChunks,
        readBufferBytes: options.readBufferBytes,
        readPoolBuffers: options.readPoolBuffers,
        ca: options.ca,
        connections: options.connections,
      });
      const head: ResponseHead = await exchange.head;
      const location = head.headers.location;
      if (REDIRECT_STATUSES.has(head.status) && location !== undefined) {
        // Connection: close — the next hop gets its own connection, so this one goes now, body unread.
        exchange.destroy();
        if (chain.length > maxRedirects) {
          throw new HttpError({
            kind: 'redirects',
            url: current,
            method,
            detail: `more than ${maxRedirects} redirects: ${[...chain, location].join(' -> ')}`,
          });
        }
        current = new URL(location, current).toString();
        continue;
      }
      const open = exchange;
      const body = (async function* pull(): AsyncGenerator<Uint8Array> {
        try {
          for (;;) {
            const chunk = await open.read();
            if (chunk === null) return;
            yield chunk;
          }
        } finally {
          // Also reached when the consumer breaks out of its loop: the connection goes with the body, unless
          // the body was read to its end and the pool keeps it.
          open.finish();
          options.signal?.removeEventListener('abort', onSignal);
        }
      })();
      return {
        status: head.status,
        url: current,
        urlChain: chain,
        headers: head.headers,
        body,
        release: leaseChunks ? (chunk) => open.release(chunk) : () => {},
        abort,
        get aborted() {
          return aborted;
        },
      };
    }
  } catch (error) {
    options.signal?.removeEventListener('abort', onSignal);
    exchange?.destroy();
    throw error;
  }
}
