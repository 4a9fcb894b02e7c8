import { describe, expect, it } from 'vitest';
import { CLAUSES, clause } from '../../machines/clauses.js';
import { describeMachine } from '../../machines/describe.js';
import { MACHINES } from '../../machines/registry.js';
import { clauseSource, sourceLabel } from '../../machines/sources.js';
import { isLocalRequest } from './browser.js';
import { normaliseCoverage } from './coverage.js';
import { fallbackSvg, readingMermaid, renderDiagram, sanitiseSvg } from './diagram.js';
import { stateAnchor, transitionAnchor } from './elk-diagram.js';
import { machineClauses, machinePage } from './machine-page.js';
import { matrixPage, notesPage } from './matrix-page.js';
import { diagramViews } from './views.js';

const dlota = MACHINES.find((m) => m.id === 'dlota')!;
const description = describeMachine(dlota.machine);

describe('machine spec page', () => {
  const page = machinePage({
    machine: dlota,
    description,
    views: diagramViews(description).map((view) => ({ view, svg: '<svg></svg>' })),
  });

  it('links every state and transition row with an anchor the diagrams point at', () => {
    for (const s of description.states) expect(page).toContain(`<a id="${stateAnchor(s.id)}"></a>`);
    for (const t of description.transitions)
      expect(page).toContain(`<a id="${transitionAnchor(t.order)}"></a>`);
    // One view section per view, only the overview shown, each with its breadcrumb back.
    expect(page.match(/<section class="dl-view"/g)?.length).toBe(diagramViews(description).length);
    expect(page.match(/<section class="dl-view"[^>]* hidden>/g)?.length).toBe(
      diagramViews(description).length - 1,
    );
    expect(page).toContain(
      '<nav class="dl-crumbs"><a href="#dl-view-overview">dlota</a> › <span aria-current="page">retrieving</span>',
    );
  });

  it('lists every transition in reading order, numbered', () => {
    const rows = page.split('\n').filter((l) => /^\| <a id="dl-t-\d+"><\/a>\d+ \|/.test(l));
    expect(rows.map((r) => Number(r.split('|')[1]?.replace(/<[^>]+>/g, '')))).toEqual(
      description.transitions.map((_, i) => i + 1),
    );
  });

  it('shows each clause of the machine with its statement, its source as a specification section and editor’s note', () => {
    const ids = machineClauses(description);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const c = clause(id);
      expect(page).toContain(`### ${id}\n`);
      expect(page).toContain(c.statement);
      expect(page).toContain(sourceLabel(c));
      if (c.note) expect(page).toContain(c.note);
    }
  });

  it('names no seed file anywhere: sources are specification sections', () => {
    expect(page).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
  });

  it('says the coverage report is missing instead of inventing numbers', () => {
    expect(page).toContain('coverage report not generated yet');
  });
});

