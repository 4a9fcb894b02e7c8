/**
 * The outputs of a conformance run: a terminal table, JSON, JUnit XML (as CI systems read it) and one
 * self-contained HTML page with the evidence. All four read the same {@link ConformReport}.
 *
 * @module
 */
import { formatTable } from '../cli/io.js';
import { type ConformCheck, type ConformReport, summarize } from './report.js';

/** What a check's verdict is called in the outputs: a failed SHOULD check is a warning. */
export function outcomeLabel(check: ConformCheck): 'PASS' | 'FAIL' | 'WARN' | 'SKIP' {
  if (check.verdict === 'pass') return 'PASS';
  if (check.verdict === 'skip') return 'SKIP';
  return check.strength === 'MUST' ? 'FAIL' : 'WARN';
}

/** A one-line summary: `14 passed, 1 failed (MUST), 1 warning (SHOULD), 2 skipped`. */
export function summaryLine(report: ConformReport): string {
  const s = summarize(report);
  return `${s.passed} passed, ${s.failed} failed (MUST), ${s.warnings} warning${s.warnings === 1 ? '' : 's'} (SHOULD), ${s.skipped} skipped`;
}

/** The terminal table; with `verbose`, failed and warned checks are followed by their evidence. */
export function renderTable(report: ConformReport, verbose = true): string {
  const rows = report.checks.map((c) => [outcomeLabel(c), c.strength, c.id, c.clauses.join(' '), c.detail]);
  let text = `dlstate conform ${report.kind}: ${report.target}\n\n`;
  text += formatTable(['verdict', 'strength', 'check', 'clauses', 'detail'], rows);
  if (verbose) {
    for (const c of report.checks.filter((x) => x.verdict === 'fail')) {
      text += `\n${outcomeLabel(c)} ${c.id} (${c.clauses.join(', ')}): ${c.detail}\n`;
      for (const line of c.evidence) text += `    ${line}\n`;
    }
  }
  return `${text}\n${summaryLine(report)}\n`;
}

/** The JSON output: the report plus its summary. */
export function renderJson(report: ConformReport): string {
  return `${JSON.stringify({ ...report, summary: summarize(report) }, null, 2)}\n`;
}

/**
 * Text for XML content or attribute values: the five markup characters escaped and the characters XML 1.0
 * forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD.
 */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

/**
 * JUnit XML: one `<testsuite>` per run, one `<testcase>` per check. A failed MUST check is a `<failure>`, a
 * skipped check `<skipped>`; a failed SHOULD check passes with its warning in `<system-out>`, so CI stays
 * green exactly when the exit code is 0.
 */
export function renderJunit(report: ConformReport): string {
  const s = summarize(report);
  const suite = `dlstate conform ${report.kind}`;
  const cases = report.checks.map((c) => {
    const name = xmlText(`${c.id} [${c.clauses.join(', ')}] ${c.strength}`);
    const classname = xmlText(`dlstate.conform.${report.kind}`);
    const evidence = xmlText(c.evidence.join('\n'));
    const body =
      c.verdict === 'skip'
        ? `      <skipped message="${xmlText(c.detail)}"/>\n`
        : c.verdict === 'fail' && c.strength === 'MUST'
          ? `      <failure message="${xmlText(c.detail)}" type="${xmlText(c.clauses.join(' '))}">${evidence}</failure>\n`
          : c.verdict === 'fail'
            ? `      <system-out>warning (SHOULD): ${xmlText(c.detail)}\n${evidence}</system-out>\n`
            : `      <system-out>${xmlText(c.detail)}\n${evidence}</system-out>\n`;
    return `    <testcase classname="${classname}" name="${name}" time="0">\n${body}    </testcase>\n`;
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${xmlText(suite)}" tests="${report.checks.length}" failures="${s.failed}" skipped="${s.skipped}">\n` +
    `  <testsuite name="${xmlText(suite)}" tests="${report.checks.length}" failures="${s.failed}" errors="0" skipped="${s.skipped}">\n` +
    `    <properties><property name="target" value="${xmlText(report.target)}"/></properties>\n` +
    cases.join('') +
    '  </testsuite>\n</testsuites>\n'
  );
}

function html(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": '#39' }[c]};`,
  );
}

/** One self-contained HTML page: summary, a row per check, the evidence under each (no external resources). */
export function renderHtml(report: ConformReport): string {
  const rows = report.checks
    .map((c) => {
      const label = outcomeLabel(c);
      return `<tr class="${label.toLowerCase()}"><td class="verdict">${label}</td><td>${c.strength}</td><td><code>${html(c.id)}</code><div class="title">${html(c.title)}</div></td><td>${c.clauses.map((x) => `<span class="clause">${html(x)}</span>`).join(' ')}</td><td>${html(c.detail)}${c.evidence.length === 0 ? '' : `<details${c.verdict === 'fail' ? ' open' : ''}><summary>evidence</summary><pre>${html(c.evidence.join('\n'))}</pre></details>`}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dlstate conform ${html(report.kind)}: ${html(report.target)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left; vertical-align: top; }
td.verdict { font-weight: bold; }
tr.pass td.verdict { color: #17692b; } tr.fail td.verdict { color: #b00020; }
tr.warn td.verdict { color: #9a6400; } tr.skip td.verdict { color: #666; }
.title { color: #555; font-size: 12px; }
.clause { background: #eef; border-radius: 3px; padding: 0 .3rem; white-space: nowrap; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; margin: .3rem 0; }
</style>
</head>
<body>
<h1>dlstate conform ${html(report.kind)}</h1>
<p>Target: <code>${html(report.target)}</code></p>
<p id="summary">${html(summaryLine(report))}</p>
<table>
<thead><tr><th>verdict</th><th>strength</th><th>check</th><th>clauses</th><th>detail and evidence</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
