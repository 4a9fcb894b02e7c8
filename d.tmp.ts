import { writeFileSync } from 'node:fs';
import { renderView } from './adapters/docs/elk-diagram.js';
import { diagramViews } from './adapters/docs/views.js';
import { describeMachine } from './machines/describe.js';
import { MACHINES } from './machines/registry.js';

for (const m of MACHINES) {
  const views = diagramViews(describeMachine(m.machine));
  for (const [i, v] of views.entries()) {
    const t = Date.now();
    const svg = await renderView(v, i);
    const w = /width="(\d+)" height="(\d+)"/.exec(svg);
    console.log(
      m.id,
      v.scope || '(overview)',
      v.nodes.length,
      v.edges.length,
      w?.[1],
      w?.[2],
      Date.now() - t,
      'ms',
    );
    writeFileSync(`/tmp/sc17/${m.id}-${i}.svg`, svg);
  }
}