describe('diagram', () => {
  it('renders offline to an SVG naming every state, with no external URL left', () => {
    const { svg, renderer } = renderDiagram(description);
    expect(renderer).toBe('beautiful-mermaid');
    expect(svg).not.toMatch(/@import|fonts\.googleapis|url\(\s*["']?https?:/);
    for (const s of description.states) expect(svg).toContain(`>${s.key}</text>`);
    expect(svg).not.toMatch(/\n\s*\n/);
  });

  it('leaves out arrows from a compound state to its own children', () => {
    const text = readingMermaid(description);
    expect(text).not.toMatch(/^ {2}retrieving --> retrieving__/m);
  });

  it('strips CSS imports and remote references', () => {
    const dirty = `<svg>\n<style>\n  @import url('https://fonts.googleapis.com/css2?family=Inter');\n\n  a{background:url("https://x.example/a.png")}</style><image href="https://x.example/i.png"/></svg>`;
    expect(sanitiseSvg(dirty)).not.toMatch(/https:|@import|\n\s*\n/);
  });

  it('the fallback drawing names every state', () => {
    const svg = fallbackSvg(description);
    for (const s of description.states) expect(svg).toContain(`>${s.key}`);
  });
});

describe('coverage report', () => {
  it('reads clause rows and machine totals under either shape', () => {
    const report = normaliseCoverage({
      clauses: {
        'DL-PR-9': {
          strength: 'MUST',
          elements: [{ machine: 'dlota', source: 'a', event: 'E', targets: ['b'] }],
          functions: ['resumeRequest'],
          tests: ['[DL-PR-9] resume sends If-Match'],
          status: 'verified',
        },
        'DL-INST-3': { status: 'not-applicable', reason: 'co-delivery not implemented' },
      },
      machines: [{ machine: 'dlota', transitions: { covered: 69, total: 70, uncovered: ['x'] } }],
    });
    expect(report?.clauses.get('DL-PR-9')).toMatchObject({
      status: 'verified',
      elements: ['dlota: a —E→ b'],
      tests: ['[DL-PR-9] resume sends If-Match'],
    });
    expect(report?.machines.get('dlota')).toMatchObject({ covered: 69, total: 70 });
    const page = matrixPage([{ machine: dlota, description }], report);
    // A transition's row counts the distinct tests of its clauses: only DL-PR-9 has one in this report.
    const spec = machinePage({
      machine: dlota,
      description,
      views: [],
      ...(report ? { coverage: report } : {}),
    });
    const withPr9 = description.transitions.find((t) => t.clauses.includes('DL-PR-9'));
    expect(withPr9).toBeDefined();
    const row = spec.split('\n').find((l) => l.includes(`<a id="${transitionAnchor(withPr9!.order)}"></a>`));
    expect(row).toMatch(/\[DL-PR-9\]\([^)]*\)[^|]* \| 1 \|/);
    expect(spec).toMatch(/\| clauses \| tests \| description \|/);
    expect(page).toContain('co-delivery not implemented');
    expect(page).toContain('69 / 70');
    expect(page).toContain('<li>[DL-PR-9] resume sends If-Match</li>');
  });

  it('reads the shape adapters/coverage writes (ids in rows, taken/transitions, ledger reasons)', () => {
    const report = normaliseCoverage({
      clauses: [
        {
          id: 'DL-INST-3',
          strength: 'MUST',
          status: 'not-applicable',
          elements: [],
          functions: [],
          tests: [],
          notApplicable: 'no co-delivery',
        },
      ],
      machines: [
        {
          id: 'dlota',
          paths: 12,
          transitions: 70,
          taken: 68,
          untaken: [{ key: 'a→b', ledger: 'needs a crash' }],
        },
      ],
    });
    expect(report?.clauses.get('DL-INST-3')).toMatchObject({
      status: 'not-applicable',
      reason: 'no co-delivery',
    });
    expect(report?.machines.get('dlota')).toMatchObject({
      covered: 68,
      total: 70,
      uncovered: ['a→b — needs a crash'],
    });
  });

  it('absent or malformed reports read as missing', () => {
    expect(normaliseCoverage(null)).toBeUndefined();
    expect(normaliseCoverage({ clauses: 3 })).toBeUndefined();
    expect(matrixPage([{ machine: dlota, description }])).toContain('has not been generated yet');
  });

  it('the matrix has a row for every clause of the registry', () => {
    const page = matrixPage([{ machine: dlota, description }]);
    for (const c of CLAUSES) {
      expect(page).toContain(`<td class="dl-id">${c.id}</td>`);
      expect(page).toContain(`data-spec="${clauseSource(c).spec}"`);
    }
    // One HTML block: a blank line would end it and make Markdown of the rest.
    const block = page.slice(page.indexOf('<div class="dl-matrix">'), page.indexOf('</table>'));
    expect(block).not.toMatch(/\n\s*\n/);
    expect(page).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
  });
});

it('the notes page carries every clause note of the registry', () => {
  const page = notesPage();
  for (const c of CLAUSES) if (c.note) expect(page).toContain(c.note);
});

it('only loopback and inline requests count as local', () => {
  expect(isLocalRequest('http://127.0.0.1:4000/assets/main.js')).toBe(true);
  expect(isLocalRequest('data:image/svg+xml,abc')).toBe(true);
  expect(isLocalRequest('https://fonts.googleapis.com/css2')).toBe(false);
  expect(isLocalRequest('http://localhost:4000/')).toBe(false);
});
