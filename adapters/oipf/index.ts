/**
 * The running OIPF DAE download manager: the DAE objects per application, real transfers,
 * persistence under a directory, and the HbbTV profile.
 *
 * @module
 */
export * from './dae-download.js';
export * from './dae-objects.js';
export * from './manager.js';
export type { DownloadMeta } from './meta.js';
export { LEGACY_REGISTRY_FILE, REGISTRY_DB, type UnreadableEntry } from './registry.js';
export { partialPathOf, type TransferFetchOptions } from './transfers.js';
