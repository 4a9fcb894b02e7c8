/**
 * Strict HTTP/1.1 response framing on top of `http-parser-js`: the library reads lines and bodies into the
 * caller's buffers (no per-read allocation, the reason it was chosen), but it trusts what it reads — a chunk
 * size of `-6` sends it into an endless loop, `0x5` or `+5` are read as 5, a `Content-Length` beside
 * `Transfer-Encoding: chunked` is silently dropped, a line without end grows without bound. This module
 * replaces the parser's line-level steps on one instance with checked ones, so every such response ends the
 * exchange at once with an error naming what was wrong (thrown inside `execute`, which returns it).
 *
 * What is refused (RFC 9112; the limits are ours):
 * - a chunk-size line that is not 1–16 hex digits (after leading zeros at most 13, i.e. below 2^52) with an
 *   optional chunk extension (§7.1); chunk data not followed by an empty line (§7.1);
 * - a header or trailer line that is not `token ":" OWS value OWS` with a value of visible characters, SP
 *   and HTAB (§5.1, RFC 9110 §5.5): obs-fold (§5.2 deprecates it and lets a user agent unfold it; refused here,
 *   since no server we talk to needs it and folding is a classic way past a second parser), whitespace before
 *   the colon, control characters;
 * - `Content-Length` that is not a single decimal number of at most 15 digits, a second `Content-Length`
 *   (even an equal one, as llhttp does), `Transfer-Encoding` other than exactly `chunked` (we ask for
 *   identity and cannot decode anything else) or given twice, and both together (§6.3: "ought to be handled
 *   as an error");
 * - more than {@link MAX_FIELDS} fields or {@link MAX_HEAD_BYTES} bytes of head lines (status line, header
 *   fields and interim responses together; trailers have their own budget), and any line longer than that.
 *
 * Alternatives weighed: Node's own llhttp is reachable only through `process.binding('http_parser')`, which
 * prints a deprecation warning (DEP0111) and is internal; undici's llhttp build is an internal file of undici
 * and hands body bytes out of its WebAssembly memory, not our pool. A bare LF as line end stays accepted
 * (RFC 9112 §2.2 allows it).
 *
 * @module
 */
import parserModule from 'http-parser-js';

const { HTTPParser } = parserModule;

/** Header fields (and interim responses' fields) one response may carry; trailers count separately. @default 256 */
export const MAX_FIELDS = 256;
/** Bytes of the head — status line and header lines — of one response; also the longest line. @default 65536 */
export const MAX_HEAD_BYTES = 64 * 1024;

/** A response that breaks HTTP/1.1 framing; the message says what was wrong. */
export class FramingError extends Error {
  /** `HPE_`-style code, so the HTTP adapter maps it to a `protocol` error like the parser's own. */
  readonly code = 'HPE_STRICT';
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

const CHUNK_SIZE = /^([0-9A-Fa-f]{1,16})[ \t]*(?:;[\t\x20-\x7e\x80-\xff]*)?$/;
const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Quotes the start of a received line for an error message. */
function quote(line: string): string {
  return JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line);
}

/** The size a chunk-size line declares (extensions ignored); throws a {@link FramingError} for anything else. */
export function chunkSize(line: string): number {
  const digits = CHUNK_SIZE.exec(line)?.[1];
  if (digits === undefined) throw new FramingError(`invalid chunk size line ${quote(line)}`);
  // 13 significant hex digits stay below 2^52: exact arithmetic for every offset after it.
  if (digits.replace(/^0+/, '').length > 13)
    throw new FramingError(`chunk size ${quote(digits)} is too large`);
  return Number.parseInt(digits, 16);
}

/** A header or trailer line as `[name, value]`; throws a {@link FramingError} for a malformed one. */
export function fieldLine(line: string): [string, string] {
  if (line.startsWith(' ') || line.startsWith('\t'))
    throw new FramingError(`obs-fold (a field line starting with whitespace) ${quote(line)}`);
  const match = FIELD.exec(line);
  if (match === null) throw new FramingError(`malformed header line ${quote(line)}`);
  const value = match[2]!;
  if (!FIELD_VALUE.test(value)) throw new FramingError(`control character in header ${quote(match[1]!)}`);
  return [match[1]!, value];
}

/** What a message's header block has said about its framing so far. */
interface FieldState {
  fields: number;
  headBytes: number;
  trailerFields: number;
  trailerBytes: number;
  contentLength: boolean;
  transferEncoding: boolean;
}

