import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { bufferIo } from '../cli/io.js';
import { runCli } from '../cli/program.js';
import { typecheck } from './compile.test-support.js';
import { packageRoot } from './generate.js';

const root = packageRoot();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// A third party's client: implements the generated port with in-memory fakes, knows nothing of this repo.
const client = `import type { DlotaEvent, DlotaPort } from './dlota.port.js';

const SIZE = 5;
const DD = \`<?xml version="1.0" encoding="UTF-8"?>
<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="2.0">
  <product>
    <meta><name>Logo</name><installNotifyURI>/notify/logo</installNotifyURI></meta>
    <mediaObject><size>\${SIZE}</size><type>image/png</type><objectURI><server>logo.png</server></objectURI></mediaObject>
  </product>
</media>\`;

/** Fakes for the descriptor server, the HTTP client, storage, the user and the report endpoint. */
export class FakeClient implements DlotaPort {
  readonly log: string[] = [];
  send: (event: DlotaEvent) => void = () => {};

  private later(...events: DlotaEvent[]): void {
    queueMicrotask(() => {
      for (const event of events) this.send(event);
    });
  }
  fetchDescriptor(params: Parameters<DlotaPort['fetchDescriptor']>[0]): void {
    this.log.push(\`GET \${params.url}\`);
    this.later({ type: 'DESCRIPTOR.LOADED', body: DD, url: params.url, contentType: 'application/vnd.oma.dd2+xml' });
  }
  queryFreeSpace(params: Parameters<DlotaPort['queryFreeSpace']>[0]): void {
    this.log.push(\`free? \${params.requiredBytes}\`);
    this.later({ type: 'FREE_SPACE.MEASURED', bytes: 1_000_000 });
  }
  askConfirmation(): void {
    this.log.push('confirm?');
    this.later({ type: 'USER.CONFIRMED' });
  }
  httpGet(params: Parameters<DlotaPort['httpGet']>[0]): void {
    this.log.push(\`GET \${params.url} @\${params.offset}\`);
    this.later(
      { type: 'RESPONSE.HEADERS', status: 200, acceptRanges: 'bytes', etag: '"v1"', contentLength: SIZE, contentType: 'image/png' },
      { type: 'BODY.DURABLE', offset: SIZE },
      { type: 'BODY.END', offset: SIZE },
    );
  }
  abortTransfer(): void {
    this.log.push('abort');
  }
  discardPartial(params: Parameters<DlotaPort['discardPartial']>[0]): void {
    this.log.push(\`discard \${params.scope}\`);
  }
  preInstall(params: Parameters<DlotaPort['preInstall']>[0]): void {
    this.log.push(\`preInstall \${params.files.length}\`);
    this.later({ type: 'INSTALL.PREPARED' });
  }
  commitObject(params: Parameters<DlotaPort['commitObject']>[0]): void {
    this.log.push(\`commit \${params.files.length}\`);
  }
  postReport(params: Parameters<DlotaPort['postReport']>[0]): void {
    this.log.push(\`POST \${params.url} \${params.body}\`);
    this.later({ type: 'REPORT.ACCEPTED' });
  }
  startTimer(params: Parameters<DlotaPort['startTimer']>[0]): void {
    this.log.push(\`timer \${params.name}\`);
  }
  cancelTimer(params: Parameters<DlotaPort['cancelTimer']>[0]): void {
    this.log.push(\`cancel \${params.name}\`);
  }
}
`;

const main = (machineUrl: string) => `import { createActor } from 'xstate';
import { dlotaMachine } from '${machineUrl}';
import { FakeClient } from './client.ts';
import { dlotaPortActions } from './dlota.port.ts';

const port = new FakeClient();
const actor = createActor(dlotaMachine.provide({ actions: dlotaPortActions(port) }), {
  input: { ddUrl: 'http://dl.example/dd/logo.dd2', supportedTypes: ['image/*'] },
});
port.send = (event) => actor.send(event);
const timer = setTimeout(() => {
  console.log(JSON.stringify({ timeout: true, log: port.log, state: actor.getSnapshot().value }));
  process.exit(2);
}, 5000);
actor.subscribe({
  complete: () => {
    clearTimeout(timer);
    console.log(JSON.stringify({ output: actor.getSnapshot().output, log: port.log }));
  },
});
actor.start();
`;

describe('a third-party client of the generated DLOTA port', () => {
  it(
    verifies(
      ['DL-RET-2', 'DL-INST-2'],
      'implements the standalone port with fakes, runs dlotaMachine and reaches 900',
    ),
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dlstate-client-'));
      dirs.push(dir);
      const io = bufferIo();
      expect(await runCli(['generate', 'ports', '--machine', 'dlota', '--out', dir], io)).toBe(0);
      const port = readFileSync(join(dir, 'dlota.port.ts'), 'utf8');
      // Standalone: every type is inlined, nothing refers back to this repo.
      expect(port).not.toMatch(/from '/);

      // The client typechecks strict against the port alone; a missing member would be an error.
      expect(typecheck(dir, { 'dlota.port.ts': port, 'client.ts': client })).toEqual([]);

      // Run it: xstate as the third party installs it, the machine imported from this repo by absolute URL.
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(join(root, 'node_modules', 'xstate'), join(dir, 'node_modules', 'xstate'), 'dir');
      writeFileSync(join(dir, 'main.ts'), main(pathToFileURL(join(root, 'machines/dlota/index.ts')).href));
      const tsx = import.meta.resolve('tsx');
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, 'main.ts'], {
        cwd: dir,
        timeout: 20_000,
      });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        output?: { statusCode: number };
        log: string[];
      };
      expect(result.output).toMatchObject({ statusCode: 900 });
      expect(result.log).toEqual(
        expect.arrayContaining([
          'GET http://dl.example/dd/logo.dd2',
          'GET http://dl.example/dd/logo.png @0',
          'POST http://dl.example/notify/logo 900 Success',
        ]),
      );
    },
  );
});
