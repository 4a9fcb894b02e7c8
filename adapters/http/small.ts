/**
 * Small exchanges read or sent whole: `post` (a status report) and `getText` (a descriptor).
 *
 * @module
 */
import { Agent, request } from 'undici';
import { HttpError, type HttpPhase, toHttpError } from './errors.js';
import { type OpenGetOptions, openGet } from './open-get.js';
import {
  checkUrl,
  DEFAULT_POST_TIMEOUT_MS,
  DEFAULT_TEXT_MAX_BYTES,
  flattenHeaders,
  requestHeaders,
  type SentRequest,
} from './request-parts.js';

/** Options of {@link post}. */
export interface PostOptions {
  /** The request's `Content-Type`, e.g. `text/plain`. */
  contentType: string;
  /** Whole-exchange time limit (connect, headers and body), in ms. @default DEFAULT_POST_TIMEOUT_MS */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Called with the request as it is sent. */
  onRequest?: (request: SentRequest) => void;
}

/** What a POST got back: its status and headers (the response body is read and dropped). */
export interface PostResult {
  status: number;
  headers: Record<string, string>;
}

/** POSTs a small string body (no redirects followed) and resolves with the response's status and headers. */
export async function post(url: string, body: string, options: PostOptions): Promise<PostResult> {
  const method = 'POST';
  checkUrl(url, method);
  const timeoutMs = options.timeoutMs ?? DEFAULT_POST_TIMEOUT_MS;
  const agent = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const controller = new AbortController();
  let timedOut = false;
  let phase: HttpPhase = 'connect';
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onSignal = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const headers = {
    ...requestHeaders(options.headers, false),
    'content-type': options.contentType,
    'content-length': String(Buffer.byteLength(body)),
  };
  try {
    options.onRequest?.({ method, url, headers: { ...headers } });
    const res = await request(url, {
      method,
      headers,
      body,
      signal: controller.signal,
      dispatcher: agent,
    });
    phase = 'body';
    await res.body.dump({ limit: 1024 * 1024 });
    return { status: res.statusCode, headers: flattenHeaders(res.headers) };
  } catch (cause) {
    if (timedOut) {
      throw new HttpError({
        kind: 'timeout',
        url,
        method,
        phase,
        cause,
        detail: `no answer in ${timeoutMs} ms`,
      });
    }
    throw toHttpError(cause, { url, method, phase, aborted: controller.signal.aborted });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onSignal);
    void agent.destroy().catch(() => {});
  }
}

/** Options of {@link getText}: those of {@link openGet} plus a byte limit. */
export interface GetTextOptions extends OpenGetOptions {
  /** Largest body accepted; a larger one aborts the read with an `HttpError` of kind `too-large`. @default DEFAULT_TEXT_MAX_BYTES */
  maxBytes?: number;
}

/** A small document read whole: status, final URL, headers, raw bytes and their UTF-8 decoding. */
export interface TextResult {
  status: number;
  url: string;
  headers: Record<string, string>;
  /** The body decoded as UTF-8 (invalid sequences replaced); parsers that honour a declared charset use `bytes`. */
  text: string;
  /** The raw body. */
  bytes: Uint8Array;
}

/** GETs a small document (e.g. a descriptor) whole, following redirects, refusing bodies over `maxBytes`. */
export async function getText(url: string, options: GetTextOptions = {}): Promise<TextResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_TEXT_MAX_BYTES;
  const res = await openGet(url, options);
  const declared = Number(res.headers['content-length']);
  const tooLarge = () =>
    new HttpError({
      kind: 'too-large',
      url: res.url,
      method: 'GET',
      phase: 'body',
      detail: `body larger than ${maxBytes} bytes`,
    });
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.abort();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      res.abort();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks, size);
  return {
    status: res.status,
    url: res.url,
    headers: { ...res.headers },
    text: new TextDecoder('utf-8').decode(bytes),
    bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}
