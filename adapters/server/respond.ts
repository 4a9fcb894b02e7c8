/**
 * The reference server's HTTP plumbing: request targets, query parameters, in-memory answers (HEAD-aware),
 * and the small waits of the body loop. No protocol decision lives here.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The media type of every answer the server writes itself (refusals, notes). */
export const TEXT = 'text/plain; charset=utf-8';

/** Logged request targets and header values are cut after this many characters (bounded memory). */
export const MAX_LOGGED_TEXT = 256;

/** Text cut to {@link MAX_LOGGED_TEXT} characters, saying how many were left out. */
export function clip(text: string): string {
  if (text.length <= MAX_LOGGED_TEXT) return text;
  // A copy, not a slice: V8's sliced strings keep the whole original (an 8 KB header) alive.
  const head = Buffer.from(text.slice(0, MAX_LOGGED_TEXT), 'utf8').toString('utf8');
  return `${head}…(+${text.length - MAX_LOGGED_TEXT})`;
}

/** A whole-number query parameter in [min, max] (its default when absent), or a message saying what is wrong. */
export function wholeParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number | string {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  return /^\d+$/.test(raw) && value >= min && value <= max
    ? value
    : `query parameter ${name} must be a whole number ${min}…${max}, got ${JSON.stringify(raw.slice(0, 40))}\n`;
}

/** A request target split into the route and its decoded object name; a string says why it is a 400. */
export function parseTarget(
  url: string,
): { path: string; query: URLSearchParams; section?: 'dd' | 'media' | 'notify'; name: string } | string {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://x');
  } catch {
    return `malformed request target ${JSON.stringify(url.slice(0, 200))}`;
  }
  const path = parsed.pathname;
  const query = parsed.searchParams;
  const [, section, rawName] = /^\/(dd|media|notify)\/([^/]+)$/.exec(path) ?? [];
  if (section === undefined || rawName === undefined) return { path, query, name: '' };
  let name: string;
  try {
    name = decodeURIComponent(rawName);
  } catch {
    return `malformed %-escape in ${JSON.stringify(rawName.slice(0, 200))}: each % is followed by two hex digits of UTF-8`;
  }
  return { path, query, section: section as 'dd' | 'media' | 'notify', name };
}

/**
 * Answers with a complete in-memory body; for HEAD the same status and headers, Content-Length included,
 * without the body (RFC 9110 §9.3.2).
 */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  type = TEXT,
  extra: Readonly<Record<string, string>> = {},
  head = res.req.method === 'HEAD',
): void {
  res.writeHead(status, {
    ...extra,
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(head ? undefined : text);
}

/** A request header that is not a list field, as one string (Node joins repeated ones with ', '). */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
