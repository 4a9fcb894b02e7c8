/**
 * Lays out a {@link DiagramView} with ELK (`elkjs`, the Eclipse Layout Kernel's layered algorithm) and draws
 * it as SVG at its natural size, so its text is 12 CSS px at 100 % zoom. ELK was chosen over dagre and the
 * Mermaid renderer because it places edge labels as layout objects (they reserve space and do not overlap
 * nodes or one another) and it is maintained; it runs at build time only, the site ships the SVG.
 *
 * Every box and label is a link: a simple state to its row in the states table (`#dl-state-…`), a compound
 * state to its own view (`#dl-view-…`, the page script drills down), an outside state to its view, an event
 * to its first transition row (`#dl-t-N`).
 *
 * @module
 */
import { createRequire } from 'node:module';
import type { DiagramView, ViewEdge, ViewNode } from './views.js';

/** The font size of every label, in CSS px at 100 %. */
export const LABEL_PX = 12;
/** A generous average glyph width for the estimate of a label's box (so boxes are never too small). */
const CHAR_PX = LABEL_PX * 0.66;
const LINE_PX = LABEL_PX + 4;

/** The anchor of a state's row in the states table. */
export function stateAnchor(stateId: string): string {
  return `dl-state-${stateId.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
}

/** The anchor of a view (a compound state's diagram, or `dl-view-overview`). */
export function viewAnchor(scope: string): string {
  return scope === '' ? 'dl-view-overview' : `dl-view-${scope.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
}

/** The anchor of a transition row (1-based number as on the page). */
export function transitionAnchor(order: number): string {
  return `dl-t-${order + 1}`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function textWidth(text: string): number {
  return Math.ceil(text.length * CHAR_PX);
}

interface Point {
  readonly x: number;
  readonly y: number;
}
interface LaidNode {
  readonly id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}
interface LaidLabel {
  readonly id?: string;
  readonly text?: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}
interface LaidEdge {
  readonly id: string;
  readonly sources: string[];
  readonly targets: string[];
  labels?: LaidLabel[];
  sections?: { startPoint: Point; endPoint: Point; bendPoints?: Point[] }[];
}
interface LaidGraph {
  readonly id: string;
  width?: number;
  height?: number;
  children?: LaidNode[];
  edges?: LaidEdge[];
}

/** elkjs is CommonJS; its bundled build runs in-process (no worker). */
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as new () => {
  layout(graph: unknown): Promise<unknown>;
};
const elk = new ELK();

const INIT = '__initial';

function nodeSize(n: ViewNode): { width: number; height: number } {
  const label = n.kind === 'compound' || n.kind === 'parallel' ? `${n.label} ▸` : n.label;
  return { width: Math.max(64, textWidth(label) + 24), height: 32 };
}

function edgeLines(e: ViewEdge): string[] {
  return e.events.map((ev) => ev.label);
}

/** Above this natural width a view is laid out left-to-right too, and the narrower layout kept. */
export const TARGET_WIDTH = 900;

/**
 * A laid-out view as SVG text at natural size (`width`/`height` in px equal the viewBox): top-down, or
 * left-to-right when that is narrower and the top-down one is wider than {@link TARGET_WIDTH}.
 */
export async function renderView(view: DiagramView, viewIndex: number): Promise<string> {
  let laid = await layout(view, 'DOWN');
  if ((laid.width ?? 0) > TARGET_WIDTH) {
    const across = await layout(view, 'RIGHT');
    if ((across.width ?? 0) < (laid.width ?? 0)) laid = across;
  }
  return draw(view, viewIndex, laid);
}

async function layout(view: DiagramView, direction: 'DOWN' | 'RIGHT'): Promise<LaidGraph> {
  const graph: LaidGraph & { layoutOptions: Record<string, string> } = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction,
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeNode': '16',
      'elk.spacing.edgeEdge': '12',
      'elk.spacing.edgeLabel': '6',
      'elk.spacing.labelLabel': '6',
      'elk.layered.spacing.edgeNodeBetweenLayers': '16',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: [
      ...(view.initial ? [{ id: INIT, width: 12, height: 12 }] : []),
      ...view.nodes.map((n) => ({ id: n.id, ...nodeSize(n) })),
    ],
    edges: [
      ...(view.initial ? [{ id: 'e-init', sources: [INIT], targets: [view.initial] }] : []),
      ...view.edges.map((e, i) => {
        const lines = edgeLines(e);
        return {
          id: `e${i}`,
          sources: [e.from],
          targets: [e.to],
          labels: [
            {
              id: `l${i}`,
              text: lines.join('\n'),
              width: Math.max(...lines.map(textWidth)) + 6,
              height: lines.length * LINE_PX + 2,
            },
          ],
        };
      }),
    ],
  };
  return (await elk.layout(graph)) as LaidGraph;
}

function draw(view: DiagramView, viewIndex: number, laid: LaidGraph): string {
  const width = Math.ceil(laid.width ?? 100);
  const height = Math.ceil(laid.height ?? 100);
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  const marker = `dl-arrow-${viewIndex}`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="dl-svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="${LABEL_PX}">`,
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52525b"/></marker></defs>`,
  ];
  for (const [i, edge] of (laid.edges ?? []).entries()) {
    const section = edge.sections?.[0];
    if (!section) continue;
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    const d = points.map((p, k) => `${k === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const source = view.edges[i - (view.initial ? 1 : 0)];
    const rows = source ? source.events.flatMap((e) => e.rows) : [];
    parts.push(
      `<g class="dl-edge"${rows.length > 0 ? ` data-rows="${rows.join(' ')}"` : ''}><path d="${d}" fill="none" stroke="#52525b" stroke-width="1.3" marker-end="url(#${marker})"/>`,
    );
    for (const label of edge.labels ?? []) {
      if (!source) continue;
      const x = label.x ?? 0;
      const y = label.y ?? 0;
      parts.push(
        `<rect class="dl-label-bg" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(label.width ?? 0).toFixed(1)}" height="${(label.height ?? 0).toFixed(1)}" fill="#ffffff" fill-opacity="0.9"/>`,
      );
      for (const [k, ev] of source.events.entries()) {
        const first = ev.rows[0] ?? 0;
        parts.push(
          `<a href="#${transitionAnchor(first)}" class="dl-event" data-rows="${ev.rows.join(' ')}"><title>${xml(ev.label)}: transition row${ev.rows.length > 1 ? 's' : ''} ${ev.rows.map((r) => `#${r + 1}`).join(', ')}</title><text x="${(x + 3).toFixed(1)}" y="${(y + 1 + (k + 1) * LINE_PX - 4).toFixed(1)}" fill="#1e3a8a">${xml(ev.label)}</text></a>`,
        );
      }
    }
    parts.push('</g>');
  }
  for (const node of laid.children ?? []) {
    const x = node.x ?? 0;
    const y = node.y ?? 0;
    const w = node.width ?? 0;
    const h = node.height ?? 0;
    if (node.id === INIT) {
      parts.push(
        `<circle class="dl-initial" cx="${x + w / 2}" cy="${y + h / 2}" r="${w / 2}" fill="#27272a"/>`,
      );
      continue;
    }
    const n = byId.get(node.id);
    if (!n) continue;
    const drill = n.kind === 'compound' || n.kind === 'parallel';
    const href = drill ? `#${viewAnchor(n.state)}` : n.kind === 'outside' ? '#' : `#${stateAnchor(n.state)}`;
    const label = drill ? `${n.label} ▸` : n.label;
    const fill =
      n.kind === 'outside' ? '#fafafa' : drill ? '#eef2ff' : n.kind === 'final' ? '#f4f4f5' : '#ffffff';
    const stroke = n.kind === 'outside' ? ' stroke-dasharray="4 3"' : '';
    const border = n.kind === 'final' ? 2.5 : 1.3;
    parts.push(
      `<a href="${href}" class="dl-node dl-${n.kind}" data-state="${xml(n.state)}"${drill ? ` data-view="${viewAnchor(n.state)}"` : ''}><title>${xml(n.state || '(any state)')}${drill ? ': open its diagram' : n.kind === 'outside' ? ' (outside this diagram)' : ': its row in the states table'}</title><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="8" fill="${fill}" stroke="#3f3f46" stroke-width="${border}"${stroke}/><text x="${x + w / 2}" y="${y + h / 2 + LABEL_PX * 0.35}" text-anchor="middle" fill="#18181b">${xml(label)}</text></a>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
