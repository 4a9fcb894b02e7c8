/**
 * The running DLOTA agent: the interpreter performing `dlotaMachine`'s effects with the shared adapters,
 * a run wrapper (report queue, reconnects, signals), typed observations and the CLI exit codes.
 *
 * @module
 */
export * from './agent.js';
export * from './descriptor-error.js';
export * from './exit-codes.js';
export * from './interpreter.js';
export * from './kept.js';
export * from './observation.js';
export * from './options.js';
export * from './render.js';
export * from './reports.js';
