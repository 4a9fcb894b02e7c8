/**
 * Connections, and the pool that keeps them open between requests (HTTP/1.1 persistence, RFC 9112 §9.3).
 *
 * A {@link Connection} is one socket with its {@link ReadPool}; the exchange that owns it (its
 * {@link ConnectionUser}) gets its reads and socket events. A {@link ConnectionPool} is opt-in (`openGet`'s
 * `connections` option): a GET or HEAD given one sends no `Connection: close`, takes an idle connection to the
 * same origin when there is one, and gives its connection back once the response was read to its end, every
 * leased chunk released, and nothing wrong seen — the server asked to keep it, no byte came after the message.
 * Anything else (an abort, a failure, a body left unread, a redirect hop) closes it, as without a pool.
 *
 * An idle connection is read, so a server's close is seen at once, does not keep the process alive (unref'd),
 * and keeps the read buffers its pool allocated (at most `readPoolBuffers` × `readBufferBytes`, 1 MiB by default)
 * until it is taken again or closed (after `idleTimeoutMs`). A request that finds its reused connection closed
 * before any byte of the answer is sent once more on a new connection: the server may close an idle connection at
 * any moment (§9.3.1), and only idempotent requests are ever pooled.
 *
 * @module
 */
import type net from 'node:net';
import { ReadPool } from './pool.js';
import { openSocket } from './socket.js';
import type { Endpoint } from './wire.js';

/** Idle connections kept per origin (and read-pool shape). @default 8 */
export const DEFAULT_MAX_IDLE_PER_ORIGIN = 8;
/**
 * How long an idle connection is kept, in ms: below the 5 s of Node's own server (`keepAliveTimeout`) and the
 * 75 s of nginx, so the client, not the server, usually closes it. @default 4000
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 4000;

/** What receives a connection's reads and socket events while it carries an exchange. */
export interface ConnectionUser {
  /** The socket is connected (TLS: handshake done): the request can be written. */
  onConnected(): void;
  /** `length` bytes were read into `region`; false stops reading until `Connection.resume`. */
  onRead(length: number, region: Buffer): boolean;
  onEnd(): void;
  onError(error: Error): void;
  onClose(): void;
  /** The socket's idle timer (`setTimeout`) ran out. */
  onIdle(): void;
}

/** How a connection reads and what it trusts. */
export interface ConnectionOptions {
  readBufferBytes?: number | undefined;
  readPoolBuffers?: number | undefined;
  ca?: string | Buffer | undefined;
}

/** Which idle connections may carry a request: same endpoint, same trust, same read pool shape. */
export function connectionKey(endpoint: Endpoint, options: ConnectionOptions): string {
  const ca = options.ca === undefined ? '' : Buffer.from(options.ca).toString('base64');
  const scheme = endpoint.tls ? 'https' : 'http';
  return `${scheme}://${endpoint.host}:${endpoint.port} ${endpoint.servername ?? ''} ${options.readBufferBytes ?? ''}x${options.readPoolBuffers ?? ''} ${ca}`;
}

/** One socket, its read pool, and the exchange it carries (none while idle). */
export class Connection {
  readonly key: string;
  readonly socket: net.Socket;
  readonly pool: ReadPool;
  /** Exchanges given to this connection so far (the first makes it 1). */
  uses = 0;
  #user: ConnectionUser | undefined;
  /** Called once the connection is closed while idle (the pool drops it). */
  onGone: (() => void) | undefined;

