/**
 * The reference Download Server (DLOTA 2.0 server side): serves a DD 2.0 per media object at `/dd/<name>`, the
 * object at `/media/<name>`, accepts status reports at `/notify/<name>` (appended to a JSON-lines file) and
 * pages through them at `GET /reports?from=&limit=`. Every response decision on the media object
 * (Accept-Ranges, ETag, Last-Modified, the RFC 9110 preconditions → 304/412, If-Range, Range → 206/200/416)
 * comes from the pure {@link decideMediaResponse}; this module only moves bytes. HEAD answers as GET without
 * the body on every route; a 405 carries `Allow`; refusals are `text/plain; charset=utf-8`. Which files are
 * served (containment, hashing) is the catalogue's business (catalogue.ts); memory stays bounded (report-log.ts).
 *
 * `faults` lets a test or the demo script misbehaviour (cut the connection, ignore ranges, refuse reports);
 * with no faults set the server is the compliant reference.
 *
 * @module
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { decideMediaResponse } from '../../machines/dlota/server.logic.js';
import { parseStatusLine } from '../../machines/dlota/status.js';
import { DirectoryCatalogue, type MediaObject } from './catalogue.js';
import { DD2_MEDIA_TYPE, renderDescriptor } from './descriptor-xml.js';
import { ReportFile, Ring } from './report-log.js';
import { clip, parseTarget, sendText, singleHeader, sleep, TEXT, waitDrain, wholeParam } from './respond.js';

export { MAX_LOGGED_TEXT, parseTarget } from './respond.js';

/** Scripted misbehaviour for tests and the demo; every field off means the compliant reference server. */
export interface ServerFaults {
  /** Close the connection after this many body bytes of the next media response (then the fault clears). */
  cutNextBodyAfter?: number;
  /**
   * Send this many body bytes of the next media response, then nothing more, keeping the connection open (a
   * stalled server: the client's body timeout, a pause or a kill ends it); then the fault clears.
   */
  stallNextBodyAfter?: number;
  /** Answer every media request with 200 and the whole body, ignoring Range (a server without range support). */
  ignoreRange?: boolean;
  /** Omit `Accept-Ranges` (and ignore Range): the server does not expose pause/resume. */
  noAcceptRanges?: boolean;
  /** Send this Content-Range on 206 answers instead of the right one. */
  wrongContentRange?: string;
  /** Label 206 answers with this `Content-Encoding` (e.g. `gzip`; the bytes stay the raw range). */
  contentEncoding?: string;
  /** Answer status reports with this HTTP status instead of 200 (e.g. 503), or 'drop' to close the socket. */
  refuseReports?: number | 'drop';
  /** Media names answered with 404. */
  missing?: Set<string>;
  /** Media names whose descriptor is served but whose object (`/media/<name>`) is answered with 404. */
  missingMedia?: Set<string>;
  /** Throttle media bodies to about this many bytes per second (the demo uses it to show progress). */
  bytesPerSecond?: number;
}

/** A status report the server received. */
export interface ReceivedReport {
  readonly seq: number;
  readonly name: string;
  readonly body: string;
  readonly code: number | null;
  readonly contentType: string | null;
  /** The HTTP status the server answered with (200 = delivered). */
  readonly answered: number;
}

/** One logged request. */
export interface RequestLogEntry {
  readonly method: string;
  /** The request target, cut after {@link MAX_LOGGED_TEXT} characters (marked `…(+N)`). */
  readonly url: string;
  /** The request headers; a value longer than {@link MAX_LOGGED_TEXT} characters is cut (marked `…(+N)`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
  /** The response headers as sent (names in lower case). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  readonly bodyBytes: number;
}

/** Options of {@link startDownloadServer}. */
export interface DownloadServerOptions {
  /** The directory whose files are served. */
  readonly dir: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS picks a free port) */
  readonly port?: number;
  readonly faults?: ServerFaults;
  /** Called with every request once its response is finished. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /**
   * The JSON-lines file received status reports are appended to (created on the first report; a restarted
   * server continues it). Never served as media.
   * @default `<dir>/.dlstate-server/reports.jsonl`
   */
  readonly reports?: string;
  /** How many recent requests {@link DownloadServer.requests} keeps (a ring). @default 4096 */
  readonly requestLogSize?: number;
  /** How many recent reports {@link DownloadServer.reports} keeps in memory (all are in the file). @default 1000 */
  readonly recentReports?: number;
}

