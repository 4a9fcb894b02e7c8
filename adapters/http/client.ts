/**
 * The protocol-agnostic HTTP client: it opens GETs (following redirects, bounded), POSTs small bodies and
 * reads small documents, and reports what came back — status, final URL, headers, raw body bytes. It never
 * decides whether a status or a Content-Range is acceptable: the statecharts do.
 *
 * By default every exchange is one HTTP/1.1 request on its own `node:net` / `node:tls` connection, sent with
 * `Connection: close` and parsed with `http-parser-js`, so aborting a response closes exactly that connection
 * (the server sees the socket close; no more bytes arrive) and no socket outlives its download. With a
 * {@link ConnectionPool} (`openGet`'s `connections`), a GET read to its end gives its connection back for the
 * next GET to the same origin (keep-alive, as curl does within one run); an abort still closes it.
 * Bodies are raw bytes: `Accept-Encoding: identity` is always sent and nothing is ever decompressed.
 *
 * Memory: the socket reads into a fixed pool per connection ({@link READ_POOL_BUFFERS} buffers of
 * {@link READ_BUFFER_BYTES}, options `readPoolBuffers` / `readBufferBytes`), and reading stops while every
 * buffer holds bytes the consumer has not taken (or, with `leaseChunks`, not released): a download's
 * memory is the pool, whatever the body's size.
 *
 * Timeout resolution: timeouts are Node timers (connect, headers) and the socket's idle timer (body), so
 * they fire within a few milliseconds of their value. The body timeout measures the server's silence
 * between two reads and is suspended while the pool is full.
 *
 * @module
 */
export {
  ConnectionPool,
  type ConnectionPoolOptions,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_IDLE_PER_ORIGIN,
} from './connection.js';
export * from './errors.js';
export * from './open-get.js';
export { READ_BUFFER_BYTES, READ_POOL_BUFFERS } from './pool.js';
export * from './request-parts.js';
export * from './small.js';
