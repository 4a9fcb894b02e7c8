import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { bufferIo } from '../cli/io.js';
import { runCli } from '../cli/program.js';
import { type DownloadServer, startDownloadServer } from '../server/server.js';
import { type Breakage, startBrokenServer } from './fixtures/broken-server.js';
import type { ConformReport } from './report.js';
import { UntestableError } from './report.js';
import { runServerConformance } from './server-checks.js';

const verdicts = (report: ConformReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));

describe('dlstate conform server against the reference server', () => {
  let dir: string;
  let server: DownloadServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dlstate-conform-'));
    const data = Buffer.alloc(25_432);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    await writeFile(path.join(dir, 'picture.gif'), data);
    server = await startDownloadServer({ dir });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    verifies(['DL-PR-2', 'DL-PR-3', 'DL-PR-10'], 'passes every check, the report endpoint included (exit 0)'),
    async () => {
      const io = bufferIo();
      const code = await runCli(
        ['conform', 'server', server.ddUrl('picture.gif'), '--send-report', '900'],
        io,
      );
      expect(code, io.text.out + io.text.err).toBe(0);
      expect(io.text.out).toMatch(/17 passed, 0 failed \(MUST\), 0 warnings \(SHOULD\), 0 skipped/);
      expect(server.reports.map((r) => r.body)).toEqual(['900 Success']);
    },
  );

  it('is read-only without --send-report: no status report reaches the server', async () => {
    const before = server.reports.length;
    const report = await runServerConformance(server.ddUrl('picture.gif'));
    expect(report.checks.some((c) => c.id === 'report.post')).toBe(false);
    expect(server.reports.length).toBe(before);
    expect(report.checks.every((c) => c.verdict === 'pass')).toBe(true);
  });

  it('shows the request and response lines that decided each check', async () => {
    const report = await runServerConformance(server.ddUrl('picture.gif'));
    const tail = report.checks.find((c) => c.id === 'range.tail');
    expect(tail?.evidence).toContain('> Range: bytes=12716-25431');
    expect(tail?.evidence).toContain('< content-range: bytes 12716-25431/25432');
    const stale = report.checks.find((c) => c.id === 'range.if-match-stale');
    expect(stale?.evidence.some((l) => /^< HTTP\/1\.1 412/.test(l))).toBe(true);
  });

  it('an unreachable URL and a non-DD answer are clear errors (exit 3), not stack traces', async () => {
    const io = bufferIo();
    const gone = await runCli(['conform', 'server', 'http://127.0.0.1:1/dd/x'], io);
    expect(gone).toBe(3);
    expect(io.text.err).toMatch(
      /cannot reach the descriptor: GET http:\/\/127\.0\.0\.1:1\/dd\/x: connect ECONNREFUSED/,
    );
    const json = bufferIo();
    expect(await runCli(['conform', 'server', `${server.url}/reports`], json)).toBe(3);
    expect(json.text.err).toMatch(
      /answered application\/json without a <media> root: not a download descriptor/,
    );
    expect(json.text.err).not.toMatch(/at .*\.ts:\d+/);
    await expect(runServerConformance(`${server.url}/dd/nothing-here`)).rejects.toBeInstanceOf(
      UntestableError,
    );
  });
});

/** Which check each deliberate defect must fail, and whether that is a MUST (exit 1) or a SHOULD warning. */
const BROKEN: ReadonlyArray<readonly [Breakage, string, 'fail' | 'warn']> = [
  ['dd-content-type', 'dd.content-type', 'fail'],
  ['dd-invalid', 'dd.valid', 'fail'],
  ['media-404', 'dd.object-uri', 'fail'],
  ['updated-dd-404', 'dd.updated-dd-uri', 'warn'],
  ['ranges-unannounced', 'media.accept-ranges', 'fail'],
  ['no-ranges', 'media.range-support', 'warn'],
  ['etag-wrong', 'media.etag', 'fail'],
  ['etag-weak', 'media.etag', 'fail'],
  ['etag-unquoted', 'media.etag-syntax', 'warn'],
  ['content-length', 'media.content-length', 'fail'],
  ['content-type', 'media.content-type', 'warn'],
  ['content-range', 'range.tail', 'fail'],
  ['range-bytes', 'range.tail', 'fail'],
  ['if-match-current-refused', 'range.if-match-current', 'fail'],
  ['if-match-ignored', 'range.if-match-stale', 'fail'],
  ['no-416', 'range.unsatisfiable', 'warn'],
  ['range-before-if-match', 'range.if-match-first', 'fail'],
  ['report-refused', 'report.post', 'fail'],
];

