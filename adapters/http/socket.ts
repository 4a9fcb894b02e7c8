/**
 * Opening the connection of one exchange: `node:net` for http, `node:tls` for https, both reading through
 * `onread` into the caller's buffers (Node 20 honours `onread` for `tls.connect` too — checked: the read
 * callback gets the very buffers the generator returned, and returning `false` pauses either kind).
 *
 * @module
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Endpoint } from './wire.js';

/** A socket being opened, and the event that says it is ready for the request. */
export interface OpeningSocket {
  socket: net.Socket;
  /** `connect` (TCP) or `secureConnect` (TLS handshake done, certificate verified). */
  readyEvent: 'connect' | 'secureConnect';
}

/**
 * Connects to `endpoint`, reads going through `onread`; for TLS, offers only `http/1.1` (ALPN), sends SNI for
 * host names, and trusts `ca` on top of Node's bundled root certificates when given.
 */
export function openSocket(endpoint: Endpoint, onread: net.OnReadOpts, ca?: string | Buffer): OpeningSocket {
  if (!endpoint.tls) {
    return {
      socket: net.connect({ host: endpoint.host, port: endpoint.port, onread }),
      readyEvent: 'connect',
    };
  }
  const options: tls.ConnectionOptions & net.ConnectOpts = {
    host: endpoint.host,
    port: endpoint.port,
    ALPNProtocols: ['http/1.1'],
    onread,
  };
  if (endpoint.servername !== undefined) options.servername = endpoint.servername;
  // `ca` alone would replace the default trust store; this CA is trusted in addition, not instead.
  if (ca !== undefined) options.ca = [...tls.rootCertificates, ca];
  return { socket: tls.connect(options), readyEvent: 'secureConnect' };
}
