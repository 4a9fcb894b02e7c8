/**
 * The shared status-report adapter: a persisted queue of reports, retried with back-off across restarts.
 *
 * @module
 */
export * from './queue.js';
