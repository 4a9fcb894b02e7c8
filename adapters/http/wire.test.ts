import { describe, expect, it } from 'vitest';
import { endpointOf, hostHeader, joinRawHeaders, requestHead } from './wire.js';

describe('requestHead', () => {
  it('writes the request line, host, the given headers, connection: close and the blank line', () => {
    const head = requestHead('GET', new URL('http://example.com/a/b?x=1#frag'), {
      range: 'bytes=5-',
      'accept-encoding': 'identity',
    });
    expect(head.toString('latin1')).toBe(
      'GET /a/b?x=1 HTTP/1.1\r\nhost: example.com\r\nrange: bytes=5-\r\naccept-encoding: identity\r\n' +
        'connection: close\r\n\r\n',
    );
  });

  it('adds content-length for a body and keeps the caller out of the framing headers', () => {
    const head = requestHead(
      'POST',
      new URL('http://h/n'),
      { 'content-length': '999', connection: 'keep-alive', 'transfer-encoding': 'chunked', 'x-a': '1' },
      11,
    ).toString('latin1');
    expect(head).toBe(
      'POST /n HTTP/1.1\r\nhost: h\r\nx-a: 1\r\nconnection: close\r\ncontent-length: 11\r\n\r\n',
    );
  });

  it('keep-alive: no connection header at all (HTTP/1.1 persists), and still none from the caller', () => {
    const head = requestHead('GET', new URL('http://h/'), { connection: 'close' }, undefined, true);
    expect(head.toString('latin1')).toBe('GET / HTTP/1.1\r\nhost: h\r\n\r\n');
  });

  it('keeps a host header the caller gave instead of adding one', () => {
    const head = requestHead('GET', new URL('http://h/'), { host: 'other' }).toString('latin1');
    expect(head).toBe('GET / HTTP/1.1\r\nhost: other\r\nconnection: close\r\n\r\n');
  });

  it('refuses header names and values that would break the framing (no header injection)', () => {
    const url = new URL('http://h/');
    expect(() => requestHead('GET', url, { 'if-match': '"a"\r\nx-evil: 1' })).toThrow(TypeError);
    expect(() => requestHead('GET', url, { 'bad name': 'x' })).toThrow(TypeError);
    expect(() => requestHead('GET', url, { x: 'caf\u00e9' })).not.toThrow();
    expect(() => requestHead('GET', url, { x: '\u20ac' })).toThrow(TypeError);
    expect(() => requestHead('GE T', url, {})).toThrow(TypeError);
  });

  it('sends a latin1 header value byte for byte', () => {
    const head = requestHead('GET', new URL('http://h/'), { x: 'caf\u00e9' });
    expect(head.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe(true);
  });
});

describe('hostHeader', () => {
  it('adds the port only when it is not the scheme default', () => {
    expect(hostHeader(new URL('http://h:80/'))).toBe('h');
    expect(hostHeader(new URL('https://h:443/'))).toBe('h');
    expect(hostHeader(new URL('http://h:8080/'))).toBe('h:8080');
    expect(hostHeader(new URL('https://h:80/'))).toBe('h:80');
  });

  it('keeps an IPv6 literal in brackets, with or without a port', () => {
    expect(hostHeader(new URL('http://[::1]:8080/x'))).toBe('[::1]:8080');
    expect(hostHeader(new URL('http://[2001:db8::1]/'))).toBe('[2001:db8::1]');
    const head = requestHead('GET', new URL('http://[::1]:8080/x'), {}).toString('latin1');
    expect(head).toContain('\r\nhost: [::1]:8080\r\n');
  });
});

describe('endpointOf', () => {
  it('dials IPv6 without brackets, default ports by scheme, SNI only for names', () => {
    expect(endpointOf(new URL('http://[::1]/'))).toEqual({
      host: '::1',
      port: 80,
      tls: false,
      servername: undefined,
    });
    expect(endpointOf(new URL('https://example.com/'))).toEqual({
      host: 'example.com',
      port: 443,
      tls: true,
      servername: 'example.com',
    });
    expect(endpointOf(new URL('https://127.0.0.1:8443/')).servername).toBeUndefined();
    expect(endpointOf(new URL('https://127.0.0.1:8443/')).port).toBe(8443);
  });
});

describe('joinRawHeaders', () => {
  it('lower-cases names and joins repeated ones with ", " in order', () => {
    expect(joinRawHeaders(['Set-Cookie', 'a=1', 'ETag', '"e"', 'set-cookie', 'b=2', 'X-Empty', ''])).toEqual({
      'set-cookie': 'a=1, b=2',
      etag: '"e"',
      'x-empty': '',
    });
  });

  it('treats names like constructor as plain headers', () => {
    expect(joinRawHeaders(['Constructor', 'x', 'toString', 'y'])).toEqual({
      constructor: 'x',
      tostring: 'y',
    });
  });
});
