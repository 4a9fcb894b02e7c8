/**
 * The docs' diagrams ({@link renderDiagram}) with stable hooks for live highlighting: every group drawing
 * a state gets `data-state="<state id>"` (describeMachine's dotted id), and the SVG's own ids are prefixed
 * per machine so several diagrams can sit inline in one page without their markers clashing.
 *
 * @module
 */
import { describeMachine, type MachineDescription } from '../../machines/describe.js';
import { MACHINES } from '../../machines/registry.js';
import { renderDiagram } from '../docs/diagram.js';

/** A machine's diagram ready for the viewer page. */
export interface InspectDiagram {
  /** The registry id. */
  readonly machineId: string;
  readonly name: string;
  readonly svg: string;
  /** Every state id of the machine, in document order. */
  readonly stateIds: readonly string[];
  /** The state ids the SVG marks with `data-state` (all of them unless the renderer dropped one). */
  readonly annotated: readonly string[];
}

/** The Mermaid node id of a state, as adapters/docs/diagram.ts names it (non-alphanumerics → `__`). */
function mermaidNodeId(stateId: string): string {
  return stateId.replace(/[^A-Za-z0-9_]/g, '__');
}

function attr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * Adds `data-state` to the groups that draw states. beautiful-mermaid draws a state as
 * `<g class="node" data-id="<node id>">` and a compound one as `<g class="subgraph" data-id=…>`; the
 * fallback drawing has one bare `<g>` per state, in document order.
 */
export function annotateSvg(
  description: MachineDescription,
  svg: string,
  renderer: 'beautiful-mermaid' | 'fallback',
): { svg: string; annotated: string[] } {
  const annotated: string[] = [];
  if (renderer === 'fallback') {
    let index = 0;
    const out = svg.replace(/<g>/g, (match) => {
      const state = description.states[index++];
      if (!state) return match;
      annotated.push(state.id);
      return `<g data-state="${attr(state.id)}">`;
    });
    return { svg: out, annotated };
  }
  const byNode = new Map(description.states.map((s) => [mermaidNodeId(s.id), s.id]));
  const out = svg.replace(
    /<g class="(node|subgraph)" data-id="([^"]*)"/g,
    (match, _kind: string, id: string) => {
      const state = byNode.get(id);
      if (state === undefined) return match;
      annotated.push(state);
      return `${match} data-state="${attr(state)}"`;
    },
  );
  return { svg: out, annotated };
}

/** Prefixes every `id="…"` of an SVG and the `url(#…)`/`href="#…"` references to them. */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] as string));
  let out = svg.replace(/\sid="([^"]+)"/g, (_m, id: string) => ` id="${prefix}${id}"`);
  out = out.replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}${id})` : m));
  out = out.replace(/href="#([^"]+)"/g, (m, id: string) => (ids.has(id) ? `href="#${prefix}${id}"` : m));
  return out;
}

/** Renders one machine's diagram for the viewer (once per process: the layout takes a while). */
export function inspectDiagram(machineId: string): InspectDiagram {
  const done = cache.get(machineId);
  if (done) return done;
  const entry = MACHINES.find((m) => m.id === machineId);
  if (!entry)
    throw new Error(
      `no machine ${JSON.stringify(machineId)}; known: ${MACHINES.map((m) => m.id).join(', ')}`,
    );
  const description = describeMachine(entry.machine);
  const rendered = renderDiagram(description);
  const { svg, annotated } = annotateSvg(description, rendered.svg, rendered.renderer);
  const diagram = {
    machineId,
    name: entry.name,
    svg: prefixSvgIds(svg, `${machineId}-`),
    stateIds: description.states.map((s) => s.id),
    annotated,
  };
  cache.set(machineId, diagram);
  return diagram;
}

const cache = new Map<string, InspectDiagram>();

/** Every registered machine's diagram, in registry order. */
export function inspectDiagrams(): readonly InspectDiagram[] {
  return MACHINES.map((m) => inspectDiagram(m.id));
}
