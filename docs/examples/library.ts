/**
 * The getting-started library example: the reference Download Server on loopback and the DLOTA agent machine
 * run with `createActor`. The machine only *requests* effects; the few functions given to `provide` perform
 * them (here in memory, with fetch) and send the outcome back as events. Run it with
 * `node --import tsx docs/examples/library.ts`.
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DownloadOutput, dlotaMachine } from 'dlstate/machines';
import { startDownloadServer } from 'dlstate/server';
import { createActor, toPromise } from 'xstate';

/** Serves one small file, downloads it with the machine and returns the machine's output (status 900). */
export async function downloadHello(): Promise<{ output: DownloadOutput; states: string[]; body: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dlstate-example-'));
  await writeFile(join(dir, 'hello.txt'), 'Hello from the reference Download Server!\n');
  const server = await startDownloadServer({ dir }); // 127.0.0.1, a free port
  const received: Uint8Array[] = [];

  const agent = createActor(
    dlotaMachine.provide({
      actions: {
        fetchDescriptor: (_, { url }) => {
          void fetch(url).then(async (res) =>
            agent.send({
              type: 'DESCRIPTOR.LOADED',
              url,
              body: await res.text(),
              contentType: res.headers.get('content-type') ?? undefined,
            }),
          );
        },
        queryFreeSpace: () => agent.send({ type: 'FREE_SPACE.MEASURED', bytes: 1 << 30 }),
        httpGet: (_, { url }) => {
          void fetch(url).then(async (res) => {
            agent.send({
              type: 'RESPONSE.HEADERS',
              status: res.status,
              acceptRanges: res.headers.get('accept-ranges') ?? undefined,
              etag: res.headers.get('etag') ?? undefined,
              contentLength: Number(res.headers.get('content-length')),
              contentType: res.headers.get('content-type') ?? undefined,
            });
            const bytes = new Uint8Array(await res.arrayBuffer());
            received.push(bytes);
            agent.send({ type: 'BODY.END', offset: bytes.length });
          });
        },
        preInstall: () => agent.send({ type: 'INSTALL.PREPARED' }),
        postReport: (_, { url, body }) => {
          void fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } }).then((res) =>
            agent.send(
              res.status === 200
                ? { type: 'REPORT.ACCEPTED' }
                : { type: 'REPORT.FAILED', status: res.status },
            ),
          );
        },
      },
    }),
    { input: { ddUrl: server.ddUrl('hello.txt'), supportedTypes: ['text/plain'], preConfirmed: true } },
  );

  const states: string[] = [];
  agent.subscribe((snapshot) => states.push(JSON.stringify(snapshot.value)));
  agent.start();
  try {
    const output = await toPromise(agent);
    return { output, states, body: Buffer.concat(received).toString('utf8') };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { output, states } = await downloadHello();
  console.log(states.join('\n'));
  console.log(output.statusLine, output.installed ? '(installed)' : '');
}
