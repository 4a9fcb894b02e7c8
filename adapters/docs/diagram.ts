/**
 * A machine's diagram as inline SVG, rendered offline at build time so the docs load nothing from a CDN.
 *
 * The docs draw a *reading* diagram derived from {@link describeMachine}: one arrow per pair of states,
 * labelled with the events (guards and actions are in the transition table below it), and without the arrows
 * a compound state declares to its own children (they are listed in the table; drawn, they confuse the
 * layout). `beautiful-mermaid` lays it out; should it fail, a plain SVG drawn here (states as boxes, transitions
 * as a list) stands in, so every page still has an `<svg>` naming every state.
 *
 * @module
 */
import { renderMermaidSVG } from 'beautiful-mermaid';
import type { MachineDescription, StateDescription } from '../../machines/describe.js';

/** A rendered diagram and which renderer produced it. */
export interface RenderedDiagram {
  readonly svg: string;
  readonly renderer: 'beautiful-mermaid' | 'fallback';
  /** Why the fallback was used. */
  readonly error?: string;
}

/** The Mermaid node id of a state (dots are not allowed in ids). */
function nodeId(stateId: string): string {
  return stateId.replace(/[^A-Za-z0-9_]/g, '__');
}

/** Whether `ancestor` is a proper ancestor of `descendant` (by dotted id). */
function isAncestor(ancestor: string, descendant: string): boolean {
  return descendant.startsWith(`${ancestor}.`);
}

/** Label text safe inside a Mermaid edge label or quoted state name. */
function label(text: string): string {
  return text.replace(/["\n\r:;#]/g, ' ').trim();
}

/** The reading diagram's Mermaid `stateDiagram-v2` text (see the module comment for what it leaves out). */
export function readingMermaid(description: MachineDescription): string {
  const lines = ['stateDiagram-v2'];
  // The root's initial arrow goes first: it gives the layout its starting point.
  if (description.initial) lines.push(`  [*] --> ${nodeId(description.initial)}`);
  const childrenOf = (parent: string | undefined): StateDescription[] =>
    description.states.filter((s) => s.parent === parent);
  const emit = (parent: StateDescription | undefined, indent: string): void => {
    const children = childrenOf(parent?.id);
    for (const s of children) {
      if (s.type === 'compound' || s.type === 'parallel') {
        lines.push(`${indent}state "${label(s.key)}" as ${nodeId(s.id)} {`);
        emit(s, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${label(s.key)}" as ${nodeId(s.id)}`);
      }
    }
    if (parent?.initial) lines.push(`${indent}[*] --> ${nodeId(parent.initial)}`);
    for (const s of children) if (s.type === 'final') lines.push(`${indent}${nodeId(s.id)} --> [*]`);
  };
  emit(undefined, '  ');
  const edges = new Map<string, string[]>();
  for (const t of description.transitions) {
    for (const target of t.targets) {
      if (isAncestor(t.source, target)) continue;
      const key = `${nodeId(t.source)} --> ${nodeId(target)}`;
      const events = edges.get(key) ?? [];
      const event = t.event === '' ? 'always' : t.event;
      if (!events.includes(event)) events.push(event);
      edges.set(key, events);
    }
  }
  for (const [edge, events] of edges) lines.push(`  ${edge} : ${label(events.join(', '))}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Makes a renderer's SVG safe to inline in an offline page: drops CSS `@import`s (beautiful-mermaid imports
 * Google Fonts) and any other external `url(…)`/`href` reference, and removes blank lines so the Markdown
 * renderer keeps the SVG as one HTML block.
 */
export function sanitiseSvg(svg: string): string {
  return svg
    .replace(/@import\s+url\([^)]*\)\s*;?/g, '')
    .replace(/@import\s+["'][^"']*["']\s*;?/g, '')
    .replace(/url\(\s*["']?(?:https?:)?\/\/[^)]*\)/g, 'none')
    .replace(/\s(?:xlink:)?href="(?:https?:)?\/\/[^"]*"/g, '')
    .replace(/font-family:\s*'Inter',\s*/g, 'font-family: ')
    .split(/\r?\n/)
    .filter((line) => line.trim().length > 0)
    .join('\n');
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A plain SVG naming every state (indented by depth) and listing the transitions: the fallback drawing. */
export function fallbackSvg(description: MachineDescription): string {
  const rowHeight = 28;
  const depth = (s: StateDescription): number => s.id.split('.').length - 1;
  const boxes = description.states.map((s, i) => {
    const x = 20 + depth(s) * 24;
    const y = 20 + i * rowHeight;
    const text = `${s.key}${s.type === 'final' ? ' (final)' : ''}`;
    return `<g><rect x="${x}" y="${y}" width="${text.length * 8 + 24}" height="22" rx="5" fill="#f4f4f5" stroke="#a1a1aa"/><text x="${x + 12}" y="${y + 15}" font-size="13">${xml(text)}</text></g>`;
  });
  const listTop = 40 + description.states.length * rowHeight;
  const rows = description.transitions.map((t, i) => {
    const text = `${t.source} —${t.event === '' ? 'always' : t.event}→ ${t.targets.join(', ') || '(stays)'}`;
    return `<text x="20" y="${listTop + i * 18}" font-size="12">${xml(text)}</text>`;
  });
  const height = listTop + description.transitions.length * 18 + 20;
  const width = 900;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif">\n${[...boxes, ...rows].join('\n')}\n</svg>`;
}

/** Renders a machine's reading diagram to inline SVG, falling back to {@link fallbackSvg} on any error. */
export function renderDiagram(description: MachineDescription): RenderedDiagram {
  try {
    const svg = renderMermaidSVG(readingMermaid(description), { font: 'system-ui, sans-serif' });
    return { svg: sanitiseSvg(svg), renderer: 'beautiful-mermaid' };
  } catch (error) {
    return {
      svg: sanitiseSvg(fallbackSvg(description)),
      renderer: 'fallback',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
