/**
 * HbbTV/OIPF pages in a real browser: `startDaeServer` serves `/dae.js` (the page runtime and the pure machines
 * it runs) and the WebSocket protocol that backs the page's DAE objects with a running download manager.
 *
 * @module
 */
export { appForPage, type DaeWebApp, loadApps, parseApps } from './apps.js';
export { daeBundle } from './bundle.js';
export { type Connection, DaeHub, type DaeHubOptions } from './hub.js';
export * from './protocol.js';
export { type DaeServer, type DaeServerOptions, startDaeServer } from './server.js';
