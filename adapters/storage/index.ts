/**
 * The shared storage adapter: kept ranges with a crash-safe journal, atomic JSON documents, safe names.
 *
 * @module
 */
export * from './files.js';
export * from './json-store.js';
export * from './make-dir.js';
export * from './partial.js';
