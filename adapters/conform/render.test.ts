import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../cli/io.js';
import { runCli } from '../cli/program.js';
import { type BrokenServer, startBrokenServer } from './fixtures/broken-server.js';
import { renderJunit, renderTable } from './render.js';
import type { ConformReport } from './report.js';

interface JunitCase {
  name: string;
  classname: string;
  failure?: { message: string; type: string; text: string };
  skipped?: string;
  out?: string;
}

/** Parses JUnit XML strictly (saxes) into suites' attributes and test cases; throws on any XML error. */
function parseJunit(xml: string): { suites: Record<string, string>[]; cases: JunitCase[] } {
  const parser = new SaxesParser({ position: true });
  const suites: Record<string, string>[] = [];
  const cases: JunitCase[] = [];
  let current: JunitCase | undefined;
  let text = '';
  let inside: string | undefined;
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('doctype', () => {
    throw new Error('unexpected DOCTYPE');
  });
  parser.on('opentag', (tag) => {
    const attrs = tag.attributes as Record<string, string>;
    if (tag.name === 'testsuite') suites.push(attrs);
    if (tag.name === 'testcase') current = { name: attrs.name ?? '', classname: attrs.classname ?? '' };
    if (tag.name === 'skipped' && current) current.skipped = attrs.message ?? '';
    if (tag.name === 'failure' && current)
      current.failure = { message: attrs.message ?? '', type: attrs.type ?? '', text: '' };
    inside = tag.name;
    text = '';
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'failure' && current?.failure) current.failure.text = text;
    if (tag.name === 'system-out' && current) current.out = text;
    if (tag.name === 'testcase' && current) {
      cases.push(current);
      current = undefined;
    }
    inside = undefined;
  });
  parser.write(xml).close();
  void inside;
  return { suites, cases };
}

const NASTY: ConformReport = {
  kind: 'server',
  target: 'http://127.0.0.1:1/dd?a=1&b=<2>',
  checks: [
    {
      id: 'media.etag',
      title: 'ETag',
      clauses: ['DL-PR-3'],
      strength: 'MUST',
      verdict: 'fail',
      detail: 'ETag "a&b" <is> not \'x\'',
      evidence: ['< etag: "]]>\u0001\u001b[31m"', '> GET /x?a=1&b=2 HTTP/1.1'],
    },
    {
      id: 'media.etag-syntax',
      title: 'syntax',
      clauses: ['RFC 9110 §8.8.3'],
      strength: 'SHOULD',
      verdict: 'fail',
      detail: 'not quoted',
      evidence: [],
    },
    {
      id: 'range.tail',
      title: 'tail',
      clauses: ['DL-PR-7'],
      strength: 'MUST',
      verdict: 'skip',
      detail: 'no ranges',
      evidence: [],
    },
    {
      id: 'dd.fetch',
      title: 'fetch',
      clauses: ['DL-DD-1'],
      strength: 'MUST',
      verdict: 'pass',
      detail: '200 OK',
      evidence: [],
    },
  ],
};

describe('conform outputs', () => {
  it('JUnit XML parses back strictly; markup, quotes and control characters are escaped, not lost', () => {
    const { suites, cases } = parseJunit(renderJunit(NASTY));
    expect(suites).toHaveLength(1);
    expect(suites[0]).toMatchObject({ tests: '4', failures: '1', skipped: '1', errors: '0' });
    expect(cases.map((c) => c.name)).toEqual([
      'media.etag [DL-PR-3] MUST',
      'media.etag-syntax [RFC 9110 §8.8.3] SHOULD',
      'range.tail [DL-PR-7] MUST',
      'dd.fetch [DL-DD-1] MUST',
    ]);
    const [etag, syntax, tail, fetch] = cases;
    expect(etag?.failure?.message).toBe('ETag "a&b" <is> not \'x\'');
    expect(etag?.failure?.text).toBe('< etag: "]]>\uFFFD\uFFFD[31m"\n> GET /x?a=1&b=2 HTTP/1.1');
    // A failed SHOULD check is a warning: not a <failure>, so CI agrees with exit code 0.
    expect(syntax?.failure).toBeUndefined();
    expect(syntax?.out).toMatch(/^warning \(SHOULD\): not quoted/);
    expect(tail?.skipped).toBe('no ranges');
    expect(fetch?.failure).toBeUndefined();
  });

  it('the table names every check with its verdict, and prints the evidence of failures', () => {
    const text = renderTable(NASTY);
    expect(text).toMatch(/^FAIL\s+MUST\s+media\.etag\s+DL-PR-3/m);
    expect(text).toMatch(/^WARN\s+SHOULD\s+media\.etag-syntax/m);
    expect(text).toMatch(/^SKIP\s+MUST\s+range\.tail/m);
    expect(text).toContain('    > GET /x?a=1&b=2 HTTP/1.1');
    expect(text.trimEnd().endsWith('1 passed, 1 failed (MUST), 1 warning (SHOULD), 1 skipped')).toBe(true);
  });
});

describe('conform server --junit --html --json from a real run', () => {
  let work: string;
  let fixture: BrokenServer;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'dlstate-conform-out-'));
    fixture = await startBrokenServer('etag-wrong');
  });
  afterAll(async () => {
    await fixture?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('writes JUnit whose failures are exactly the failed MUST checks of the JSON report', async () => {
    const junit = path.join(work, 'server.xml');
    const html = path.join(work, 'server.html');
    const io = bufferIo();
    const code = await runCli(
      ['conform', 'server', fixture.ddUrl, '--json', '--junit', junit, '--html', html],
      io,
    );
    expect(code).toBe(1);
    const report = JSON.parse(io.text.out) as ConformReport & { summary: { failed: number } };
    const { cases } = parseJunit(await readFile(junit, 'utf8'));
    expect(cases).toHaveLength(report.checks.length);
    const failedInJunit = cases.filter((c) => c.failure).map((c) => c.name.split(' ')[0]);
    const failedMust = report.checks
      .filter((c) => c.verdict === 'fail' && c.strength === 'MUST')
      .map((c) => c.id);
    expect(failedInJunit).toEqual(failedMust);
    expect(failedMust).toContain('media.etag');
    expect(report.summary.failed).toBe(failedMust.length);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('media.etag');
    expect(page).not.toMatch(/<(script|link|img)\b[^>]*(src|href)=/);
  });
});
