/**
 * `dlstate/agent`: the running OMA DLOTA 2.0 Download Agent — `startAgent` fetches a descriptor, asks for
 * confirmation, retrieves with pause/resume (`Range` + `If-Match`), installs and posts the status report.
 *
 * @module
 */
export * from '../../adapters/agent/index.js';
