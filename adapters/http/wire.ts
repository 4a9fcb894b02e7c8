/**
 * The pure half of the wire layer: the HTTP/1.1 request head as bytes, where to connect, and the
 * response's raw header list as a record. No sockets here, so every rule is unit-testable.
 *
 * @module
 */
import { isIP } from 'node:net';

/** Where a URL's connection goes: host to dial (IPv6 without brackets), port, TLS or not, SNI name. */
export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  /** The TLS server name (SNI); absent for IP literals, which RFC 6066 forbids as server names. */
  servername: string | undefined;
}

/** Where to connect for an http or https URL (default ports 80 and 443). */
export function endpointOf(url: URL): Endpoint {
  const tls = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    host,
    port: url.port === '' ? (tls ? 443 : 80) : Number(url.port),
    tls,
    servername: tls && isIP(host) === 0 ? host : undefined,
  };
}

/** The `Host` header of a URL: host name, `:port` only when not the scheme's default, IPv6 in brackets. */
export function hostHeader(url: URL): string {
  // WHATWG URL already drops a default port and keeps IPv6 literals bracketed.
  return url.host;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible latin1 characters, spaces and tabs; no CR, LF or NUL (no header injection).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers the wire layer writes itself, whatever the caller passed. */
const OWN_HEADERS = new Set(['connection', 'content-length', 'transfer-encoding']);

/**
 * The request head, in latin1 bytes: `METHOD path HTTP/1.1`, `host` (unless given), the given headers,
 * `connection: close` (one exchange per connection) unless `keepAlive` (HTTP/1.1 persists by default), and
 * `content-length` when there is a body.
 * Throws a `TypeError` on a header name or value that cannot be sent as is.
 */
export function requestHead(
  method: string,
  url: URL,
  headers: Readonly<Record<string, string>>,
  bodyLength?: number,
  keepAlive = false,
): Buffer {
  if (!TOKEN.test(method)) throw new TypeError(`invalid HTTP method ${JSON.stringify(method)}`);
  const lines = [`${method} ${url.pathname || '/'}${url.search} HTTP/1.1`];
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  if (!names.includes('host')) lines.push(`host: ${hostHeader(url)}`);
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (!FIELD_VALUE.test(value)) throw new TypeError(`invalid value for header "${name}"`);
    if (OWN_HEADERS.has(name.toLowerCase())) continue;
    lines.push(`${name}: ${value}`);
  }
  if (!keepAlive) lines.push('connection: close');
  if (bodyLength !== undefined) lines.push(`content-length: ${bodyLength}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** The parser's flat `[name, value, name, value, ...]` list as lower-case names, repeats joined with `, `. */
export function joinRawHeaders(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${value}` : value;
  }
  return out;
}
