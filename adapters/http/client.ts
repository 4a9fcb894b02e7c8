/**
 * The protocol-agnostic HTTP client: it opens GETs (following redirects, bounded), POSTs small bodies and
 * reads small documents, and reports what came back — status, final URL, headers, raw body bytes. It never
 * decides whether a status or a Content-Range is acceptable: the statecharts do.
 *
 * Every exchange gets its own undici `Agent`, so aborting a response destroys exactly that connection
 * (the server sees the socket close; no more bytes arrive) and no pooled socket outlives its download.
 * Bodies are raw bytes: `Accept-Encoding: identity` is always sent and nothing is ever decompressed.
 *
 * Timeout resolution: undici runs timeouts of more than 1 s on a coarse timer (about 0.5 s ticks), and
 * checks a connect timeout one tick late, so a timeout fires between its value and its value + ~1 s.
 *
 * @module
 */
export * from './errors.js';
export * from './open-get.js';
export * from './request-parts.js';
export * from './small.js';
