/**
 * Why the descriptor could not be fetched, in words: the transport failure or the HTTP answer behind a
 * `DESCRIPTOR.FAILED` (which the machine turns into 954 Loader Error). Adapter-side description only — the
 * status code is the machine's decision.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { isHttpError } from '../http/errors.js';

/** What kind of failure kept the descriptor away. */
export type DescriptorErrorKind =
  /** Nothing listens there: the connection was refused or the host is unreachable. */
  | 'unreachable'
  /** The host name does not resolve. */
  | 'dns'
  /** TLS failed: `https` to a port that does not speak TLS, or a certificate that is not trusted. */
  | 'tls'
  /** No answer in time. */
  | 'timeout'
  /** The connection broke, or the peer did not speak HTTP/1.1. */
  | 'connection'
  /** The server answered with a non-2xx status. */
  | 'http'
  /** The descriptor is larger than the agent reads. */
  | 'too-large'
  /** Anything else (the message says what). */
  | 'other';

/** A descriptor-fetch failure as `--json` prints it and the closing line words it. */
export interface DescriptorError {
  readonly kind: DescriptorErrorKind;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  readonly message: string;
}

/** The first line of a server's answer body, at most 200 characters: its reason in its own words. */
function serverReason(body: string): string {
  const line = body
    .replace(/<[^>]*>/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (line === undefined) return '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Words a non-2xx answer to the descriptor GET: the status, its phrase and the server's reason. */
export function descriptorHttpError(status: number, body: string): DescriptorError {
  const phrase = STATUS_CODES[status];
  const reason = serverReason(body);
  return {
    kind: 'http',
    status,
    message: `the server answered ${status}${phrase ? ` ${phrase}` : ''}${reason && reason !== phrase ? `: ${reason}` : ''}`,
  };
}

/** Words a thrown failure of the descriptor GET (connection refused, DNS, TLS to a plain port, timeout…). */
export function descriptorTransportError(url: string, error: unknown): DescriptorError {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // Keep the URL as given.
  }
  const code = String(((error as { cause?: { code?: unknown } })?.cause as { code?: unknown })?.code ?? '');
  const detail = error instanceof Error ? error.message : String(error);
  if (isHttpError(error, 'too-large'))
    return { kind: 'too-large', message: `the descriptor at ${url} is too large (${detail})` };
  if (isHttpError(error, 'timeout'))
    return { kind: 'timeout', message: `no answer from ${host} in time (${error.phase ?? 'connect'})` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { kind: 'dns', message: `the host name of ${host} does not resolve (${code})` };
  if (code === 'ECONNREFUSED')
    return {
      kind: 'unreachable',
      message: `nothing answers at ${host}: the connection was refused (is the server running?)`,
    };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return { kind: 'unreachable', message: `${host} cannot be reached (${code})` };
  if (/SSL|TLS|CERT|EPROTO/.test(code) || /wrong version number|ssl|tls/i.test(detail)) {
    const plain = /wrong version number|packet length too long|EPROTO/i.test(`${code} ${detail}`);
    return {
      kind: 'tls',
      message: plain
        ? `TLS to ${host} failed: the port does not speak TLS (an http:// port asked for https://?)`
        : `TLS to ${host} failed: ${detail}`,
    };
  }
  if (isHttpError(error, 'reset') || isHttpError(error, 'protocol') || isHttpError(error, 'connect'))
    return { kind: 'connection', message: `the connection to ${host} failed: ${detail}` };
  return { kind: 'other', message: detail };
}
