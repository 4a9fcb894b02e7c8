/**
 * `openGet`: a GET whose raw body streams to the caller, with redirects followed (bounded) and one undici
 * `Agent` per exchange, so aborting closes exactly that connection.
 *
 * @module
 */
import { Agent, request } from 'undici';
import { HttpError, toHttpError } from './errors.js';
import {
  checkUrl,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_REDIRECTS,
  flattenHeaders,
  REDIRECT_STATUSES,
  requestHeaders,
  type SentRequest,
} from './request-parts.js';

/** Options of {@link openGet}. */
export interface OpenGetOptions {
  /** Extra request headers (e.g. `Range`, `If-Match`); `Accept-Encoding` is always forced to `identity`. */
  headers?: Record<string, string>;
  /** Aborts the request and, once open, the response (same effect as `abort()`). */
  signal?: AbortSignal;
  /** @default DEFAULT_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number;
  /** @default DEFAULT_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number;
  /** @default DEFAULT_BODY_TIMEOUT_MS */
  bodyTimeoutMs?: number;
  /** Redirects followed; one more is an `HttpError` of kind `redirects` (0: any redirect is). @default DEFAULT_MAX_REDIRECTS */
  maxRedirects?: number;
  /** Called with every request as it is sent (each redirect hop too), e.g. for a `--json` request log. */
  onRequest?: (request: SentRequest) => void;
}

/** An open response: facts about it and its body, still streaming. */
export interface HttpResponse {
  /** The status code of the final (non-redirect) response. */
  readonly status: number;
  /** The final URL, after redirects. */
  readonly url: string;
  /** Every URL requested, in order (the first is the one given; the last is `url`). */
  readonly urlChain: readonly string[];
  /** Response headers with lower-case names; repeated headers are joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The raw body bytes (never decompressed), pulled one chunk at a time: the socket is read only as fast as
   * the consumer iterates. Iterate it once, or call `abort()` if it will not be read. Transport failures
   * surface as {@link HttpError}; breaking out of the loop closes the connection.
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** Closes the connection now: no more bytes arrive, and a pending or later read throws `aborted`. */
  abort(): void;
  /** Whether `abort()` was called or the signal fired. */
  readonly aborted: boolean;
}

/**
 * Opens a GET and resolves once the final response's headers are in, following up to `maxRedirects`
 * redirects; the body is left streaming for the caller.
 */
export async function openGet(url: string, options: OpenGetOptions = {}): Promise<HttpResponse> {
  const method = 'GET';
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
    headersTimeout: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    bodyTimeout: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  });
  // One controller per exchange (stack.md sharp edge 8): it cancels connect, headers and body alike.
  const controller = new AbortController();
  let aborted = false;
  const abort = () => {
    if (aborted) return;
    aborted = true;
    controller.abort();
    // Destroying the agent closes the socket even if undici would rather keep it for reuse.
    void agent.destroy().catch(() => {});
  };
  const onSignal = () => abort();
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const release = () => {
    options.signal?.removeEventListener('abort', onSignal);
    void agent.destroy().catch(() => {});
  };

  const chain: string[] = [];
  let current = url;
  const origin = checkUrl(url, method).origin;
  try {
    for (;;) {
      const parsed = checkUrl(current, method);
      chain.push(current);
      if (aborted) throw new HttpError({ kind: 'aborted', url: current, method, phase: 'connect' });
      const headers = requestHeaders(options.headers, parsed.origin !== origin);
      options.onRequest?.({ method, url: current, headers: { ...headers } });
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(current, {
          method,
          headers,
          signal: controller.signal,
          dispatcher: agent,
        });
      } catch (cause) {
        throw toHttpError(cause, { url: current, method, phase: 'connect', aborted });
      }
      const resHeaders = flattenHeaders(res.headers);
      const location = resHeaders.location;
      if (REDIRECT_STATUSES.has(res.statusCode) && location !== undefined) {
        // Drain the redirect's (small) body so the connection can serve the next hop.
        await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
        if (chain.length > maxRedirects) {
          throw new HttpError({
            kind: 'redirects',
            url: current,
            method,
            detail: `more than ${maxRedirects} redirects: ${[...chain, location].join(' -> ')}`,
          });
        }
        current = new URL(location, current).toString();
        continue;
      }
      const finalUrl = current;
      const undiciBody = res.body;
      const body = (async function* pull(): AsyncGenerator<Uint8Array> {
        try {
          for await (const chunk of undiciBody) {
            if (aborted) break;
            yield chunk as Uint8Array;
          }
          if (aborted) throw new HttpError({ kind: 'aborted', url: finalUrl, method, phase: 'body' });
        } catch (cause) {
          throw toHttpError(cause, { url: finalUrl, method, phase: 'body', aborted });
        } finally {
          // Also reached when the consumer breaks out of its loop: the connection goes with the body.
          if (!undiciBody.destroyed) undiciBody.destroy();
          release();
        }
      })();
      return {
        status: res.statusCode,
        url: finalUrl,
        urlChain: chain,
        headers: resHeaders,
        body,
        abort,
        get aborted() {
          return aborted;
        },
      };
    }
  } catch (error) {
    options.signal?.removeEventListener('abort', onSignal);
    void agent.destroy().catch(() => {});
    throw error;
  }
}
