import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { judgeInstalled } from './conform.installed.js';
import { judgeAgent, oracleInput, type RecordedExchange } from './conform.judge.js';
import { AGENT_SCENARIOS, modelRun, notDrivable, scenarioDescriptor } from './conform.scenarios.js';

const DD = 'http://s.test/dd/o';
const MEDIA = 'http://s.test/media/o';
const NOTIFY = 'http://s.test/notify/o';
const ETAG = '"conform/1"';
const SIZE = 1000;
const body = scenarioDescriptor('reference', { objectURI: MEDIA, notifyURI: NOTIFY, updatedDDURI: DD }, SIZE);

const dd = (run = 1): RecordedExchange => ({
  run,
  kind: 'descriptor',
  request: { method: 'GET', url: DD, headers: {} },
  status: 200,
  responseHeaders: { 'content-type': 'application/vnd.oma.dd+xml' },
  responseBody: body,
  bodyBytes: body.length,
});
const media = (
  headers: Record<string, string>,
  status: number,
  bytes: number,
  run = 1,
  response: Record<string, string> = {},
): RecordedExchange => ({
  run,
  kind: 'media',
  request: { method: 'GET', url: MEDIA, headers },
  status,
  responseHeaders: {
    'accept-ranges': 'bytes',
    etag: ETAG,
    'content-type': 'text/plain',
    'content-length': String(status === 206 ? SIZE - 400 : SIZE),
    ...(status === 206 ? { 'content-range': `bytes 400-${SIZE - 1}/${SIZE}` } : {}),
    ...response,
  },
  bodyBytes: bytes,
});
const report = (text: string, run = 1, status = 200): RecordedExchange => ({
  run,
  kind: 'report',
  request: { method: 'POST', url: NOTIFY, headers: { 'content-type': 'text/plain' }, body: text },
  status,
  responseHeaders: {},
  bodyBytes: 0,
});
const judge = (exchanges: RecordedExchange[]) => judgeAgent(oracleInput(DD), exchanges);

