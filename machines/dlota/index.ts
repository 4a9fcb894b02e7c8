/**
 * OMA DLOTA 2.0: the download agent statechart, the descriptor parser, the status table and the
 * server-side decisions.
 *
 * @module
 */
export * from './descriptor.encoding.js';
export * from './descriptor.fields.js';
export * from './descriptor.js';
export * from './descriptor.types.js';
export * from './download.logic.js';
export { dlotaMachine } from './download.machine.js';
export { downloadSetup } from './download.setup.js';
export * from './download.types.js';
export { B6_VECTOR, b6Descriptor, DownloadWalk, type RequestedEffect } from './download.walk.js';
export * from './server.logic.js';
export * from './status.js';
export * from './trace.js';