/** A running reference server. */
export interface DownloadServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly faults: ServerFaults;
  /** The most recent reports received by this process (oldest first); `GET /reports` pages through all of them. */
  readonly reports: readonly ReceivedReport[];
  /** The most recent requests (oldest first), at most `requestLogSize`. */
  readonly requests: readonly RequestLogEntry[];
  /** The reports file (see {@link DownloadServerOptions.reports}). */
  readonly reportsFile: string;
  /** How many content hashes the catalogue has computed (one per file version, however many ask at once). */
  readonly hashComputations: number;
  /** Descriptor URL for a media object name. */
  ddUrl(name: string): string;
  close(): Promise<void>;
}

const MAX_REPORT_BYTES = 4096;
/** `GET /reports` answers at most this many reports a page. */
export const MAX_REPORTS_PAGE = 1000;
/** The state folder inside the served directory (a dot-folder: never listed nor served). */
export const STATE_FOLDER = '.dlstate-server';
const JSON_TYPE = 'application/json';
/**
 * Media bytes are read from the real path the catalogue checked; O_NOFOLLOW refuses it if it has been
 * replaced by a symlink since.
 */
const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;
/** The methods each route answers (RFC 9110 §15.5.6: a 405 lists them in `Allow`). */
const READ_ONLY: readonly string[] = Object.freeze(['GET', 'HEAD']);
const POST_ONLY: readonly string[] = Object.freeze(['POST']);
/** Read size of the media fast path (no faults): large reads, few syscalls and event-loop turns. */
const MEDIA_READ_BYTES = 1024 * 1024;