describe('the agent judge replays a recording through the DLOTA machine', () => {
  it(
    verifies(['DL-PR-7', 'DL-PR-9', 'DL-PR-11'], 'a compliant cut-and-resume in one run ends done with 900'),
    () => {
      const j = judge([
        dd(),
        media({}, 200, 400),
        media({ range: 'bytes=400-', 'if-match': ETAG }, 206, 600),
        report('900 Success'),
      ]);
      expect(j.failures).toEqual([]);
      expect([j.finished, j.state, j.outcome]).toEqual([true, 'done', 900]);
    },
  );

  it(verifies('DL-PR-9', 'a resume after a restart without If-Match fails DL-PR-9'), () => {
    const j = judge([dd(), media({}, 200, 400), dd(2), media({ range: 'bytes=400-' }, 206, 600, 2)]);
    expect(j.failures.map((f) => f.clauses)).toEqual([['DL-PR-9']]);
    expect(j.lines.at(-1)?.verdict).toBe('fail');
  });

  it(verifies('DL-PR-7', 'a Range past the bytes the server sent fails DL-PR-7'), () => {
    const j = judge([dd(), media({}, 200, 400), media({ range: 'bytes=500-', 'if-match': ETAG }, 206, 500)]);
    expect(j.failures[0]?.clauses).toEqual(['DL-PR-7']);
    expect(j.failures[0]?.detail).toMatch(/starts at byte 500, but only 400 bytes were sent/);
  });

  it(verifies('DL-PR-8', 'a multi-range resume fails DL-PR-8'), () => {
    const j = judge([
      dd(),
      media({}, 200, 400),
      media({ range: 'bytes=400-499,500-', 'if-match': ETAG }, 206, 600),
    ]);
    expect(j.failures[0]?.clauses).toEqual(['DL-PR-8']);
  });

  it(
    verifies(
      ['DL-PR-12', 'DL-RET-4'],
      'without Accept-Ranges: 903 is expected, and a Range on restart fails DL-PR-12',
    ),
    () => {
      const noRanges = { 'accept-ranges': 'none' };
      const reported = judge([dd(), media({}, 200, 400, 1, noRanges), report('903 Loss of Service')]);
      expect([reported.failures, reported.outcome]).toEqual([[], 903]);
      const skipped = judge([dd(), media({}, 200, 400, 1, noRanges), dd(2)]);
      expect(skipped.failures[0]?.detail).toMatch(
        /the run ended while the machine expected POST "903 Loss of Service"/,
      );
      const resumed = judge([
        dd(),
        media({}, 200, 400, 1, noRanges),
        media({ range: 'bytes=400-' }, 206, 600),
      ]);
      expect(resumed.failures[0]?.clauses[0]).toBe('DL-PR-12');
      expect(resumed.failures[0]?.detail).toMatch(
        /^Range: bytes=400- although the server never sent Accept-Ranges: bytes/,
      );
    },
  );

  it(
    verifies('DL-PR-11', 'a 200 answered to a resume: keeping that whole body is the restart from byte 0'),
    () => {
      const j = judge([
        dd(),
        media({}, 200, 400),
        media({ range: 'bytes=400-', 'if-match': ETAG }, 200, SIZE),
        report('900 Success'),
      ]);
      expect(j.failures).toEqual([]);
      expect(j.lines.some((l) => /served as the restart from byte 0/.test(l.line))).toBe(true);
      expect(j.outcome).toBe(900);
    },
  );

  it(
    verifies('DL-PR-4', 're-fetching from byte 0 instead of resuming is a SHOULD warning, not a failure'),
    () => {
      const j = judge([dd(), media({}, 200, 400), media({}, 200, SIZE), report('900 Success')]);
      expect(j.failures).toEqual([]);
      expect(j.warnings.map((w) => w.clauses)).toEqual([['DL-PR-4']]);
    },
  );

  it(
    verifies(
      ['DL-PR-11', 'DL-INST-5'],
      'installed bytes: exact object passes, a splice of two versions is named',
    ),
    () => {
      const v1 = new Uint8Array(10).fill(1);
      const v2 = new Uint8Array(10).fill(2);
      const spliced = new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
      expect(judgeInstalled('done', [v1, v2], [{ path: 'o', bytes: v2 }])).toEqual([]);
      expect(judgeInstalled('done', [v1, v2], [{ path: 'o', bytes: spliced }])[0]?.detail).toBe(
        'o: bytes 0–3 are version 1, bytes 4–9 version 2: mixed bytes of two versions',
      );
      expect(judgeInstalled('failed', [v1], [{ path: 'o', bytes: v1 }])[0]?.clauses).toEqual([
        'DL-PR-5',
        'DL-INST-2',
        'DL-INST-11',
      ]);
    },
  );
});

describe('scenarios are model runs of the machine', () => {
  const expected: Record<string, readonly number[]> = {
    complete: [900],
    'cut-resume': [900],
    'cut-no-accept-ranges': [903],
    'changed-while-paused': [957, 900],
    'resume-answered-200': [900],
    'not-found': [954],
    'size-mismatch': [905],
    'type-mismatch': [905],
    'invalid-dd': [906],
    'unsupported-ddversion': [951],
    'report-retry': [900, 900],
  };
  for (const scenario of AGENT_SCENARIOS) {
    it(`${scenario.id} reports ${expected[scenario.id]?.join(' then ')} and touches its focus clauses`, () => {
      const run = modelRun(scenario);
      expect(run.statusCodes).toEqual(expected[scenario.id]);
      for (const clause of scenario.focus)
        expect([scenario.id, run.clauses]).toEqual([scenario.id, expect.arrayContaining([clause])]);
    });
  }

  it('device-only transitions are listed as not drivable, each with a reason', () => {
    const list = notDrivable();
    expect(list.some((n) => n.transition.startsWith('retrieving.downloading —STORAGE.FULL→'))).toBe(true);
    expect(list.every((n) => n.reason.length > 0)).toBe(true);
    expect(
      list.some((n) => /RESPONSE\.HEADERS|REPORT\.|DESCRIPTOR\./.test(n.transition.split('—')[1] ?? '')),
    ).toBe(false);
  });
});
