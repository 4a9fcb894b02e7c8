import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getText, openGet, post } from './client.js';
import { collect, listen, loopbackServers, pattern, rejection, waitFor } from './test-support.js';

const servers = loopbackServers();
const rawServers: { server: net.Server; sockets: Set<net.Socket> }[] = [];
afterEach(async () => {
  await servers.closeAll();
  for (const { server, sockets } of rawServers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const serve = servers.serve;

/** A raw TCP server that accepts connections and never answers; returns its port. */
async function silentTcp(): Promise<{ port: number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  rawServers.push({ server, sockets });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port };
}

describe('openGet', () => {
  it('reports status, final URL, lower-case joined headers and raw bytes, sending Accept-Encoding: identity', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const gz = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    const s = await serve((req, res) => {
      seen = req.headers;
      res.setHeader('X-Multi', ['a', 'b']);
      res.setHeader('Content-Encoding', 'gzip');
      res.setHeader('ETag', '"obj-1/3"');
      res.writeHead(206).end(gz);
    });
    const res = await openGet(`${s.base}/obj`, { headers: { Range: 'bytes=5-', 'If-Match': '"obj-1/3"' } });
    expect(res.status).toBe(206);
    expect(res.url).toBe(`${s.base}/obj`);
    expect(res.headers['x-multi']).toBe('a, b');
    expect(res.headers.etag).toBe('"obj-1/3"');
    expect(res.headers['content-encoding']).toBe('gzip');
    // Not decompressed: the gzip bytes come through as sent.
    expect(await collect(res.body)).toEqual(gz);
    expect(seen['accept-encoding']).toBe('identity');
    expect(seen.range).toBe('bytes=5-');
    expect(seen['if-match']).toBe('"obj-1/3"');
  });

  it('forces Accept-Encoding: identity even when the caller asks for gzip', async () => {
    let seen: string | undefined;
    const s = await serve((req, res) => {
      seen = req.headers['accept-encoding'];
      res.end('x');
    });
    const res = await openGet(s.base, { headers: { 'Accept-Encoding': 'gzip' } });
    await collect(res.body);
    expect(seen).toBe('identity');
  });

  it('follows relative and absolute redirects of every kind, keeping the request headers', async () => {
    const ranges: (string | undefined)[] = [];
    const s = await serve((req, res) => {
      ranges.push(req.headers.range);
      const step = Number(req.url?.slice(2));
      const codes = [301, 302, 303, 307, 308];
      if (step < codes.length) {
        const loc = step % 2 === 0 ? `/r${step + 1}` : `http://127.0.0.1:${s.port}/r${step + 1}`;
        res.writeHead(codes[step]!, { Location: loc }).end('moved');
      } else res.end('final');
    });
    const res = await openGet(`${s.base}/r0`, { headers: { Range: 'bytes=0-' } });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${s.base}/r5`);
    expect(res.urlChain).toHaveLength(6);
    expect((await collect(res.body)).toString()).toBe('final');
    expect(ranges).toEqual(Array(6).fill('bytes=0-'));
  });

  it('reports every request sent, redirect hops included, with the exact headers', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/a') res.writeHead(307, { Location: '/b' }).end();
      else res.end('ok');
    });
    const sent: { method: string; url: string; headers: Readonly<Record<string, string>> }[] = [];
    const res = await openGet(`${s.base}/a`, {
      headers: { Range: 'bytes=10-', 'If-Match': '"e"' },
      onRequest: (r) => sent.push(r),
    });
    await collect(res.body);
    expect(sent.map((r) => r.url)).toEqual([`${s.base}/a`, `${s.base}/b`]);
    expect(sent[1]).toEqual({
      method: 'GET',
      url: `${s.base}/b`,
      headers: { range: 'bytes=10-', 'if-match': '"e"', 'accept-encoding': 'identity' },
    });
  });

  it('drops credentials on a redirect to another origin', async () => {
    let auth: string | undefined = 'unset';
    const other = await serve((req, res) => {
      auth = req.headers.authorization;
      res.end('ok');
    });
    const s = await serve((_req, res) => res.writeHead(302, { Location: `${other.base}/x` }).end());
    const res = await openGet(s.base, { headers: { Authorization: 'Bearer t' } });
    await collect(res.body);
    expect(auth).toBeUndefined();
  });

  it('stops after maxRedirects with an error naming the URL chain', async () => {
    const s = await serve((req, res) => {
      res.writeHead(302, { Location: `/loop${Number(req.url?.slice(5) || 0) + 1}` }).end();
    });
    const error = await rejection(openGet(`${s.base}/loop0`, { maxRedirects: 2 }));
    expect(error.kind).toBe('redirects');
    expect(error.method).toBe('GET');
    expect(error.message).toContain(`${s.base}/loop0 -> ${s.base}/loop1 -> ${s.base}/loop2 -> /loop3`);
  });

  it('returns a redirect without Location as a response (a fact, not an error)', async () => {
    const s = await serve((_req, res) => res.writeHead(302).end());
    const res = await openGet(s.base);
    expect(res.status).toBe(302);
    res.abort();
  });

  it('refuses schemes other than http and https, given or redirected to', async () => {
    const given = await rejection(openGet('ftp://127.0.0.1/x'));
    expect(given.kind).toBe('scheme');
    expect(given.message).toContain('"ftp"');
    const s = await serve((_req, res) => res.writeHead(301, { Location: 'file:///etc/passwd' }).end());
    const redirected = await rejection(openGet(s.base));
    expect(redirected.kind).toBe('scheme');
    expect(redirected.url).toBe('file:///etc/passwd');
  });

  it('abort() closes the socket: the server sees the close and no more bytes arrive', async () => {
    let serverSawClose = false;
    let written = 0;
    const s = await serve((req, res) => {
      res.writeHead(200, { 'Content-Length': String(10 * 1024 * 1024) });
      const timer = setInterval(() => {
        res.write(pattern(16 * 1024));
        written += 16 * 1024;
      }, 5);
      req.socket.on('close', () => {
        serverSawClose = true;
        clearInterval(timer);
      });
    });
    const res = await openGet(s.base);
    const iterator = res.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    res.abort();
    expect(res.aborted).toBe(true);
    await waitFor(() => serverSawClose, 5000, 'the server to see the socket close');
    const error = await rejection(iterator.next());
    expect(error.kind).toBe('aborted');
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('an abort signal closes the response the same way', async () => {
    let serverSawClose = false;
    const s = await serve((req, res) => {
      res.writeHead(200);
      res.write('start');
      req.socket.on('close', () => {
        serverSawClose = true;
      });
    });
    const controller = new AbortController();
    const res = await openGet(s.base, { signal: controller.signal });
    const received: Uint8Array[] = [];
    const reading = (async () => {
      for await (const chunk of res.body) received.push(chunk);
    })();
    await waitFor(() => received.length > 0);
    controller.abort();
    const error = await rejection(reading);
    expect(error.kind).toBe('aborted');
    await waitFor(() => serverSawClose, 5000, 'the server to see the socket close');
  });

  it('breaking out of the body loop closes the connection', async () => {
    let serverSawClose = false;
    const s = await serve((req, res) => {
      res.writeHead(200);
      res.write('a');
      req.socket.on('close', () => {
        serverSawClose = true;
      });
    });
    const res = await openGet(s.base);
    for await (const _chunk of res.body) break;
    await waitFor(() => serverSawClose, 5000, 'the server to see the socket close');
  });

  it('a connect timeout fires (TLS handshake that never completes)', async () => {
    const { port } = await silentTcp();
    const error = await rejection(openGet(`https://127.0.0.1:${port}/`, { connectTimeoutMs: 200 }));
    expect(error.kind).toBe('timeout');
    expect(error.phase).toBe('connect');
    expect(error.message).toContain(`GET https://127.0.0.1:${port}/`);
  });

  it('a refused connection is a connect error', async () => {
    const s = await listen((_req, res) => res.end());
    const port = s.port;
    await s.close();
    const error = await rejection(openGet(`http://127.0.0.1:${port}/x`));
    expect(error.kind).toBe('connect');
    expect(error.url).toBe(`http://127.0.0.1:${port}/x`);
  });

  it('a headers timeout fires when the server never answers', async () => {
    const { port } = await silentTcp();
    const error = await rejection(openGet(`http://127.0.0.1:${port}/`, { headersTimeoutMs: 200 }));
    expect(error.kind).toBe('timeout');
    expect(error.phase).toBe('headers');
  });

  it('a body timeout fires when the body stalls, after the bytes that did arrive', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write(pattern(100));
    });
    const res = await openGet(s.base, { bodyTimeoutMs: 200 });
    let got = 0;
    const error = await rejection(
      (async () => {
        for await (const chunk of res.body) got += chunk.byteLength;
      })(),
    );
    expect(got).toBe(100);
    expect(error.kind).toBe('timeout');
    expect(error.phase).toBe('body');
  });

  it('a connection cut mid-body is a reset', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write(pattern(100), () => setTimeout(() => req.socket.destroy(), 20));
    });
    const res = await openGet(s.base);
    const error = await rejection(collect(res.body));
    expect(error.kind).toBe('reset');
    expect(error.phase).toBe('body');
  });
});

