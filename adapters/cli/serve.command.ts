import { type Command, InvalidArgumentError } from 'commander';
import { type CliIo, directoryArgument } from './io.js';

/** `dlstate serve <dir>`: runs the reference Download Server until interrupted. */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description(
      'run the reference Download Server: a DD 2.0 at /dd/<name> for each file of <dir>, the object at /media/<name>, status reports at /notify/<name>, GET /reports',
    )
    .argument(
      '<dir>',
      'directory whose files are served (a sidecar <name>.dd.json may override descriptor fields)',
      directoryArgument,
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--reports <file>',
      'JSON-lines file the received status reports are appended to, kept across restarts; GET /reports?from=&limit= pages through it (default: <dir>/.dlstate-server/reports.jsonl)',
    )
    .action(async (dir: string, opts: { port: number; host: string; reports?: string }) => {
      const { startDownloadServer } = await import('../server/server.js');
      const server = await startDownloadServer({
        dir,
        port: opts.port,
        host: opts.host,
        ...(opts.reports === undefined ? {} : { reports: opts.reports }),
        onRequest: (r) =>
          io.err(
            `${r.method} ${r.url} ${r.status} ${r.bodyBytes}B${r.headers.range ? ` range=${r.headers.range}` : ''}${r.headers['if-match'] ? ` if-match=${r.headers['if-match']}` : ''}\n`,
          ),
      });
      io.out(`dlstate reference Download Server listening on ${server.url}\n`);
      io.out(`descriptors: ${server.url}/  reports: ${server.url}/reports (kept in ${server.reportsFile})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`a port is a whole number 0…65535, got ${JSON.stringify(value)}`);
  return port;
}
