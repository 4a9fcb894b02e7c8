/**
 * What every request of the HTTP adapter shares: default limits, the headers sent, URL checks.
 *
 * @module
 */
import { HttpError } from './errors.js';

/** Time allowed for the TCP (and TLS) connection to be established, in ms. @default 10_000 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Time allowed between sending the request and receiving the complete response headers, in ms. @default 30_000 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
/** Longest silence allowed between two body chunks (a stalled body), in ms; 0 disables it. @default 30_000 */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/**
 * Minimum body transfer rate, like curl's `--speed-limit`: a body that brings fewer bytes than this per second,
 * averaged over {@link DEFAULT_MIN_RATE_WINDOW_MS}, is given up as a `timeout` (a trickle is a lost
 * connection); 0 disables it. @default 1024
 */
export const DEFAULT_MIN_BYTES_PER_SECOND = 1024;
/** The window the minimum rate is averaged over, like curl's `--speed-time`, in ms. @default 30_000 */
export const DEFAULT_MIN_RATE_WINDOW_MS = 30_000;
/** Redirects followed before giving up with an `HttpError` of kind `redirects`. @default 5 */
export const DEFAULT_MAX_REDIRECTS = 5;
/** Whole-exchange time limit of `post`, in ms. @default 15_000 */
export const DEFAULT_POST_TIMEOUT_MS = 15_000;
/** Byte limit of `getText`. @default 1_048_576 */
export const DEFAULT_TEXT_MAX_BYTES = 1024 * 1024;

/** The redirect statuses followed by `openGet` (always re-issued as the same GET). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** A request as sent on the wire: method, URL and the exact headers (lower-case names). */
export interface SentRequest {
  method: string;
  url: string;
  headers: Readonly<Record<string, string>>;
}

/** Throws a `scheme` error unless the URL parses and is http or https; returns the parsed URL. */
export function checkUrl(url: string, method: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new HttpError({ kind: 'scheme', url, method, cause, detail: 'not an absolute URL' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HttpError({
      kind: 'scheme',
      url,
      method,
      detail: `scheme "${parsed.protocol.slice(0, -1)}" is not supported (only http and https)`,
    });
  }
  return parsed;
}

/** The headers actually sent: caller's headers lower-cased (credentials dropped across origins), `Accept-Encoding: identity`. */
export function requestHeaders(
  extra: Record<string, string> | undefined,
  dropCredentials: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra ?? {})) {
    const lower = name.toLowerCase();
    // Credentials go only to the origin they were given for.
    if (dropCredentials && (lower === 'authorization' || lower === 'cookie')) continue;
    out[lower] = value;
  }
  // Raw bytes only: a byte offset on disk must be a byte offset of the object (stack.md sharp edge 8).
  out['accept-encoding'] = 'identity';
  return out;
}