/** The parser instance's internals this module reads and replaces (http-parser-js 0.5, pinned). */
interface ParserInternals {
  state: string;
  line: string;
  body_bytes: number | null;
  info: { headers: string[] };
  trailers: string[];
  consumeLine(): string | undefined;
  parseHeader(line: string, headers: string[]): void;
  BODY_CHUNKHEAD(): void;
  BODY_CHUNKEMPTYLINE(): void;
  nextRequest(): void;
}

type Parser = InstanceType<typeof HTTPParser>;

/**
 * Inside a parser callback: whether nothing of the read being parsed lies beyond the parser's position. A
 * message complete where this is false is followed, in the same read, by bytes the server was not asked for.
 */
export function atEndOfRead(parser: Parser): boolean {
  const p = parser as unknown as { offset: number; end: number };
  return p.offset >= p.end;
}

/** A response parser (http-parser-js) whose line-level steps refuse hostile or malformed framing. */
export function strictResponseParser(): Parser {
  const parser = new HTTPParser(HTTPParser.RESPONSE);
  const p = parser as unknown as ParserInternals;
  const proto = HTTPParser.prototype as unknown as ParserInternals;
  const s: FieldState = {
    fields: 0,
    headBytes: 0,
    trailerFields: 0,
    trailerBytes: 0,
    contentLength: false,
    transferEncoding: false,
  };

  p.consumeLine = function consumeLine(this: ParserInternals) {
    const line = proto.consumeLine.call(this);
    if (line === undefined) {
      // A line still open after this read: its bytes are held, so its length is bounded.
      if (this.line.length > MAX_HEAD_BYTES)
        throw new FramingError(`a line longer than ${MAX_HEAD_BYTES} bytes (${this.state})`);
      return undefined;
    }
    if (this.state === 'RESPONSE_LINE' || this.state === 'HEADER') {
      s.headBytes += line.length + 2;
      if (s.headBytes > MAX_HEAD_BYTES) throw new FramingError(`response head over ${MAX_HEAD_BYTES} bytes`);
    } else if (this.state === 'BODY_CHUNKTRAILERS') {
      s.trailerBytes += line.length + 2;
      if (s.trailerBytes > MAX_HEAD_BYTES) throw new FramingError(`trailers over ${MAX_HEAD_BYTES} bytes`);
    }
    return line;
  };

  p.parseHeader = function parseHeader(this: ParserInternals, line: string, headers: string[]) {
    const [name, value] = fieldLine(line);
    if (headers !== this.info.headers) {
      if (++s.trailerFields > MAX_FIELDS) throw new FramingError(`more than ${MAX_FIELDS} trailer fields`);
      headers.push(name, value);
      return;
    }
    if (++s.fields > MAX_FIELDS) throw new FramingError(`more than ${MAX_FIELDS} header fields`);
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      if (s.contentLength) throw new FramingError('Content-Length given twice');
      if (!/^\d{1,15}$/.test(value)) throw new FramingError(`invalid Content-Length ${quote(value)}`);
      s.contentLength = true;
    } else if (lower === 'transfer-encoding') {
      if (s.transferEncoding) throw new FramingError('Transfer-Encoding given twice');
      if (value.toLowerCase() !== 'chunked')
        throw new FramingError(`unsupported Transfer-Encoding ${quote(value)} (only chunked)`);
      s.transferEncoding = true;
    }
    if (s.contentLength && s.transferEncoding)
      throw new FramingError('Content-Length together with Transfer-Encoding (RFC 9112 §6.3)');
    headers.push(name, value);
  };

  p.BODY_CHUNKHEAD = function BODY_CHUNKHEAD(this: ParserInternals) {
    const line = this.consumeLine();
    if (line === undefined) return;
    const size = chunkSize(line);
    this.body_bytes = size;
    this.state = size === 0 ? 'BODY_CHUNKTRAILERS' : 'BODY_CHUNK';
  };

  p.BODY_CHUNKEMPTYLINE = function BODY_CHUNKEMPTYLINE(this: ParserInternals) {
    const line = this.consumeLine();
    if (line === undefined) return;
    if (line !== '') throw new FramingError(`chunk data not followed by CRLF (got ${quote(line)})`);
    this.state = 'BODY_CHUNKHEAD';
  };

  // An interim response (1xx) starts a new head: its framing headers do not carry over, its bytes do.
  p.nextRequest = function nextRequest(this: ParserInternals) {
    s.contentLength = false;
    s.transferEncoding = false;
    proto.nextRequest.call(this);
  };
  return parser;
}
