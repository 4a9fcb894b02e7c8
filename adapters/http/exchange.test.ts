import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getText, openGet, post } from './client.js';
import {
  collect,
  listenRaw,
  loopbackServers,
  pattern,
  type RawLoopback,
  rejection,
  waitFor,
} from './test-support.js';

const servers = loopbackServers();
afterEach(servers.closeAll);
const serve = servers.serve;

/** A raw server answering every connection with `respond` once the request head is in. */
async function raw(respond: (socket: Socket) => void): Promise<RawLoopback> {
  const s = await listenRaw((socket) => {
    let head = '';
    socket.on('data', (data) => {
      if (head.includes('\r\n\r\n')) return;
      head += data.toString('latin1');
      if (head.includes('\r\n\r\n')) respond(socket);
    });
  });
  return servers.track(s);
}

describe('wire framing', () => {
  it('reads a chunked body, chunks split across reads', async () => {
    const s = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
      setTimeout(() => socket.write('lo\r\n6\r\n world\r'), 20);
      setTimeout(() => socket.end('\n0\r\nX-Trailer: t\r\n\r\n'), 40);
    });
    const res = await openGet(s.base);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect((await collect(res.body)).toString()).toBe('hello world');
  });

  it('reads a chunked body from a Node server writing in pieces', async () => {
    const s = await serve((_req, res) => {
      res.write(pattern(1000));
      setTimeout(() => res.end(pattern(3000, 1000)), 10);
    });
    const res = await openGet(s.base);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect((await collect(res.body)).equals(pattern(4000))).toBe(true);
  });

  it('reads a close-delimited body (no Content-Length, the server ends the socket)', async () => {
    const s = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
      socket.write(pattern(70_000));
      setTimeout(() => socket.end(pattern(5000, 70_000)), 20);
    });
    const res = await openGet(s.base);
    expect(res.headers['content-length']).toBeUndefined();
    expect((await collect(res.body)).equals(pattern(75_000))).toBe(true);
  });

  it('skips interim 100 and 103 responses and reports the final one', async () => {
    const s = await raw((socket) => {
      socket.write(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>; rel=preload\r\n\r\n',
      );
      setTimeout(
        () => socket.write('HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\nETag: "e"\r\n\r\nhello'),
        20,
      );
    });
    const res = await openGet(s.base);
    expect(res.status).toBe(206);
    expect(res.headers.etag).toBe('"e"');
    expect(res.headers.link).toBeUndefined();
    expect((await collect(res.body)).toString()).toBe('hello');
  });

  it('ignores bytes after a complete message and closes the connection', async () => {
    let closed = false;
    const s = await raw((socket) => {
      socket.on('close', () => {
        closed = true;
      });
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 500 Nope\r\n\r\ngarbage');
    });
    const res = await openGet(s.base);
    expect((await collect(res.body)).toString()).toBe('abc');
    await waitFor(() => closed, 5000, 'the server to see the socket close');
  });

  it('sends the request head a server expects: host with port, connection: close, identity', async () => {
    let head = '';
    const s = await listenRaw((socket) => {
      socket.on('data', (data) => {
        head += data.toString('latin1');
        if (head.includes('\r\n\r\n')) socket.end('HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    servers.track(s);
    const res = await openGet(`${s.base}/p?q=1`, { headers: { 'If-Match': '"x"' } });
    expect(res.status).toBe(204);
    expect(await collect(res.body)).toHaveLength(0);
    expect(head).toBe(
      `GET /p?q=1 HTTP/1.1\r\nhost: 127.0.0.1:${s.port}\r\nif-match: "x"\r\naccept-encoding: identity\r\n` +
        'connection: close\r\n\r\n',
    );
  });

  it('a malformed status line is a protocol error in the headers phase', async () => {
    const s = await raw((socket) => socket.end('SPDY/9 hello\r\n\r\n'));
    const error = await rejection(openGet(s.base));
    expect(error.kind).toBe('protocol');
    expect(error.phase).toBe('headers');
  });

  it('an invalid Content-Length is a protocol error', async () => {
    const s = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\nhello'));
    const error = await rejection(openGet(s.base));
    expect(error.kind).toBe('protocol');
    expect(error.message).toContain('Content-Length');
  });

  it('a server closing before any response is a reset in the headers phase', async () => {
    const s = await raw((socket) => socket.end());
    const error = await rejection(openGet(s.base));
    expect(error.kind).toBe('reset');
    expect(error.phase).toBe('headers');
  });

  it('a chunked body cut before its last chunk is a reset in the body phase', async () => {
    const s = await raw((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'),
    );
    const res = await openGet(s.base);
    let got = '';
    const error = await rejection(
      (async () => {
        for await (const chunk of res.body) got += Buffer.from(chunk).toString();
      })(),
    );
    expect(got).toBe('abc');
    expect(error.kind).toBe('reset');
    expect(error.phase).toBe('body');
  });

  it('leaves no timer behind once an exchange is over', async () => {
    const s = await serve((_req, res) => res.end('done'));
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    expect((await getText(s.base)).text).toBe('done');
    await new Promise((r) => setImmediate(r));
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('post on the wire', () => {
  it('sends a UTF-8 body with its byte length and reads a chunked response', async () => {
    let got = '';
    let length: string | undefined;
    const s = await serve(async (req, res) => {
      length = req.headers['content-length'];
      for await (const chunk of req) got += chunk;
      res.writeHead(200, { 'X-Seen': 'yes' });
      res.write('part one, ');
      setTimeout(() => res.end('part two'), 10);
    });
    const result = await post(`${s.base}/n`, '900 Succès', { contentType: 'text/plain; charset=utf-8' });
    expect(result.status).toBe(200);
    expect(result.headers['x-seen']).toBe('yes');
    expect(result.headers['transfer-encoding']).toBe('chunked');
    expect(got).toBe('900 Succès');
    expect(length).toBe(String(Buffer.byteLength('900 Succès')));
  });

  it('skips a 100 Continue before the final status', async () => {
    const s = await raw((socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      setTimeout(() => socket.end('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n'), 20);
    });
    const result = await post(`${s.base}/n`, 'x', { contentType: 'text/plain' });
    expect(result.status).toBe(202);
  });

  it('an aborted signal stops it with kind aborted', async () => {
    const s = await raw(() => {});
    const controller = new AbortController();
    const promise = post(`${s.base}/n`, 'x', { contentType: 'text/plain', signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(promise);
    expect(error.kind).toBe('aborted');
  });
});
