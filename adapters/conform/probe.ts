/**
 * One HTTP exchange for the conformance kit, over `node:http`/`node:https` with bounded time and bounded
 * memory: the status, the headers, the body bytes of a chosen window (everything else is counted, not
 * kept), and the request and response lines that a verdict shows as its evidence.
 *
 * @module
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What to send. */
export interface ProbeRequest {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Keep body bytes at object offsets `[from, to]` of this response's body (counted from its first byte). */
  readonly keep?: { readonly from: number; readonly to: number };
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** What came back. */
export interface ProbeResponse {
  readonly status: number;
  readonly statusText: string;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body bytes received in total. */
  readonly bodyBytes: number;
  /** The kept window (all of it when `keep` was not given and the body is at most 1 MiB). */
  readonly body: Buffer;
  /** `> GET /path HTTP/1.1`, `> Range: …`, `< HTTP/1.1 206 Partial Content`, `< Content-Range: …`. */
  readonly evidence: readonly string[];
}

/** The target could not be reached or did not answer in time (a clear error, never a stack trace). */
export class ProbeError extends Error {
  constructor(
    message: string,
    readonly evidence: readonly string[],
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

const SMALL_BODY = 1024 * 1024;
/** Response headers worth showing as evidence; others are left out to keep verdicts short. */
const SHOWN = [
  'content-type',
  'content-length',
  'accept-ranges',
  'etag',
  'content-range',
  'content-encoding',
  'location',
];

/** The request lines of a probe, as shown in evidence. */
export function requestLines(req: ProbeRequest): string[] {
  const url = new URL(req.url);
  return [
    `> ${req.method} ${url.pathname}${url.search} HTTP/1.1  (${url.host})`,
    ...Object.entries(req.headers ?? {}).map(([k, v]) => `> ${k}: ${v}`),
    ...(req.body === undefined ? [] : [`> (body) ${JSON.stringify(req.body)}`]),
  ];
}

/** Sends one request and reads the answer; rejects with a {@link ProbeError} on any transport failure. */
export function probe(req: ProbeRequest): Promise<ProbeResponse> {
  const url = new URL(req.url);
  const sent = requestLines(req);
  const timeoutMs = req.timeoutMs ?? 10_000;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ProbeResponse>((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'dlstate-conform', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const clientRequest = send(url, { method: req.method, headers, agent: false });
    const timer = setTimeout(() => {
      clientRequest.destroy(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    clientRequest.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(new ProbeError(`${req.method} ${req.url}: ${error.message}`, sent));
    });
    clientRequest.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let received = 0;
      const keep = req.keep ?? { from: 0, to: SMALL_BODY - 1 };
      res.on('data', (chunk: Buffer) => {
        const start = received;
        received += chunk.length;
        const from = Math.max(keep.from, start);
        const to = Math.min(keep.to, received - 1);
        if (to >= from) chunks.push(chunk.subarray(from - start, to - start + 1));
      });
      res.on('error', (error: Error) => {
        clearTimeout(timer);
        reject(new ProbeError(`${req.method} ${req.url}: the body broke off: ${error.message}`, sent));
      });
      res.on('end', () => {
        clearTimeout(timer);
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        const status = res.statusCode ?? 0;
        const statusText = res.statusMessage ?? '';
        resolve({
          status,
          statusText,
          headers: flat,
          bodyBytes: received,
          body: Buffer.concat(chunks),
          evidence: [
            ...sent,
            `< HTTP/${res.httpVersion} ${status} ${statusText}`,
            ...SHOWN.filter((h) => flat[h] !== undefined).map((h) => `< ${h}: ${flat[h]}`),
            `< (${received} body bytes)`,
          ],
        });
      });
    });
    clientRequest.end(req.body);
  });
}
