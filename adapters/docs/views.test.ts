import { describe, expect, it } from 'vitest';
import { describeMachine, type MachineDescription } from '../../machines/describe.js';
import { MACHINES } from '../../machines/registry.js';
import { LABEL_PX, renderView, stateAnchor, transitionAnchor, viewAnchor } from './elk-diagram.js';
import { diagramViews } from './views.js';

const dlota = describeMachine(MACHINES.find((m) => m.id === 'dlota')!.machine);

describe('diagram views', () => {
  it('are derived from the chart: an overview plus one per compound state, every state a box of its parent’s view', () => {
    for (const entry of MACHINES) {
      const d = describeMachine(entry.machine);
      const views = diagramViews(d);
      const compound = d.states.filter((s) => s.type === 'compound' || s.type === 'parallel');
      expect(views.map((v) => v.scope)).toEqual(['', ...compound.map((s) => s.id)]);
      for (const s of d.states) {
        const home = views.find((v) => v.scope === (s.parent ?? ''))!;
        expect(
          home.nodes.map((n) => n.id),
          `${entry.id} ${s.id}`,
        ).toContain(s.id);
      }
    }
  });

  it('lift each targeted transition into the view holding its source, and merge events per pair of boxes', () => {
    const overview = diagramViews(dlota)[0]!;
    // retrieving.downloading → notifying is drawn in the overview as retrieving → notifying.
    const edge = overview.edges.find((e) => e.from === 'retrieving' && e.to === 'notifying')!;
    expect(edge.events.map((e) => e.label)).toContain('CONNECTION.LOST');
    const rows = edge.events.flatMap((e) => e.rows);
    for (const order of rows) {
      const t = dlota.transitions[order]!;
      expect(t.source === 'retrieving' || t.source.startsWith('retrieving.')).toBe(true);
    }
    // The same transitions appear in the retrieving view, their target outside it as a dashed box.
    const inner = diagramViews(dlota).find((v) => v.scope === 'retrieving')!;
    expect(inner.nodes.find((n) => n.id === 'ext:notifying')?.kind).toBe('outside');
    expect(inner.initial).toBe('retrieving.requesting');
  });

  it('take up a transition the chart gains, with nothing hard-coded per machine', () => {
    const grown: MachineDescription = {
      ...dlota,
      transitions: [
        ...dlota.transitions,
        {
          ...dlota.transitions[0]!,
          source: 'installing',
          event: 'NEW.EVENT',
          targets: ['validating'],
          order: 999,
        },
      ],
    };
    const edge = diagramViews(grown)[0]!.edges.find((e) => e.from === 'installing' && e.to === 'validating');
    expect(edge?.events).toEqual([{ label: 'NEW.EVENT', rows: [999] }]);
  });

  it('render at natural size with 12 px labels, each state and event a link to its row or view', async () => {
    const views = diagramViews(dlota);
    const svg = await renderView(views[0]!, 0);
    const [, w, vw] = /width="(\d+)" height="\d+" viewBox="0 0 (\d+) \d+"/.exec(svg) ?? [];
    expect(w).toBe(vw);
    expect(svg).toContain(`font-size="${LABEL_PX}"`);
    expect(svg).toContain(`href="#${viewAnchor('retrieving')}"`);
    expect(svg).toContain(`href="#${stateAnchor('installing')}"`);
    const fetch = dlota.transitions.find((t) => t.event === 'DESCRIPTOR.LOADED')!;
    expect(svg).toContain(`href="#${transitionAnchor(fetch.order)}"`);
  });
});
