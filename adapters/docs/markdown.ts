/**
 * Small helpers for writing the generated Markdown pages: table cells, plain text that must not turn into
 * Markdown or HTML, anchors and front matter.
 *
 * @module
 */

/** HTML-escapes text and backslash-escapes Markdown punctuation, for text that is data (test titles, ids). */
export function plain(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** Makes registry Markdown (statements, notes) safe inside a table cell: no line breaks, no bare `|`. */
export function cell(markdown: string): string {
  return markdown.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Inline code for an identifier (`retrieving.paused`), safe in a table. */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

/**
 * The anchor of a clause's section on a machine page: typedoc's slug of the heading `### DL-PR-9` (`dl-pr-9`).
 * Typedoc checks links against heading slugs only, so cross-page links always aim at a heading.
 */
export function clauseAnchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** A Markdown table from a header row and body rows (cells already escaped). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** YAML front matter for a typedoc project document. */
export function frontMatter(fields: Readonly<Record<string, string>>): string {
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `---\n${lines.join('\n')}\n---\n`;
}
