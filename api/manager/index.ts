/**
 * `dlstate/manager`: the running OIPF DAE download manager — `createDownloadManager` keeps downloads under a
 * directory, runs the transfers and hands each application its `application/oipfDownloadManager` and
 * `application/oipfDownloadTrigger` objects.
 *
 * @module
 */
export * from '../../adapters/oipf/index.js';
