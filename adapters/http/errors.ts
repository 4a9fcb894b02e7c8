/**
 * The one error type the HTTP adapter throws: a transport fact (what failed, on which request), never a
 * protocol judgement — status codes are results, not errors.
 *
 * @module
 */

/** What went wrong on the wire; the machines map these to their own events. */
export type HttpErrorKind =
  /** The TCP/TLS connection could not be made (refused, unreachable, DNS). */
  | 'connect'
  /** A connect, headers or body (stall) timeout fired; see {@link HttpError.phase}. */
  | 'timeout'
  /** The connection was closed or reset by the peer before the exchange completed (e.g. a body shorter than its Content-Length or an unfinished chunked body). */
  | 'reset'
  /** More redirects than allowed; the message names the URL chain. */
  | 'redirects'
  /** A URL (given or from a `Location`) with a scheme other than http/https. */
  | 'scheme'
  /** The request was aborted by `abort()` or by the caller's signal. */
  | 'aborted'
  /** The peer broke HTTP/1.1 framing (a malformed status line, header or chunk). */
  | 'protocol'
  /** A bounded read (`getText`) got more bytes than its limit. */
  | 'too-large';

/** Which part of the exchange a `timeout` (or other error) happened in. */
export type HttpPhase = 'connect' | 'headers' | 'body';

/** Construction fields of an {@link HttpError}. */
export interface HttpErrorInit {
  kind: HttpErrorKind;
  url: string;
  method: string;
  cause?: unknown;
  phase?: HttpPhase;
  detail?: string;
}

/** A failed HTTP exchange, with its kind, method, URL and underlying cause; the message names method and URL. */
export class HttpError extends Error {
  /** What went wrong. */
  readonly kind: HttpErrorKind;
  /** The URL of the request that failed (the hop being fetched when following redirects). */
  readonly url: string;
  /** The request method, e.g. `GET`. */
  readonly method: string;
  /** Where in the exchange it failed, when known. */
  readonly phase: HttpPhase | undefined;

  constructor(init: HttpErrorInit) {
    const reason = init.detail ?? describeCause(init.cause);
    const phase = init.phase ? ` (${init.phase})` : '';
    super(`${init.method} ${init.url}: ${init.kind}${phase}${reason ? `: ${reason}` : ''}`, {
      cause: init.cause,
    });
    this.name = 'HttpError';
    this.kind = init.kind;
    this.url = init.url;
    this.method = init.method;
    this.phase = init.phase;
  }
}

/** Whether a value is an {@link HttpError} (optionally of one kind). */
export function isHttpError(value: unknown, kind?: HttpErrorKind): value is HttpError {
  return value instanceof HttpError && (kind === undefined || value.kind === kind);
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code} ${cause.message}`
      : cause.message;
  }
  return cause === undefined ? '' : String(cause);
}

/** Node error codes that mean the TCP/TLS connection could not be made (or not trusted). */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** Node error codes that mean an established connection broke. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);

/**
 * Maps an error from `node:net`, `node:tls`, the HTTP parser or an abort signal to an {@link HttpError};
 * `phase` is where the exchange was when it failed, `aborted` whether our own abort had been requested.
 */
export function toHttpError(
  cause: unknown,
  ctx: { url: string; method: string; phase: HttpPhase; aborted: boolean },
): HttpError {
  if (cause instanceof HttpError) return cause;
  const base = { url: ctx.url, method: ctx.method, cause };
  if (ctx.aborted) return new HttpError({ ...base, kind: 'aborted', phase: ctx.phase });
  const code = (cause as { code?: unknown } | null)?.code;
  const name = (cause as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || code === 'ABORT_ERR') {
    return new HttpError({ ...base, kind: 'aborted', phase: ctx.phase });
  }
  if (typeof code !== 'string') {
    // Before any response byte, an unknown failure is a failure to connect; after, the exchange broke.
    return new HttpError({ ...base, kind: ctx.phase === 'connect' ? 'connect' : 'reset', phase: ctx.phase });
  }
  if (code === 'ETIMEDOUT') return new HttpError({ ...base, kind: 'timeout', phase: ctx.phase });
  if (code.startsWith('HPE_')) return new HttpError({ ...base, kind: 'protocol', phase: ctx.phase });
  if (RESET_CODES.has(code)) return new HttpError({ ...base, kind: 'reset', phase: ctx.phase });
  // TLS verification and handshake failures (ERR_TLS_*, ERR_SSL_*, certificate codes) refuse the connection.
  if (
    CONNECT_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT')
  ) {
    return new HttpError({ ...base, kind: 'connect', phase: 'connect' });
  }
  return new HttpError({ ...base, kind: ctx.phase === 'connect' ? 'connect' : 'reset', phase: ctx.phase });
}
