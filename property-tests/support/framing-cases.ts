/**
 * Generated HTTP/1.1 responses for the framing property (adapters/http/framing.property.test.ts): a body with
 * its framing (Content-Length, chunked with extensions, leading zeros and trailers, or close-delimited), extra
 * valid fields, the points where the bytes are split into writes, and at most one hostile or malformed element.
 */
import fc from 'fast-check';
import type { FramingRequest } from './framing-worker.js';

/** Which of the agent's reads a case goes to. */
export type Target = FramingRequest['target'];

/** A framing element no conforming HTTP/1.1 response contains (or one this client refuses, see framing.ts). */
export type Flaw =
  | { kind: 'chunk-size'; line: string; at: number }
  | { kind: 'chunk-terminator'; after: string; at: number }
  | { kind: 'endless-chunk-size-line'; digits: number }
  | { kind: 'field'; lines: readonly string[] }
  | { kind: 'too-many-fields'; count: number }
  | { kind: 'too-long-field'; length: number }
  | { kind: 'length-with-chunked' }
  | { kind: 'duplicate-length'; second: 'same' | 'other' }
  | { kind: 'invalid-length'; value: string }
  | { kind: 'transfer-coding'; values: readonly string[] };

/** One generated response: body, framing, extra fields, write splits and at most one flaw. */
export interface FramingCase {
  target: Target;
  body: Uint8Array;
  framing: 'length' | 'chunked' | 'close';
  /** Chunk boundaries as fractions of the body. */
  cuts: number[];
  upperHex: boolean;
  leadingZeros: number;
  extension: boolean;
  trailers: [string, string][];
  fields: [string, string][];
  /** Where the wire bytes are split into separate writes, as fractions. */
  writes: number[];
  flaw: Flaw | undefined;
}

const FRAMING_NAMES = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'trailer',
]);
const token = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/)
  .filter((n) => !FRAMING_NAMES.has(n.toLowerCase()));
const fieldValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const field = fc.tuple(token, fieldValue);
const fraction = fc.double({ min: 0, max: 1, noNaN: true });

const flaw: fc.Arbitrary<Flaw> = fc.oneof(
  fc.record({
    kind: fc.constant('chunk-size' as const),
    line: fc.constantFrom(
      '-6',
      '-1',
      '-ff',
      'ffffffffffffffffff',
      '10000000000000000000000',
      '20000000000000',
      'zz',
      '0x5',
      ' 5',
      '5 5',
      '',
      '5\r5',
      '+5',
    ),
    at: fraction,
  }),
  fc.record({
    kind: fc.constant('chunk-terminator' as const),
    after: fc.constantFrom('XX\r\n', 'x\r\n', ' \r\n', '\r\r\n'),
    at: fraction,
  }),
  fc.record({
    kind: fc.constant('endless-chunk-size-line' as const),
    digits: fc.integer({ min: 70_000, max: 150_000 }),
  }),
  fc.record({
    kind: fc.constant('field' as const),
    lines: fc.constantFrom(
      ['X-Folded: a', ' continued'],
      ['X-Folded: a', '\tcontinued'],
      ['No colon here'],
      ['X-Space : before colon'],
      [': empty name'],
      ['X-Ctl: a\x01b'],
      ['X-Nul: a\x00b'],
      ['X-Cr: a\rb'],
      ['Bad(name): v'],
    ),
  }),
  fc.record({ kind: fc.constant('too-many-fields' as const), count: fc.integer({ min: 300, max: 3000 }) }),
  fc.record({
    kind: fc.constant('too-long-field' as const),
    length: fc.integer({ min: 70_000, max: 200_000 }),
  }),
  fc.record({ kind: fc.constant('length-with-chunked' as const) }),
  fc.record({
    kind: fc.constant('duplicate-length' as const),
    second: fc.constantFrom('same' as const, 'other' as const),
  }),
  fc.record({
    kind: fc.constant('invalid-length' as const),
    value: fc.constantFrom('-1', '+5', '0x10', '1e3', '5 5', '', 'abc', '99999999999999999999', '5, 5'),
  }),
  fc.record({
    kind: fc.constant('transfer-coding' as const),
    values: fc.constantFrom(
      ['gzip, chunked'],
      ['identity'],
      ['chunked, chunked'],
      ['xchunked'],
      ['chunked', 'chunked'],
    ),
  }),
);

