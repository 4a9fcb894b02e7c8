import { describe, expect, it } from 'vitest';
import {
  chunkSize,
  FramingError,
  fieldLine,
  MAX_FIELDS,
  MAX_HEAD_BYTES,
  strictResponseParser,
} from './framing.js';

/** Feeds `text` to a fresh strict parser in one read; returns what `execute` gave and the body seen. */
function parse(text: string): { result: number | Error; body: string } {
  const parser = strictResponseParser();
  let body = '';
  parser[3] = (chunk: Buffer, offset: number, length: number) => {
    body += chunk.toString('latin1', offset, offset + length);
  };
  const bytes = Buffer.from(text, 'latin1');
  return { result: parser.execute(bytes, 0, bytes.length), body };
}

describe('chunkSize', () => {
  it.each([
    ['5', 5],
    ['0A', 10],
    ['ff;name="v"', 255],
    ['10 ; x=y', 16],
    ['0000000000000001', 1],
    ['fffffffffffff', 2 ** 52 - 1],
  ])('reads %j as %d', (line, size) => {
    expect(chunkSize(line)).toBe(size);
  });

  it.each([
    '-6',
    '-1',
    '+5',
    '0x5',
    ' 5',
    '5 5',
    '',
    'zz',
    '5\r5',
    '10000000000000',
    '11111111111111111',
    '00000000000000001',
  ])('refuses %j', (line) => {
    expect(() => chunkSize(line)).toThrow(FramingError);
  });
});

describe('fieldLine', () => {
  it('splits name and value, trimming optional whitespace', () => {
    expect(fieldLine('ETag:  "v1" \t')).toEqual(['ETag', '"v1"']);
    expect(fieldLine('X-Empty:')).toEqual(['X-Empty', '']);
  });

  it.each([
    [' folded', /obs-fold/],
    ['\tfolded', /obs-fold/],
    ['No colon', /malformed header line/],
    ['X-Space : v', /malformed header line/],
    [': v', /malformed header line/],
    ['X-Ctl: a\x01b', /control character/],
    ['X-Nul: a\x00b', /control character/],
    ['X-Cr: a\rb', /malformed header line/],
  ])('refuses %j', (line, message) => {
    expect(() => fieldLine(line)).toThrow(message);
  });
});

describe('strictResponseParser', () => {
  it('a chunk size of -6 is an error at once (http-parser-js alone loops forever on it)', () => {
    const { result } = parse(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n-6\r\nabcdef\r\n',
    );
    expect(result).toBeInstanceOf(FramingError);
    expect((result as Error).message).toBe('invalid chunk size line "-6"');
  });

  it('reads a well-framed chunked body with extensions and trailers', () => {
    const { result, body } = parse(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\nX-T: 1\r\n\r\n',
    );
    expect(result).not.toBeInstanceOf(Error);
    expect(body).toBe('abc');
  });

  it.each([
    ['Content-Length: 3\r\nTransfer-Encoding: chunked', /together with Transfer-Encoding/],
    ['Transfer-Encoding: chunked\r\nContent-Length: 3', /together with Transfer-Encoding/],
    ['Content-Length: 3\r\nContent-Length: 3', /Content-Length given twice/],
    ['Content-Length: 3, 3', /invalid Content-Length/],
    ['Content-Length: -1', /invalid Content-Length/],
    ['Transfer-Encoding: gzip, chunked', /unsupported Transfer-Encoding/],
    ['Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', /Transfer-Encoding given twice/],
  ])('refuses the framing headers %j', (fields, message) => {
    const { result } = parse(`HTTP/1.1 200 OK\r\n${fields}\r\n\r\nabc`);
    expect(result).toBeInstanceOf(FramingError);
    expect((result as Error).message).toMatch(message);
  });

  it('bounds the number of fields and the bytes of the head, even within one read', () => {
    const many = Array.from({ length: MAX_FIELDS + 1 }, (_, i) => `X-${i}: v`).join('\r\n');
    expect((parse(`HTTP/1.1 200 OK\r\n${many}\r\n\r\n`).result as Error).message).toMatch(/header fields/);
    const long = `X-Long: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(
      (parse(`HTTP/1.1 200 OK\r\n${long}\r\nContent-Length: 0\r\n\r\n`).result as Error).message,
    ).toMatch(/response head over/);
    const open = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(MAX_HEAD_BYTES + 1)}`;
    expect((parse(open).result as Error).message).toMatch(/a line longer than/);
  });

  it('chunk data not followed by CRLF is an error', () => {
    const { result } = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX\r\n0\r\n\r\n');
    expect((result as Error).message).toBe('chunk data not followed by CRLF (got "XX")');
  });
});
