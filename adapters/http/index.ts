/**
 * The shared HTTP adapter: open GETs with raw streaming bodies, small POSTs, bounded text reads.
 *
 * @module
 */
export * from './client.js';