describe('every server check fails on a server broken for it', () => {
  it('the unbroken fixture passes every check', async () => {
    const fixture = await startBrokenServer('none');
    try {
      const report = await runServerConformance(fixture.ddUrl, { sendReport: 900 });
      expect(report.checks.filter((c) => c.verdict !== 'pass')).toEqual([]);
    } finally {
      await fixture.close();
    }
  });

  for (const [breakage, id, expected] of BROKEN) {
    it(`${breakage} → ${id} ${expected === 'fail' ? 'fails (exit 1)' : 'warns (exit 0)'}`, async () => {
      const fixture = await startBrokenServer(breakage);
      try {
        const io = bufferIo();
        const code = await runCli(['conform', 'server', fixture.ddUrl, '--send-report', '900', '--json'], io);
        const report = JSON.parse(io.text.out) as ConformReport;
        const failed = report.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
        expect(failed).toContain(id);
        expect(code).toBe(expected === 'fail' ? 1 : 0);
        if (expected === 'warn') expect(failed).toEqual([id]);
      } finally {
        await fixture.close();
      }
    });
  }

  it(
    verifies(
      'DL-PR-3',
      "the seed's unquoted objectID/objectVersion passes DL-PR-3 and warns on RFC 9110 syntax",
    ),
    async () => {
      const fixture = await startBrokenServer('etag-unquoted');
      try {
        const v = verdicts(await runServerConformance(fixture.ddUrl));
        expect(v['media.etag']).toBe('pass');
        expect(v['media.etag-syntax']).toBe('fail');
      } finally {
        await fixture.close();
      }
    },
  );
});

const NGINX = '/usr/sbin/nginx';

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe.skipIf(!existsSync(NGINX) && !process.env.CI)(
  'dlstate conform server against nginx from Debian',
  () => {
    let prefix: string;
    let stop: () => Promise<void>;
    let port: number;
    beforeAll(async () => {
      if (!existsSync(NGINX))
        throw new Error(`no nginx at ${NGINX}; .ci/run must apt-get install nginx-light`);
      prefix = await mkdtemp(path.join(tmpdir(), 'dlstate-nginx-'));
      await mkdir(path.join(prefix, 'www'));
      await mkdir(path.join(prefix, 'tmp'));
      const data = Buffer.alloc(25_432);
      for (let i = 0; i < data.length; i++) data[i] = (i * 11 + 5) & 0xff;
      await writeFile(path.join(prefix, 'www', 'picture.gif'), data);
      // A hand-written DD 1.0 with relative URIs, as a site would put next to its files.
      await writeFile(
        path.join(prefix, 'www', 'picture.dd'),
        `<?xml version="1.0" encoding="UTF-8"?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <name>Picture</name>
  <type>image/gif</type>
  <size>25432</size>
  <objectURI>picture.gif</objectURI>
  <objectID>picture@example.com</objectID>
  <objectVersion>1.1</objectVersion>
  <updatedDDURI>picture.dd</updatedDDURI>
</media>
`,
      );
      // The port goes into the config, so find a free one first (the OS picks it, we close and reuse it).
      port = await freePort();
      const t = (name: string) => path.join(prefix, 'tmp', name);
      await writeFile(
        path.join(prefix, 'nginx.conf'),
        `daemon off;
master_process off;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'error.log')} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${t('body')}; proxy_temp_path ${t('proxy')}; fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')}; scgi_temp_path ${t('scgi')};
  types { image/gif gif; application/vnd.oma.dd+xml dd; }
  server { listen 127.0.0.1:${port}; root ${path.join(prefix, 'www')}; }
}
`,
      );
      const child = spawn(
        NGINX,
        ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log')],
        {
          stdio: 'ignore',
        },
      );
      stop = () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      // Bounded wait until nginx listens.
      for (let i = 0; i < 100; i++) {
        const up = await fetch(`http://127.0.0.1:${port}/picture.dd`).then(
          () => true,
          () => false,
        );
        if (up) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(
        `nginx did not listen on ${port}: ${await readFile(path.join(prefix, 'error.log'), 'utf8').catch(() => '')}`,
      );
    });
    afterAll(async () => {
      await stop?.();
      await rm(prefix, { recursive: true, force: true });
    });

    it(
      verifies(
        'DL-PR-3',
        'nginx is reported for DL-PR-3 (its ETag is not objectID/objectVersion) and passes the range checks',
      ),
      async () => {
        const io = bufferIo();
        const code = await runCli(['conform', 'server', `http://127.0.0.1:${port}/picture.dd`, '--json'], io);
        const report = JSON.parse(io.text.out) as ConformReport;
        const v = verdicts(report);
        expect(code).toBe(1);
        expect(v['media.etag']).toBe('fail');
        expect(report.checks.find((c) => c.id === 'media.etag')?.detail).toMatch(
          /is not objectID\/objectVersion; expected "picture@example\.com\/1\.1"/,
        );
        for (const id of [
          'dd.content-type',
          'dd.valid',
          'dd.object-uri',
          'dd.updated-dd-uri',
          'media.accept-ranges',
          'media.etag-syntax',
          'media.content-length',
          'range.tail',
          'range.if-match-current',
          'range.if-match-stale',
          'range.unsatisfiable',
          'range.if-match-first',
        ])
          expect([id, v[id]]).toEqual([id, 'pass']);
      },
    );
  },
);
