import { describe, expect, it } from 'vitest';
import type { MachineDescription } from '../../machines/describe.js';
import {
  buildCoverage,
  type CoverageInputs,
  formatCoverage,
  renderCoverageJson,
  stableJson,
} from './coverage.js';

const description: MachineDescription = {
  id: 'toy',
  initial: 'idle',
  entry: [],
  exit: [],
  states: [
    { id: 'idle', key: 'idle', type: 'atomic', clauses: [], tags: [], entry: [], exit: [] },
    { id: 'busy', key: 'busy', type: 'atomic', clauses: ['DL-PR-5'], tags: [], entry: [], exit: [] },
  ],
  transitions: [
    {
      source: 'idle',
      event: 'GO',
      targets: ['busy'],
      actions: [],
      reenter: false,
      clauses: ['DL-PR-8'],
      order: 0,
    },
    {
      source: 'busy',
      event: 'STOP',
      guard: 'ok',
      targets: ['idle'],
      actions: [],
      reenter: false,
      clauses: [],
      order: 1,
    },
  ],
};

function inputs(overrides: Partial<CoverageInputs> = {}): CoverageInputs {
  return {
    clauses: [
      { id: 'DL-PR-8', strength: 'MUST' },
      { id: 'DL-PR-5', strength: 'MUST' },
      { id: 'DL-INST-3', strength: 'MUST' },
      { id: 'DL-PR-1', strength: 'SHOULD' },
      { id: 'DL-PR-12', strength: 'MUST' },
    ],
    machines: [
      {
        id: 'toy',
        description,
        keys: new Map([
          [0, 'idle GO'],
          [1, 'busy STOP [ok]'],
        ]),
        paths: { count: 2, taken: [0, 1] },
      },
    ],
    functions: { 'toy.decide': ['DL-PR-5'] },
    notApplicable: { 'DL-INST-3': 'co-delivery is not supported' },
    tests: [
      { title: 'suite [DL-PR-8 DL-PR-5] one range', status: 'passed' },
      { title: 'suite [DL-PR-12] never resumes blind', status: 'failed' },
      { title: 'suite [DL-PR-5] again', status: 'passed' },
    ],
    ledger: { clauses: {}, transitions: {} },
    ...overrides,
  };
}

describe('buildCoverage (synthetic input)', () => {
  it('classifies clauses: verified by passing tests only, not applicable, implemented-untested, missing', () => {
    const report = buildCoverage(inputs({ functions: { 'toy.decide': ['DL-PR-5', 'DL-PR-12'] } }));
    const status = Object.fromEntries(report.clauses.map((c) => [c.id, c.status]));
    expect(status).toEqual({
      'DL-PR-8': 'verified',
      'DL-PR-5': 'verified',
      'DL-INST-3': 'not-applicable',
      'DL-PR-1': 'missing',
      'DL-PR-12': 'implemented-untested',
    });
    const pr5 = report.clauses.find((c) => c.id === 'DL-PR-5')!;
    expect(pr5.elements).toEqual(['toy: state busy']);
    expect(pr5.functions).toEqual(['toy.decide']);
    expect(pr5.tests).toEqual(['suite [DL-PR-5] again', 'suite [DL-PR-8 DL-PR-5] one range']);
    expect(report.clauses.find((c) => c.id === 'DL-PR-8')!.elements).toEqual(['toy: idle GO → busy']);
    // The failing test does not verify DL-PR-12, and a SHOULD clause never fails the report.
    expect(report.orphans.clauses).toEqual(['DL-PR-12']);
    expect(report.counts).toEqual({
      verified: 2,
      'implemented-untested': 1,
      'not-applicable': 1,
      missing: 1,
    });
    // A not-applicable clause that a passing test verifies is reported, so the list can be corrected.
    const stale = buildCoverage(inputs({ notApplicable: { 'DL-PR-8': 'was out of scope' } }));
    expect(stale.clauses.find((c) => c.id === 'DL-PR-8')!.status).toBe('verified');
    expect(stale.staleLedger).toEqual(['not-applicable DL-PR-8: verified by 1 test(s)']);
    expect(report.ok).toBe(false);
  });

  it('a MUST clause with no element and no test fails the report; a ledger entry excuses it and is shown', () => {
    const failing = buildCoverage(inputs());
    expect(failing.orphans.clauses).toEqual(['DL-PR-12']);
    expect(failing.ok).toBe(false);
    expect(formatCoverage(failing)).toContain('ORPHAN clause DL-PR-12 (MUST, missing)');

    const excused = buildCoverage(
      inputs({ ledger: { clauses: { 'DL-PR-12': 'needs the running agent' }, transitions: {} } }),
    );
    expect(excused.orphans.clauses).toEqual([]);
    expect(excused.ok).toBe(true);
    expect(excused.clauses.find((c) => c.id === 'DL-PR-12')).toMatchObject({
      status: 'missing',
      ledger: 'needs the running agent',
    });
    expect(formatCoverage(excused)).toContain('ledger: DL-PR-12 missing: needs the running agent');
  });

  it('an untaken transition fails the report unless the ledger lists it; stale ledger entries are reported', () => {
    const machine = { ...inputs().machines[0]!, paths: { count: 1, taken: [0] } };
    const ledger = { 'DL-PR-12': 'later' };
    const failing = buildCoverage(
      inputs({ machines: [machine], ledger: { clauses: ledger, transitions: {} } }),
    );
    expect(failing.machines[0]).toMatchObject({
      taken: 1,
      transitions: 2,
      untaken: [{ key: 'busy STOP [ok]' }],
    });
    expect(failing.orphans.transitions).toEqual(['toy: busy STOP [ok]']);
    expect(failing.ok).toBe(false);

    const excused = buildCoverage(
      inputs({
        machines: [machine],
        ledger: {
          clauses: { ...ledger, 'DL-PR-8': 'no longer needed' },
          transitions: { toy: { 'busy STOP [ok]': 'needs a clock', 'idle GO': 'stale' } },
        },
      }),
    );
    expect(excused.ok).toBe(true);
    expect(excused.machines[0]!.untaken).toEqual([{ key: 'busy STOP [ok]', ledger: 'needs a clock' }]);
    expect(excused.staleLedger).toEqual(['clause DL-PR-8: verified', 'transition toy: idle GO: taken']);
  });

  it('a machine without model paths takes nothing', () => {
    const { paths: _none, ...machine } = inputs().machines[0]!;
    const report = buildCoverage(inputs({ machines: [machine] }));
    expect(report.machines[0]).toMatchObject({ paths: 0, taken: 0 });
    expect(report.orphans.transitions).toEqual(['toy: busy STOP [ok]', 'toy: idle GO']);
  });

  it('renders byte-identical JSON for the same inputs in any order, with sorted keys, a banner and no times', () => {
    const a = renderCoverageJson(buildCoverage(inputs()), ['machines/clauses.ts']);
    const shuffled = inputs();
    const b = renderCoverageJson(buildCoverage({ ...shuffled, tests: [...shuffled.tests].reverse() }), [
      'machines/clauses.ts',
    ]);
    expect(b).toBe(a);
    expect(a.startsWith('{\n  "$generated": "Generated by `npm run coverage:spec`')).toBe(true);
    expect(a).not.toMatch(/duration|time/i);
    expect(stableJson({ b: 1, a: { d: [2], c: undefined } })).toBe(
      '{\n  "a": {\n    "d": [\n      2\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
});
