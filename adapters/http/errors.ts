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
  /** The connection was closed or reset by the peer before the exchange completed. */
  | 'reset'
  /** More redirects than allowed; the message names the URL chain. */
  | 'redirects'
  /** A URL (given or from a `Location`) with a scheme other than http/https. */
  | 'scheme'
  /** The request was aborted by `abort()` or by the caller's signal. */
  | 'aborted'
  /** The peer broke HTTP/1.1 framing (parser error, body longer/shorter than its Content-Length). */
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
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
]);

/**
 * Maps an error thrown by undici (or by an abort signal) to an {@link HttpError}; `phase` is where the
 * caller was when it caught it, `aborted` whether our own abort had been requested.
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
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new HttpError({ ...base, kind: 'timeout', phase: 'connect' });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new HttpError({ ...base, kind: 'timeout', phase: 'headers' });
    case 'UND_ERR_BODY_TIMEOUT':
      return new HttpError({ ...base, kind: 'timeout', phase: 'body' });
    case 'UND_ERR_ABORTED':
      return new HttpError({ ...base, kind: 'aborted', phase: ctx.phase });
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_INFO':
      return new HttpError({ ...base, kind: 'protocol', phase: ctx.phase });
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return new HttpError({ ...base, kind: 'reset', phase: ctx.phase });
  }
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new HttpError({ ...base, kind: 'aborted', phase: ctx.phase });
  }
  if (typeof code === 'string' && code.startsWith('HPE_')) {
    return new HttpError({ ...base, kind: 'protocol', phase: ctx.phase });
  }
  if (typeof code === 'string' && CONNECT_CODES.has(code)) {
    return new HttpError({ ...base, kind: 'connect', phase: 'connect' });
  }
  // Before any response byte, an unknown failure is a failure to connect; after, the exchange broke.
  return new HttpError({ ...base, kind: ctx.phase === 'connect' ? 'connect' : 'reset', phase: ctx.phase });
}