/** Generated responses: half well framed, half with one flaw. */
export const framingCase: fc.Arbitrary<FramingCase> = fc.record({
  target: fc.constantFrom<Target>('dd', 'media'),
  body: fc.uint8Array({ minLength: 0, maxLength: 3000 }),
  framing: fc.constantFrom('length' as const, 'chunked' as const, 'close' as const),
  cuts: fc.array(fraction, { maxLength: 6 }),
  upperHex: fc.boolean(),
  leadingZeros: fc.integer({ min: 0, max: 3 }),
  extension: fc.boolean(),
  trailers: fc.array(field, { maxLength: 2 }),
  fields: fc.array(field, { maxLength: 6 }),
  writes: fc.array(fraction, { maxLength: 5 }),
  flaw: fc.option(flaw, { nil: undefined, freq: 2 }),
});

/** The framing a flaw needs (chunk flaws need chunks, length flaws a length). */
export function framingOf(c: FramingCase): FramingCase['framing'] {
  switch (c.flaw?.kind) {
    case 'chunk-size':
    case 'chunk-terminator':
    case 'endless-chunk-size-line':
    case 'length-with-chunked':
      return 'chunked';
    case 'duplicate-length':
    case 'invalid-length':
      return 'length';
    default:
      return c.framing;
  }
}

/** The response on the wire, as latin1 text (binary body bytes map one to one). */
export function wire(c: FramingCase): string {
  const body = Buffer.from(c.body).toString('latin1');
  const framing = framingOf(c);
  const head = ['HTTP/1.1 200 OK', 'Content-Type: application/octet-stream'];
  for (const [name, value] of c.fields) head.push(`${name}: ${value}`);
  const f = c.flaw;
  if (framing === 'length') {
    if (f?.kind === 'invalid-length') head.push(`Content-Length: ${f.value}`);
    else head.push(`Content-Length: ${body.length}`);
    if (f?.kind === 'duplicate-length')
      head.push(`Content-Length: ${f.second === 'same' ? body.length : body.length + 1}`);
  }
  if (framing === 'chunked') {
    head.push('Transfer-Encoding: chunked');
    if (f?.kind === 'length-with-chunked') head.push(`Content-Length: ${body.length}`);
  }
  if (f?.kind === 'field') head.push(...f.lines);
  if (f?.kind === 'too-many-fields') for (let i = 0; i < f.count; i++) head.push(`X-F${i}: v`);
  if (f?.kind === 'too-long-field') head.push(`X-Long: ${'a'.repeat(f.length)}`);
  if (f?.kind === 'transfer-coding') for (const v of f.values) head.push(`Transfer-Encoding: ${v}`);
  let text = `${head.join('\r\n')}\r\n\r\n`;
  if (framing !== 'chunked') return text + body;

  const bounds = [...new Set(c.cuts.map((x) => Math.floor(x * body.length)))]
    .filter((x) => x > 0 && x < body.length)
    .sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const to of [...bounds, body.length]) {
    if (to > from) pieces.push(body.slice(from, to));
    from = to;
  }
  const flawAt =
    pieces.length === 0 ? -1 : Math.min(pieces.length - 1, Math.floor((fractionOf(f) ?? 0) * pieces.length));
  const sizeLine = (n: number) => {
    const hex = n.toString(16);
    return `${'0'.repeat(c.leadingZeros)}${c.upperHex ? hex.toUpperCase() : hex}${c.extension ? ';name="v"' : ''}`;
  };
  for (const [i, piece] of pieces.entries()) {
    const line = f?.kind === 'chunk-size' && i === flawAt ? f.line : sizeLine(piece.length);
    const end = f?.kind === 'chunk-terminator' && i === flawAt ? f.after : '\r\n';
    text += `${line}\r\n${piece}${end}`;
  }
  if (f?.kind === 'chunk-size' && flawAt < 0) text += `${f.line}\r\nabcdef\r\n`;
  if (f?.kind === 'chunk-terminator' && flawAt < 0) text += `3\r\nabc${f.after}`;
  if (f?.kind === 'endless-chunk-size-line') return text + '1'.repeat(f.digits);
  text += '0\r\n';
  for (const [name, value] of c.trailers) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

function fractionOf(f: Flaw | undefined): number | undefined {
  return f?.kind === 'chunk-size' || f?.kind === 'chunk-terminator' ? f.at : undefined;
}

/** A readable name for a shrunk counterexample. */
export function describeCase(c: FramingCase): string {
  const flawText = c.flaw === undefined ? 'well-formed' : JSON.stringify(c.flaw).slice(0, 120);
  return `${c.target} ${framingOf(c)} body=${c.body.length}B writes=${c.writes.length} ${flawText}`;
}