  constructor(endpoint: Endpoint, key: string, options: ConnectionOptions) {
    this.key = key;
    this.pool = new ReadPool(options.readBufferBytes, options.readPoolBuffers);
    // Reads land in the pool's buffers: no body buffer is allocated per read.
    const onread: net.OnReadOpts = {
      buffer: () => this.pool.take(),
      callback: (length, buffer) => {
        if (this.#user) return this.#user.onRead(length, buffer as Buffer);
        // A byte from the server while no request is out: nothing can be framed by it.
        this.destroy();
        return false;
      },
    };
    const { socket, readyEvent } = openSocket(endpoint, onread, options.ca);
    this.socket = socket;
    socket.once(readyEvent, () => this.#user?.onConnected());
    socket.on('end', () => (this.#user ? this.#user.onEnd() : this.destroy()));
    socket.on('error', (error) => (this.#user ? this.#user.onError(error) : this.destroy()));
    socket.on('timeout', () => this.#user?.onIdle());
    socket.on('close', () => {
      // The socket reads nothing more: buffers without unreleased views go to the next connections.
      this.pool.dispose();
      const user = this.#user;
      if (user) user.onClose();
      else this.onGone?.();
    });
  }

  /** Whether the socket is closed or closing. */
  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  /** Gives the connection's reads and events to `user` (one at a time). */
  attach(user: ConnectionUser): void {
    this.#user = user;
    this.uses += 1;
  }

  /** Takes them back (the connection is idle or closing). */
  detach(): void {
    this.#user = undefined;
  }

  /** Reads again after `onRead` returned false. */
  resume(): void {
    this.socket.resume();
  }

  /** Closes the socket (no more reads or events for its user). */
  destroy(): void {
    this.#user = undefined;
    if (!this.socket.destroyed) {
      this.socket.setTimeout(0);
      this.socket.destroy();
    }
  }
}

/** Options of a {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Idle connections kept per origin; more are closed as they come back. @default DEFAULT_MAX_IDLE_PER_ORIGIN */
  maxIdlePerOrigin?: number;
  /** An idle connection is closed after this long, in ms. @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number;
}

interface Idle {
  readonly connection: Connection;
  readonly timer: NodeJS.Timeout;
}

/** Idle connections by origin, for requests that may reuse one. Close it when done (`close()`). */
export class ConnectionPool {
  readonly #maxIdle: number;
  readonly #idleTimeoutMs: number;
  readonly #idle = new Map<string, Idle[]>();
  #closed = false;
  /** Connections taken from the pool (reused) so far. */
  reused = 0;

  constructor(options: ConnectionPoolOptions = {}) {
    this.#maxIdle = options.maxIdlePerOrigin ?? DEFAULT_MAX_IDLE_PER_ORIGIN;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!Number.isInteger(this.#maxIdle) || this.#maxIdle < 0)
      throw new RangeError(`maxIdlePerOrigin must be an integer >= 0 (got ${this.#maxIdle})`);
    if (!(this.#idleTimeoutMs > 0))
      throw new RangeError(`idleTimeoutMs must be > 0 (got ${this.#idleTimeoutMs})`);
  }

  /** The most recently idled open connection for `key`, taken out of the pool; none: undefined. */
  take(key: string): Connection | undefined {
    const list = this.#idle.get(key);
    for (let idle = list?.pop(); idle !== undefined; idle = list?.pop()) {
      clearTimeout(idle.timer);
      const { connection } = idle;
      connection.onGone = undefined;
      if (connection.destroyed) continue;
      connection.socket.ref();
      this.reused += 1;
      if (list?.length === 0) this.#idle.delete(key);
      return connection;
    }
    this.#idle.delete(key);
    return undefined;
  }

  /** Keeps a detached, open connection for the next request to its origin (or closes it: pool full or closed). */
  give(connection: Connection): void {
    const list = this.#idle.get(connection.key) ?? [];
    if (this.#closed || connection.destroyed || list.length >= this.#maxIdle) {
      connection.destroy();
      return;
    }
    const drop = () => {
      const at = list.indexOf(idle);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0 && this.#idle.get(connection.key) === list) this.#idle.delete(connection.key);
    };
    const timer = setTimeout(() => {
      drop();
      connection.destroy();
    }, this.#idleTimeoutMs);
    timer.unref();
    const idle: Idle = { connection, timer };
    connection.onGone = () => {
      clearTimeout(timer);
      drop();
    };
    // An idle socket never keeps the process alive.
    connection.socket.unref();
    list.push(idle);
    this.#idle.set(connection.key, list);
  }

  /** Idle connections now (all origins). */
  get idleCount(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** Closes every idle connection; connections given back later are closed too. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) {
      for (const { connection, timer } of list.splice(0)) {
        clearTimeout(timer);
        connection.onGone = undefined;
        connection.destroy();
      }
    }
    this.#idle.clear();
  }
}
