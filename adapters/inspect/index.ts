/**
 * Live inspection: a relay on 127.0.0.1 serving an offline viewer page, and producers that feed it from
 * XState's `inspect` option (`dlstate inspect`, `--inspect <url>`).
 *
 * @module
 */
export * from './diagram.js';
export * from './page.js';
export * from './producer.js';
export * from './protocol.js';
export * from './relay.js';
