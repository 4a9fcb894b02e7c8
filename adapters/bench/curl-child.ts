/**
 * Runs curl for the transfers bench (forked once, with an IPC channel), so the process that hosts the download
 * manager never forks between its measured runs. A fork of that process write-protects its pages for
 * copy-on-write; its next run then takes a page fault on each page it writes (about 1 400 per 64 × 1 MiB run,
 * measured), and a run right after a curl spawned from it was 20–30% slower than one after a curl spawned from
 * another process. A download manager in use does not fork per batch.
 *
 * Message in: `{ args }` (curl's arguments). Message out: `{ ms, code, stderr }`, `ms` from the spawn to curl's exit.
 *
 * @module
 */
import { spawn } from 'node:child_process';

interface CurlRequest {
  readonly args: string[];
  readonly timeoutMs: number;
}

process.on('message', (message: CurlRequest) => {
  const t = process.hrtime.bigint();
  const child = spawn('curl', message.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), message.timeoutMs);
  child.on('close', (code) => {
    clearTimeout(timer);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    process.send?.({ ms, code, stderr });
  });
});
