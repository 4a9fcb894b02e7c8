/**
 * Runs the agent's two HTTP reads in a worker thread, one request per message, so the framing property can
 * bound each case from outside: a parser stuck in a loop cannot answer, and the parent terminates the thread
 * (V8 stops even a busy loop); a parser that allocates without end hits the thread's heap limit and dies.
 *
 * - `dd`: `getText`, as the agent fetches a descriptor;
 * - `media`: `openGet` with leased pool views, released once copied, as the agent streams a media body.
 */
import { parentPort } from 'node:worker_threads';
import { getText, isHttpError, openGet } from '../../adapters/http/client.js';

/** One request the parent asks for. */
export interface FramingRequest {
  readonly id: number;
  readonly target: 'dd' | 'media';
  readonly url: string;
}

/** What the read gave: the body, or the error's kind and message. */
export type FramingAnswer =
  | { readonly id: number; readonly ok: true; readonly status: number; readonly body: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly kind: string; readonly message: string };

/** Bytes kept of a media body; more means the framing let through far more than was sent. */
const MEDIA_LIMIT = 4 * 1024 * 1024;

const port = parentPort;
if (port === null) throw new Error('framing-worker.ts must run in a worker thread');

async function dd(url: string): Promise<{ status: number; body: Uint8Array }> {
  const res = await getText(url);
  return { status: res.status, body: res.bytes };
}

async function media(url: string): Promise<{ status: number; body: Uint8Array }> {
  const res = await openGet(url, { leaseChunks: true });
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > MEDIA_LIMIT) {
      res.abort();
      throw new Error(`more than ${MEDIA_LIMIT} body bytes`);
    }
    kept.push(Buffer.from(chunk));
    res.release(chunk);
  }
  return { status: res.status, body: Buffer.concat(kept) };
}

port.on('message', async (request: FramingRequest) => {
  try {
    const { status, body } = request.target === 'dd' ? await dd(request.url) : await media(request.url);
    port.postMessage({ id: request.id, ok: true, status, body } satisfies FramingAnswer);
  } catch (error) {
    const kind = isHttpError(error) ? error.kind : 'other';
    port.postMessage({
      id: request.id,
      ok: false,
      kind,
      message: (error as Error).message,
    } satisfies FramingAnswer);
  }
});
