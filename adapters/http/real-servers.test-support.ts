/**
 * Test helpers: real Debian web servers (nginx, lighttpd) started by a test on 127.0.0.1 with a port the OS
 * chose, from a temporary configuration and prefix directory that `stop()` removes. `.ci/run` installs
 * `nginx-light` and `lighttpd`; {@link hasRealServer} lets a suite say it needs one.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The binaries, where Debian installs them. */
export const REAL_SERVER_BINARIES = { nginx: '/usr/sbin/nginx', lighttpd: '/usr/sbin/lighttpd' } as const;

/** Which real server. */
export type RealServerKind = keyof typeof REAL_SERVER_BINARIES;

/** A running real server. */
export interface RealServer {
  readonly kind: RealServerKind;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** The directory it serves. */
  readonly root: string;
  /** The server's own log (errors), for a failing test's message. */
  log(): Promise<string>;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its prefix directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRealServer}. */
export interface RealServerOptions {
  /** The directory served at `/`. */
  readonly root: string;
  /**
   * Extra configuration: nginx directives inside `server { … }` (e.g. `etag off; limit_rate 256k;`), or
   * lighttpd lines (e.g. `connection.kbytes-per-second = 256`).
   */
  readonly extra?: string;
}

/** Whether the binary of `kind` is installed here. */
export function hasRealServer(kind: RealServerKind): boolean {
  return existsSync(REAL_SERVER_BINARIES[kind]);
}

const MIME = { dd: 'application/vnd.oma.dd+xml', dd2: 'application/vnd.oma.dd2+xml' } as const;

function nginxConfig(prefix: string, port: number, options: RealServerOptions): string {
  const temp = (name: string) => `${name}_temp_path ${path.join(prefix, `${name}-temp`)};`;
  return `daemon off;
master_process off;
worker_processes 1;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'error.log')} warn;
events { worker_connections 64; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  default_type application/octet-stream;
  types { ${MIME.dd} dd; ${MIME.dd2} dd2; }
  server {
    listen 127.0.0.1:${port};
    root ${options.root};
    ${options.extra ?? ''}
  }
}
`;
}

function lighttpdConfig(prefix: string, port: number, options: RealServerOptions): string {
  return `server.document-root = "${options.root}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${path.join(prefix, 'error.log')}"
server.modules = ()
mimetype.assign = (".dd2" => "${MIME.dd2}", ".dd" => "${MIME.dd}", "" => "application/octet-stream")
${options.extra ?? ''}
`;
}

/** A port the OS picks for a moment (listen on 0, read it, close): the server binds it right after. */
async function osChosenPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** Waits (bounded: 100 × 50 ms) until the server accepts connections; false when it exited or never did. */
async function ready(child: ChildProcess, port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await connects(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * Starts nginx or lighttpd serving `options.root` on 127.0.0.1 (port chosen by the OS; three attempts when
 * another process takes the port in between). Throws with the server's log when it does not come up.
 */
export async function startRealServer(kind: RealServerKind, options: RealServerOptions): Promise<RealServer> {
  const prefix = await fs.mkdtemp(path.join(os.tmpdir(), `dlstate-${kind}-`));
  const logPath = path.join(prefix, 'error.log');
  const log = () => fs.readFile(logPath, 'utf8').catch(() => '');
  let output = '';
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await osChosenPort();
      const conf = path.join(prefix, `${kind}.conf`);
      const args = kind === 'nginx' ? ['-p', prefix, '-c', conf, '-e', logPath] : ['-D', '-f', conf];
      await fs.writeFile(
        conf,
        kind === 'nginx' ? nginxConfig(prefix, port, options) : lighttpdConfig(prefix, port, options),
      );
      const child = spawn(REAL_SERVER_BINARIES[kind], args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('error', (error) => {
        output += String(error);
      });
      if (await ready(child, port)) {
        return {
          kind,
          port,
          base: `http://127.0.0.1:${port}`,
          root: options.root,
          log,
          stop: async () => {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
            await exited(child);
            clearTimeout(timer);
            await fs.rm(prefix, { recursive: true, force: true });
          },
        };
      }
      child.kill('SIGKILL');
      await exited(child);
    }
    throw new Error(`${kind} did not start: ${output}${await log()}`);
  } catch (error) {
    await fs.rm(prefix, { recursive: true, force: true });
    throw error;
  }
}
