/**
 * The shared storage adapter: kept ranges with a crash-safe journal (or the owner's: `KeptFile`), atomic JSON
 * documents, safe names, flushes shared by their callers.
 *
 * @module
 */
export * from './files.js';
export * from './group-commit.js';
export * from './json-store.js';
export * from './kept-file.js';
export * from './make-dir.js';
export * from './partial.js';
