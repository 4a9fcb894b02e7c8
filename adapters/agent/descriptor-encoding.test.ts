import { promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfirmationRequest } from '../../machines/dlota/download.types.js';
import { verifies } from '../../property-tests/verifies.js';
import { startAgent } from './agent.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const OBJECT = Buffer.from('the object, 36 bytes long, exactly.\n');

const dd = (encoding: string) => `<?xml version="1.0" encoding="${encoding}"?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <name>Café</name><type>text/plain</type><size>${OBJECT.length}</size><objectURI>/object.txt</objectURI>
</media>`;

/** Serves one descriptor's bytes at /dd (media type without charset) and the object at /object.txt. */
async function serve(descriptor: Buffer): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/dd') {
      res.writeHead(200, { 'content-type': 'application/vnd.oma.dd+xml' });
      return res.end(descriptor);
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': OBJECT.length });
    res.end(OBJECT);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dd`;
}

async function fetchWith(descriptor: Buffer) {
  const base = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-encoding-'));
  cleanups.push(() => fs.rm(base, { recursive: true, force: true }));
  const asked: ConfirmationRequest[] = [];
  const out = path.join(base, 'out');
  const result = await startAgent({
    ddUrl: await serve(descriptor),
    outDir: out,
    stateDir: path.join(out, '.dlstate'),
    confirm: async (request) => {
      asked.push(request);
      return true;
    },
  }).result;
  if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
  return { output: result.output, asked, out };
}

describe('descriptor text decoding against a loopback server (XML 1.0 §4.3.3)', () => {
  it.each([
    ['UTF-16LE with BOM', Buffer.from(`\ufeff${dd('UTF-16')}`, 'utf16le')],
    ['UTF-16BE with BOM', Buffer.from(`\ufeff${dd('UTF-16')}`, 'utf16le').swap16()],
    ['declared and encoded ISO-8859-1', Buffer.from(dd('ISO-8859-1'), 'latin1')],
  ])(verifies('DL-DD-1', 'a DD in %s: read right (name Café), downloaded, 900'), async (_label, bytes) => {
    const { output, asked, out } = await fetchWith(bytes);
    expect(output.statusCode).toBe(900);
    expect(asked.map((a) => a.name)).toEqual(['Café']);
    expect(await fs.readFile(path.join(out, 'object.txt'))).toEqual(OBJECT);
  });

  it(verifies('DL-DD-2', 'a DD declaring an encoding no decoder knows → 906 naming it'), async () => {
    const { output, asked } = await fetchWith(Buffer.from(dd('x-mac-klingon'), 'latin1'));
    expect(output).toMatchObject({ statusCode: 906, installed: false });
    expect(output.reason).toContain('"x-mac-klingon"');
    expect(asked).toEqual([]);
  });
});
