import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_SCENARIOS } from '../../machines/dlota/conform.scenarios.js';
import { verifies } from '../../property-tests/verifies.js';
import { bufferIo } from '../cli/io.js';
import { runCli } from '../cli/program.js';
import type { ConformReport } from './report.js';

/** Our own agent, from source (no build needed), with a short report back-off. */
const OUR_AGENT = [
  process.execPath,
  '--import',
  'tsx',
  'adapters/cli/main.ts',
  'fetch',
  '{dd}',
  '--out',
  '{out}',
  '--yes',
  '--quiet',
  '--report-retry-ms',
  '100',
];
const CURL_AGENT = ['sh', 'adapters/conform/fixtures/curl-agent.sh', '{dd}', '{out}'];

async function conform(
  args: readonly string[],
): Promise<{ code: number; report: ConformReport; err: string }> {
  const io = bufferIo();
  const code = await runCli(['conform', 'agent', '--json', ...args], io);
  return { code, report: JSON.parse(io.text.out || '{"checks":[]}') as ConformReport, err: io.text.err };
}

const check = (report: ConformReport, id: string) => report.checks.find((c) => c.id === id);

describe('dlstate conform agent', () => {
  it('--list names every scenario with the transitions it covers, and what cannot be driven', async () => {
    const io = bufferIo();
    expect(await runCli(['conform', 'agent', '--list'], io)).toBe(0);
    for (const s of AGENT_SCENARIOS) expect(io.text.out).toContain(`\n${s.id} — `);
    expect(io.text.out).toContain(
      'retrieving.resuming —RESPONSE.HEADERS→ notifying  [DL-PR-10 DL-PR-11 DL-STATUS-957]',
    );
    expect(io.text.out).toMatch(
      /Not drivable by a server[\s\S]*retrieving\.downloading —USER\.PAUSE→ retrieving\.paused/,
    );
    expect(io.text.out).toMatch(/STORAGE\.FULL[\s\S]*full storage is the device’s state/);
  });

  it(verifies(
    ['DL-PR-7', 'DL-PR-9', 'DL-PR-10', 'DL-PR-11', 'DL-PR-12'],
    'our agent passes every scenario (exit 0)',
  ), async () => {
    const { code, report } = await conform(['--', ...OUR_AGENT]);
    const notPassed = report.checks.filter((c) => c.verdict !== 'pass');
    expect(notPassed, JSON.stringify(notPassed, null, 2)).toEqual([]);
    expect(report.checks).toHaveLength(AGENT_SCENARIOS.length * 2);
    expect(code).toBe(0);
    const resume = check(report, 'cut-resume/wire');
    expect(
      resume?.evidence.some((l) =>
        /Range: bytes=70001-199999 {2}If-Match: "object\.txt\/[0-9a-f]+" {2}→ 206/.test(l),
      ),
    ).toBe(true);
    const changed = check(report, 'changed-while-paused/wire');
    expect(changed?.evidence.some((l) => /→ 412/.test(l))).toBe(true);
    expect(changed?.evidence.some((l) => /body "957 Media Object Updated"/.test(l))).toBe(true);
  }, 240_000);

  it(verifies(
    ['DL-PR-9', 'DL-PR-11'],
    'a naive `curl -C -` agent fails DL-PR-9 and the changed-object scenario (mixed bytes)',
  ), async () => {
    const { code, report } = await conform(['--', ...CURL_AGENT]);
    expect(code).toBe(1);
    expect(check(report, 'complete/wire')?.verdict).toBe('pass');
    expect(check(report, 'cut-resume/wire')).toMatchObject({ verdict: 'fail', clauses: ['DL-PR-9'] });
    expect(check(report, 'cut-resume/wire')?.detail).toMatch(
      /^no If-Match; the paused retrieval's ETag is "object\.txt\//,
    );
    expect(check(report, 'changed-while-paused/wire')).toMatchObject({
      verdict: 'fail',
      clauses: ['DL-PR-9'],
    });
    const mixed = check(report, 'changed-while-paused/installed');
    expect(mixed?.verdict).toBe('fail');
    expect(mixed?.detail).toMatch(
      /bytes 0–70000 are version 1, bytes 70001–199999 version 2: mixed bytes of two versions/,
    );
    // It posts once and gives up on a 503 (a SHOULD warning), yet leaves the object usable (DL-INST-2).
    expect(check(report, 'report-retry/wire')?.verdict).toBe('pass');
    expect(check(report, 'report-retry/should')).toMatchObject({ verdict: 'fail', clauses: ['DL-INST-12'] });
    expect(check(report, 'report-retry/installed')).toMatchObject({
      verdict: 'fail',
      clauses: ['DL-PR-5', 'DL-INST-2', 'DL-INST-11'],
    });
    // Every other scenario's wire check fails: the script reports 900 whatever happened.
    for (const s of AGENT_SCENARIOS.filter((x) => x.id !== 'complete' && x.id !== 'report-retry'))
      expect([s.id, check(report, `${s.id}/wire`)?.verdict]).toEqual([s.id, 'fail']);
    expect(check(report, 'not-found/wire')?.detail).toMatch(
      /reported "900 Success"; the machine reports "954 Loader Error"/,
    );
    expect(check(report, 'cut-no-accept-ranges/wire')?.detail).toMatch(/expected POST "903 Loss of Service"/);
  }, 240_000);

  it('a truncated installation fails the installed-bytes check while the wire passes (--junit, --html)', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'dlstate-conform-agent-out-'));
    try {
      const junit = path.join(work, 'agent.xml');
      const html = path.join(work, 'agent.html');
      const args = [
        '--scenario',
        'complete',
        '--junit',
        junit,
        '--html',
        html,
        '--',
        ...CURL_AGENT,
        'truncate',
      ];
      const { code, report } = await conform(args);
      expect(code).toBe(1);
      expect(check(report, 'complete/wire')?.verdict).toBe('pass');
      expect(check(report, 'complete/installed')).toMatchObject({ verdict: 'fail', clauses: ['DL-INST-5'] });
      const xml = await readFile(junit, 'utf8');
      expect(xml.match(/<testcase /g)).toHaveLength(2);
      expect(xml).toMatch(
        /<failure message="no file holds the object \(200000 bytes\); found object \(1000 bytes\)"/,
      );
      expect(await readFile(html, 'utf8')).toContain('complete/installed');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it(
    verifies(['DL-INST-4', 'DL-NOTIFY-1'], 'an agent that never reports fails the complete scenario'),
    async () => {
      const { report } = await conform(['--scenario', 'complete', '--', ...CURL_AGENT, 'no-report']);
      const wire = check(report, 'complete/wire');
      expect(wire?.verdict).toBe('fail');
      expect(wire?.detail).toMatch(
        /^the run ended while the machine expected POST "900 Success" to http:\/\/127\.0\.0\.1:\d+\/notify\/object\.txt/,
      );
      expect(wire?.evidence).toEqual(expect.arrayContaining(['run 1: exit 0', 'run 2: exit 0']));
    },
  );

  it(
    verifies(
      ['DL-PR-5', 'DL-INST-11'],
      'a file left in {out} after a failed download fails the installed check',
    ),
    async () => {
      const script = `${OUR_AGENT.map((a) => (a === '{out}' ? '"$1"' : a === '{dd}' ? '"$2"' : a)).join(' ')}; code=$?; echo leftover > "$1/leftover"; exit $code`;
      const { report } = await conform([
        '--scenario',
        'not-found',
        '--',
        'sh',
        '-c',
        script,
        'sh',
        '{out}',
        '{dd}',
      ]);
      expect(check(report, 'not-found/wire')?.verdict).toBe('pass');
      expect(check(report, 'not-found/installed')).toMatchObject({
        verdict: 'fail',
        clauses: ['DL-PR-5', 'DL-INST-2', 'DL-INST-11'],
      });
    },
  );

  it('a command that does not exist, or hangs, is a clear verdict (no stack trace)', async () => {
    const missing = await conform(['--scenario', 'complete', '--', 'no-such-agent-dlstate', '{dd}']);
    expect(missing.code).toBe(1);
    expect(check(missing.report, 'complete/wire')?.detail).toBe('command not found: no-such-agent-dlstate');
    expect(check(missing.report, 'complete/installed')?.verdict).toBe('skip');
    const started = Date.now();
    const hung = await conform(['--scenario', 'complete', '--timeout-ms', '1500', '--', 'sleep', '30']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(check(hung.report, 'complete/wire')?.detail).toMatch(
      /^the command did not finish within 1\.5 s and was killed; the machine expected GET http:\/\/127\.0\.0\.1:\d+\/dd\/object\.txt \(the descriptor\)/,
    );
    expect(missing.err + hung.err).not.toMatch(/\n\s+at /);
  });

  it('usage errors: no command, an unknown scenario (exit 2)', async () => {
    const io = bufferIo();
    expect(await runCli(['conform', 'agent'], io)).toBe(2);
    expect(io.text.err).toMatch(/give the agent command after --/);
    const bad = bufferIo();
    expect(await runCli(['conform', 'agent', '--scenario', 'nope', '--', 'x'], bad)).toBe(2);
    expect(bad.text.err).toMatch(/no scenario "nope"; one of complete, cut-resume/);
  });
});
