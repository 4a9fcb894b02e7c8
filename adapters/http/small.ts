/**
 * Small exchanges read or sent whole: `post` (a status report) and `getText` (a descriptor).
 *
 * @module
 */
import { HttpError } from './errors.js';
import { Exchange } from './exchange.js';
import { type OpenGetOptions, openGet } from './open-get.js';
import {
  checkUrl,
  DEFAULT_POST_TIMEOUT_MS,
  DEFAULT_TEXT_MAX_BYTES,
  requestHeaders,
  type SentRequest,
} from './request-parts.js';

/** Response bytes a POST reads (and drops) before closing the connection. */
const POST_DRAIN_BYTES = 1024 * 1024;

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
  /** An extra trusted CA certificate (PEM) for https, on top of Node's bundled root certificates. */
  ca?: string | Buffer;
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
  const payload = Buffer.from(body, 'utf8');
  const headers = {
    ...requestHeaders(options.headers, false),
    'content-type': options.contentType,
    'content-length': String(payload.byteLength),
  };
  options.onRequest?.({ method, url, headers: { ...headers } });
  if (options.signal?.aborted) throw new HttpError({ kind: 'aborted', url, method, phase: 'connect' });
  const exchange = new Exchange({
    method,
    url,
    headers,
    body: payload,
    // The one whole-exchange timer below stands for all three.
    connectTimeoutMs: 0,
    headersTimeoutMs: 0,
    bodyTimeoutMs: 0,
    leaseChunks: false,
    ca: options.ca,
  });
  // The limit is for the whole exchange, whatever phase it is in when it runs out.
  const timer = setTimeout(() => {
    const phase = exchange.phase;
    exchange.destroy(
      new HttpError({ kind: 'timeout', url, method, phase, detail: `no answer in ${timeoutMs} ms` }),
    );
  }, timeoutMs);
  timer.unref();
  const onSignal = () => exchange.destroy();
  options.signal?.addEventListener('abort', onSignal, { once: true });
  try {
    const head = await exchange.head;
    // Read (and drop) a bounded body so the server sees its answer taken; a longer one is cut off.
    let drained = 0;
    for (let chunk = await exchange.read(); chunk !== null; chunk = await exchange.read()) {
      drained += chunk.byteLength;
      if (drained >= POST_DRAIN_BYTES) break;
    }
    return { status: head.status, headers: head.headers };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onSignal);
    exchange.destroy();
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
  // Chunks are kept until the end, so they must be owned copies, not pool views.
  const res = await openGet(url, { ...options, leaseChunks: false });
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