describe('post', () => {
  it('sends the body with its content type and reports the status', async () => {
    let got = '';
    let type: string | undefined;
    const s = await serve(async (req, res) => {
      type = req.headers['content-type'];
      for await (const chunk of req) got += chunk;
      res.writeHead(202, { 'X-Id': '7' }).end('ignored');
    });
    const result = await post(`${s.base}/notify`, '900 Success', { contentType: 'text/plain' });
    expect(result.status).toBe(202);
    expect(result.headers['x-id']).toBe('7');
    expect(got).toBe('900 Success');
    expect(type).toBe('text/plain');
  });

  it('times out as a whole when the server never answers', async () => {
    const { port } = await silentTcp();
    const error = await rejection(
      post(`http://127.0.0.1:${port}/n`, 'x', { contentType: 'text/plain', timeoutMs: 200 }),
    );
    expect(error.kind).toBe('timeout');
    expect(error.method).toBe('POST');
  });
});

describe('getText', () => {
  it('reads a small document whole after redirects', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/dd') res.writeHead(302, { Location: '/dd2' }).end();
      else res.writeHead(200, { 'Content-Type': 'application/xml' }).end('<media>é</media>');
    });
    const doc = await getText(`${s.base}/dd`, { maxBytes: 100 });
    expect(doc.status).toBe(200);
    expect(doc.url).toBe(`${s.base}/dd2`);
    expect(doc.text).toBe('<media>é</media>');
    expect(doc.bytes.byteLength).toBe(17);
    expect(doc.headers['content-type']).toBe('application/xml');
  });

  it('refuses a body larger than maxBytes, declared or streamed', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/declared') res.end(pattern(2000));
      else {
        res.writeHead(200);
        res.write(pattern(600));
        res.end(pattern(600));
      }
    });
    const declared = await rejection(getText(`${s.base}/declared`, { maxBytes: 1000 }));
    expect(declared.kind).toBe('too-large');
    const streamed = await rejection(getText(`${s.base}/chunked`, { maxBytes: 1000 }));
    expect(streamed.kind).toBe('too-large');
    expect(streamed.message).toContain('1000 bytes');
  });
});
