/**
 * `dlstate/machines`: the statecharts and the pure decisions next to them — the OMA DLOTA 2.0 agent, the
 * descriptor parser, the status table, the server-side decisions, the OIPF DAE download lifecycle and the
 * download manager — plus the machine registry and the plain-data description of a machine.
 *
 * @module
 */
export * from '../../machines/describe.js';
export * from '../../machines/dlota/index.js';
export * from '../../machines/oipf/index.js';
export { MACHINES } from '../../machines/registry.js';
