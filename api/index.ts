/**
 * `dlstate`: OMA DLOTA 2.0 and the OIPF DAE download manager as XState v5 statecharts, with the running
 * agent, the reference server and the download manager built on them. The subpaths `dlstate/machines`,
 * `dlstate/agent`, `dlstate/server`, `dlstate/manager`, `dlstate/clauses` and `dlstate/testing` hold the
 * same symbols by role; this root entry re-exports all of them except `dlstate/testing`.
 *
 * @module
 */
export * from './agent/index.js';
export * from './clauses/index.js';
export * from './machines/index.js';
export * from './manager/index.js';
export * from './server/index.js';
