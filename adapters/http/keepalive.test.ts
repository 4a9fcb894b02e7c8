import { promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionPool, openGet } from './client.js';
import { hasRealServer, startRealServer } from './real-servers.test-support.js';
import {
  collect,
  type Loopback,
  listenHttps,
  listenRaw,
  loopbackServers,
  loopbackTls,
  pattern,
  tempDir,
  waitFor,
} from './test-support.js';

const servers = loopbackServers();
const pools: ConnectionPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await servers.closeAll();
});

function pool(options?: ConstructorParameters<typeof ConnectionPool>[0]): ConnectionPool {
  const p = new ConnectionPool(options);
  pools.push(p);
  return p;
}

/** A Node HTTP server answering `body`, counting connections and closes, recording each request's headers. */
async function counted(
  respond: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end(pattern(100_000)),
) {
  const seen = { connections: 0, closed: 0, requests: [] as IncomingMessage['headers'][] };
  const s: Loopback = await servers.serve((req, res) => {
    seen.requests.push(req.headers);
    respond(req, res);
  });
  s.server.on('connection', (socket: Socket) => {
    seen.connections += 1;
    socket.on('close', () => {
      seen.closed += 1;
    });
  });
  return { s, seen };
}

/** Sockets keeping the event loop alive (unref'd ones are not listed). */
const liveSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('keep-alive: a ConnectionPool carries GETs read to their end', () => {
  it('sequential GETs share one connection, sent without connection: close', async () => {
    const { s, seen } = await counted();
    const connections = pool();
    for (let i = 0; i < 3; i++) {
      const res = await openGet(`${s.base}/${i}`, { connections });
      expect((await collect(res.body)).equals(pattern(100_000))).toBe(true);
    }
    expect(seen.connections).toBe(1);
    expect(connections.reused).toBe(2);
    expect(seen.requests.map((h) => h.connection)).toEqual([undefined, undefined, undefined]);
    expect(connections.idleCount).toBe(1);
  });

  it('without a pool every GET has its own connection, sent with connection: close', async () => {
    const { s, seen } = await counted();
    for (let i = 0; i < 3; i++) await collect((await openGet(s.base)).body);
    expect(seen.connections).toBe(3);
    expect(seen.requests.map((h) => h.connection)).toEqual(['close', 'close', 'close']);
  });

  it('leased chunks: the connection goes back only once every chunk is released', async () => {
    const { s, seen } = await counted();
    const connections = pool();
    const res = await openGet(s.base, { connections, leaseChunks: true });
    const held: Uint8Array[] = [];
    for await (const chunk of res.body) held.push(chunk);
    expect(Buffer.concat(held).equals(pattern(100_000))).toBe(true);
    expect(connections.idleCount).toBe(0);
    for (const chunk of held) res.release(chunk);
    expect(connections.idleCount).toBe(1);
    await collect((await openGet(s.base, { connections })).body);
    expect(seen.connections).toBe(1);
  });

  it('a body left unread, a break out of the loop or an abort closes the connection', async () => {
    const { s, seen } = await counted();
    const connections = pool();
    const broken = await openGet(s.base, { connections, readBufferBytes: 4096 });
    for await (const _ of broken.body) break;
    const aborted = await openGet(s.base, { connections });
    aborted.abort();
    await waitFor(() => seen.closed === 2, 5000, 'the server to see both connections close');
    expect(connections.idleCount).toBe(0);
    await collect((await openGet(s.base, { connections })).body);
    expect(seen.connections).toBe(3);
  });

  it('a response with Connection: close is not kept', async () => {
    const { s, seen } = await counted((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('x');
    });
    const connections = pool();
    for (let i = 0; i < 2; i++) await collect((await openGet(s.base, { connections })).body);
    expect(seen.connections).toBe(2);
    expect(connections.reused).toBe(0);
  });

  it('bytes after the message: the connection is not kept', async () => {
    let connectionsSeen = 0;
    const s = servers.track(
      await listenRaw((socket) => {
        connectionsSeen += 1;
        socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcXYZ'));
      }),
    );
    const connections = pool();
    for (let i = 0; i < 2; i++) {
      const res = await openGet(s.base, { connections });
      expect((await collect(res.body)).toString()).toBe('abc');
    }
    expect(connectionsSeen).toBe(2);
    expect(connections.reused).toBe(0);
  });

  it('a connection the server closed while idle leaves the pool; the next GET opens a new one', async () => {
    const { s, seen } = await counted((_req, res) => res.end('ok'));
    s.server.keepAliveTimeout = 50;
    const connections = pool();
    await collect((await openGet(s.base, { connections })).body);
    expect(connections.idleCount).toBe(1);
    await waitFor(() => connections.idleCount === 0, 5000, 'the idle connection to leave the pool');
    expect((await collect((await openGet(s.base, { connections })).body)).toString()).toBe('ok');
    expect(seen.connections).toBe(2);
  });

  it('a reused connection closed as the request arrives: the GET is sent again, once, on a new connection', async () => {
    // Each connection answers its first request (kept) and closes on its second without a byte of answer.
    let connectionsSeen = 0;
    let requests = 0;
    const s = servers.track(
      await listenRaw((socket) => {
        connectionsSeen += 1;
        let onThis = 0;
        socket.on('data', () => {
          requests += 1;
          onThis += 1;
          if (onThis === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
          else socket.destroy();
        });
      }),
    );
    const connections = pool();
    for (let i = 0; i < 3; i++) {
      const res = await openGet(s.base, { connections });
      expect((await collect(res.body)).toString()).toBe('hello');
    }
    // First: new connection. Second and third: the kept one closes on them, then a new one answers.
    expect(connectionsSeen).toBe(3);
    expect(requests).toBe(5);
    expect(connections.reused).toBe(2);
  });

  it('idle connections do not keep the process alive, and close() closes them', async () => {
    const { s, seen } = await counted();
    const connections = pool();
    const first = await openGet(s.base, { connections });
    const during = liveSockets();
    await collect(first.body);
    expect(connections.idleCount).toBe(1);
    // Once idle, the client's socket no longer holds the event loop (the server's side is as it was).
    expect(liveSockets()).toBe(during - 1);
    connections.close();
    expect(connections.idleCount).toBe(0);
    await waitFor(() => seen.closed === 1, 5000, 'the server to see the connection close');
    // A connection given back after close() is closed too.
    const res = await openGet(s.base, { connections });
    await collect(res.body);
    await waitFor(() => seen.closed === 2, 5000, 'the server to see the second connection close');
  });

  it('an idle connection is closed after idleTimeoutMs', async () => {
    const { s, seen } = await counted();
    const connections = pool({ idleTimeoutMs: 50 });
    await collect((await openGet(s.base, { connections })).body);
    await waitFor(() => seen.closed === 1, 5000, 'the idle connection to be closed');
    expect(connections.idleCount).toBe(0);
  });

  it('https: a kept TLS connection carries the next GET; trust (`ca`) is part of what may share one', async () => {
    let handshakes = 0;
    const s = servers.track(await listenHttps((_req, res) => res.end(pattern(50_000))));
    s.server.on('secureConnection', () => {
      handshakes += 1;
    });
    const { cert } = loopbackTls();
    const connections = pool();
    for (let i = 0; i < 3; i++)
      expect((await collect((await openGet(s.base, { connections, ca: cert })).body)).length).toBe(50_000);
    expect(handshakes).toBe(1);
    // Another trust setting never takes that connection (here: the default roots, which refuse the certificate).
    await expect(openGet(s.base, { connections })).rejects.toMatchObject({ kind: 'connect' });
    expect(connections.idleCount).toBe(1);
  });

  it('options are checked', () => {
    expect(() => new ConnectionPool({ maxIdlePerOrigin: -1 })).toThrow(/maxIdlePerOrigin/);
    expect(() => new ConnectionPool({ idleTimeoutMs: 0 })).toThrow(/idleTimeoutMs/);
  });
});

describe.skipIf(!hasRealServer('nginx'))('keep-alive against nginx', () => {
  it('GETs of several files go on one connection, one request after the other ($connection_requests)', async () => {
    const root = await tempDir('dlstate-ka-');
    const nginx = await startRealServer('nginx', {
      root: root.dir,
      extra: 'add_header X-Conn $connection; add_header X-Conn-Requests $connection_requests;',
    });
    const connections = pool();
    try {
      for (let i = 0; i < 3; i++) await fs.writeFile(path.join(root.dir, `${i}.bin`), pattern(300_000, i));
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await openGet(`${nginx.base}/${i}.bin`, { connections, leaseChunks: true });
        const parts: Buffer[] = [];
        for await (const chunk of res.body) {
          parts.push(Buffer.from(chunk));
          res.release(chunk);
        }
        expect(Buffer.concat(parts).equals(pattern(300_000, i))).toBe(true);
        seen.push(`${res.headers['x-conn']}/${res.headers['x-conn-requests']}`);
      }
      const conn = seen[0]!.split('/')[0];
      expect(seen).toEqual([`${conn}/1`, `${conn}/2`, `${conn}/3`]);
    } finally {
      connections.close();
      await nginx.stop();
      await root.remove();
    }
  });
});