/** Starts the reference Download Server on loopback (by default) and resolves once it listens. */
export async function startDownloadServer(options: DownloadServerOptions): Promise<DownloadServer> {
  const reportsPath = resolve(options.reports ?? join(options.dir, STATE_FOLDER, 'reports.jsonl'));
  const reportFile = await ReportFile.open<ReceivedReport>(reportsPath);
  const reportsReal = join(
    await realpath(dirname(reportsPath)).catch(() => dirname(reportsPath)),
    basename(reportsPath),
  );
  const catalogue = new DirectoryCatalogue(options.dir, { exclude: [reportsReal] });
  const faults: ServerFaults = options.faults ?? {};
  const reports = new Ring<ReceivedReport>(options.recentReports ?? 1000);
  const requests = new Ring<RequestLogEntry>(options.requestLogSize ?? 4096);
  let base = '';

  const server: Server = createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = clip(String(v));
    let bodyBytes = 0;
    // Headers given to writeHead are not in res.getHeaders(): keep a copy for the log.
    const sentHeaders: Record<string, string> = {};
    const originalWriteHead = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      for (const arg of rest)
        if (typeof arg === 'object' && arg !== null)
          for (const [k, v] of Object.entries(arg)) sentHeaders[k.toLowerCase()] = String(v);
      return originalWriteHead(status, ...(rest as []));
    }) as typeof res.writeHead;
    const originalWrite = res.write.bind(res);
    res.write = ((chunk: Buffer, ...rest: never[]) => {
      bodyBytes += chunk.length;
      return originalWrite(chunk, ...rest);
    }) as typeof res.write;
    res.on('close', () => {
      const entry = {
        method: req.method ?? '',
        url: clip(req.url ?? ''),
        headers,
        status: res.statusCode,
        responseHeaders: sentHeaders,
        bodyBytes,
      };
      requests.push(entry);
      options.onRequest?.(entry);
    });
    route(req, res).catch((error: Error) => {
      if (!res.headersSent) sendText(res, 500, `server error: ${error.message}\n`);
      else res.destroy(error);
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseTarget(req.url ?? '/');
    if (typeof target === 'string') return sendText(res, 400, `${target}\n`);
    const { path, section, name } = target;
    const allowed = section === 'notify' ? POST_ONLY : READ_ONLY;
    if (section === undefined && path !== '/' && path !== '/reports')
      return sendText(res, 404, `no such resource: ${path}\n`);
    if (!allowed.includes(req.method ?? '')) {
      return sendText(
        res,
        405,
        `${req.method} is not allowed on ${path}: use ${allowed.join(' or ')}\n`,
        TEXT,
        {
          Allow: allowed.join(', '),
        },
      );
    }
    if (path === '/reports') return listReports(res, target.query);
    if (path === '/') {
      const names = await catalogue.names();
      return sendText(
        res,
        200,
        `${JSON.stringify({ descriptors: names.map((n) => `${base}/dd/${encodeURIComponent(n)}`) }, null, 2)}\n`,
        JSON_TYPE,
      );
    }
    if (section === 'notify') return receiveReport(req, res, name);
    const object = faults.missing?.has(name) ? undefined : await catalogue.get(name);
    if (!object) return sendText(res, 404, `no media object called ${JSON.stringify(name)}\n`);
    if (section === 'dd') {
      if ((object.overrides.size ?? object.size) === 0) {
        return sendText(
          res,
          409,
          `${object.name} is empty: a descriptor's size must be a positive integer\n`,
        );
      }
      return sendText(res, 200, descriptorFor(object), DD2_MEDIA_TYPE);
    }
    if (faults.missingMedia?.has(name))
      return sendText(res, 404, `media object ${JSON.stringify(name)} is gone\n`);
    return sendMedia(req, res, object);
  }

  function descriptorFor(object: MediaObject): string {
    const o = object.overrides;
    const self = `${base}/dd/${encodeURIComponent(object.name)}`;
    return renderDescriptor({
      name: o.name ?? object.name,
      size: o.size ?? object.size,
      types: object.types,
      objectID: object.objectID,
      objectVersion: object.objectVersion,
      objectURI: `${base}/media/${encodeURIComponent(object.name)}`,
      installNotifyURI:
        o.installNotifyURI === null
          ? undefined
          : (o.installNotifyURI ?? `${base}/notify/${encodeURIComponent(object.name)}`),
      updatedDDURI: o.updatedDDURI === null ? undefined : (o.updatedDDURI ?? self),
      nextURL: o.nextURL,
      description: o.description,
      vendor: o.vendor,
      suppressUserConfirmation: o.suppressUserConfirmation,
    });
  }

  async function sendMedia(req: IncomingMessage, res: ServerResponse, object: MediaObject): Promise<void> {
    const rangeIgnored = faults.ignoreRange || faults.noAcceptRanges;
    const decision = decideMediaResponse(
      {
        length: object.size,
        objectID: object.objectID,
        objectVersion: object.objectVersion,
        lastModified: object.lastModified,
      },
      {
        method: req.method === 'HEAD' ? 'HEAD' : 'GET',
        range: rangeIgnored ? undefined : req.headers.range,
        ifMatch: req.headers['if-match'],
        ifNoneMatch: req.headers['if-none-match'],
        ifModifiedSince: req.headers['if-modified-since'],
        ifUnmodifiedSince: req.headers['if-unmodified-since'],
        ifRange: singleHeader(req, 'if-range'),
      },
    );
    const headers: Record<string, string> = { ...decision.headers };
    if (faults.noAcceptRanges) delete headers['Accept-Ranges'];
    if (decision.status === 206 && faults.wrongContentRange)
      headers['Content-Range'] = faults.wrongContentRange;
    if (decision.status === 206 && faults.contentEncoding)
      headers['Content-Encoding'] = faults.contentEncoding;
    const body = decision.body;
    if (decision.status === 304) {
      // RFC 9110 §15.4.5: no content, and no Content-Length (it would describe the 200's content).
      res.writeHead(304, headers);
      return void res.end();
    }
    if (decision.status !== 200 && decision.status !== 206) {
      // A refusal's body is our explanation, never bytes of the object: label it as text.
      return sendText(
        res,
        decision.status,
        `${decision.note ?? 'refused'}\n`,
        TEXT,
        headers,
        req.method === 'HEAD',
      );
    }
    headers['Content-Type'] = object.types[0] ?? 'application/octet-stream';
    headers['Content-Length'] = String(body ? body.end - body.start + 1 : 0);
    res.writeHead(decision.status, headers);
    if (req.method === 'HEAD' || !body) return void res.end();
    await pipeRange(res, object.path, body.start, body.end);
  }

  async function pipeRange(res: ServerResponse, path: string, start: number, end: number): Promise<void> {
    const stall = faults.stallNextBodyAfter !== undefined;
    let cutAfter = faults.cutNextBodyAfter ?? faults.stallNextBodyAfter;
    faults.cutNextBodyAfter = undefined;
    faults.stallNextBodyAfter = undefined;
    if (end < start) return void res.end();
    if (cutAfter === undefined && !faults.bytesPerSecond) {
      // The compliant fast path: the file streams straight into the socket with backpressure, no per-chunk
      // await; 1 MiB reads keep the syscall count low (the benchmark measures curl and the agent against it).
      const file = (await open(path, READ_NO_FOLLOW)).createReadStream({
        start,
        end,
        highWaterMark: MEDIA_READ_BYTES,
      });
      // A client that hangs up mid-body is not a server error; the log entry records the bytes sent.
      await pipeline(file, res).catch(() => {});
      return;
    }
    const stream = (await open(path, READ_NO_FOLLOW)).createReadStream({
      start,
      end,
      highWaterMark: 64 * 1024,
    });
    res.on('close', () => stream.destroy());
    let sent = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (res.destroyed) return;
      let piece = chunk;
      if (cutAfter !== undefined && piece.length >= cutAfter) piece = piece.subarray(0, cutAfter);
      if (piece.length > 0 && !res.write(piece)) await waitDrain(res);
      if (cutAfter !== undefined) {
        cutAfter -= piece.length;
        if (cutAfter <= 0) {
          stream.destroy();
          // Scripted stall: nothing more is sent; the connection stays open until the client goes away.
          if (stall) return void (await new Promise<void>((resolve) => res.once('close', resolve)));
          // Scripted fault: the connection drops mid-body. Let the bytes written so far reach the client first.
          res.socket?.end(() => res.destroy());
          return;
        }
      }
      sent += piece.length;
      // The pause after a piece paces the next one: none after the last, so the response ends with its bytes.
      if (faults.bytesPerSecond && sent <= end - start)
        await sleep((piece.length / faults.bytesPerSecond) * 1000);
    }
    res.end();
  }

  async function receiveReport(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REPORT_BYTES)
        return sendText(res, 413, `a status report is at most ${MAX_REPORT_BYTES} bytes\n`);
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const refuse = faults.refuseReports;
    if (refuse === 'drop') return void req.socket.destroy();
    const answered = refuse ?? 200;
    let stored: ReceivedReport;
    try {
      stored = await reportFile.append({
        name,
        body,
        code: parseStatusLine(body)?.code ?? null,
        contentType: req.headers['content-type'] ?? null,
        answered,
      });
    } catch (error) {
      // Not delivered: the agent keeps the report and tries again later (DL-NOTIFY-1).
      return sendText(
        res,
        503,
        `could not record the report in ${reportsPath}: ${(error as Error).message}\n`,
      );
    }
    reports.push(stored);
    sendText(res, answered, answered === 200 ? 'report received\n' : 'report refused\n');
  }

  /**
   * `GET /reports?from=SEQ&limit=N`: the reports with seq ≥ from (default 1), at most limit (default 100,
   * at most 1000), as a JSON array; when more follow, `Link: <…?from=NEXT&limit=N>; rel="next"`.
   */
  async function listReports(res: ServerResponse, query: URLSearchParams): Promise<void> {
    const from = wholeParam(query, 'from', 1, 1, Number.MAX_SAFE_INTEGER);
    const limit = wholeParam(query, 'limit', 100, 1, MAX_REPORTS_PAGE);
    if (typeof from === 'string') return sendText(res, 400, from);
    if (typeof limit === 'string') return sendText(res, 400, limit);
    const page = await reportFile.page(from, limit);
    const extra: Record<string, string> =
      page.next === undefined ? {} : { Link: `</reports?from=${page.next}&limit=${limit}>; rel="next"` };
    return sendText(res, 200, `${JSON.stringify(page.reports, null, 2)}\n`, JSON_TYPE, extra);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  base = `http://${host}:${address.port}`;

  return {
    url: base,
    faults,
    get reports() {
      return reports.toArray();
    },
    get requests() {
      return requests.toArray();
    },
    reportsFile: reportsPath,
    get hashComputations() {
      return catalogue.hashComputations;
    },
    ddUrl: (name) => `${base}/dd/${encodeURIComponent(name)}`,
    close: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await reportFile.close();
    },
  };
}
