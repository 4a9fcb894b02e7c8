/**
 * The viewer page: one self-contained HTML document (inline SVG diagrams, inline style and script) that
 * loads nothing but its WebSocket to the relay, and says on the page which URL that is.
 *
 * @module
 */
import type { InspectDiagram } from './diagram.js';
import { VIEWER_SCRIPT } from './viewer-script.js';

/** What the page needs to know. */
export interface ViewerPageOptions {
  /** The relay's viewer endpoint, e.g. `ws://127.0.0.1:41234/view`. */
  readonly wsUrl: string;
  /** The relay's producer endpoint, shown so a reader knows what to pass to `--inspect`. */
  readonly producerUrl: string;
  readonly diagrams: readonly InspectDiagram[];
  /** The machine shown first and preferred when several actors run. */
  readonly machine?: string;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; color: #27272a; }
header { padding: 10px 16px; border-bottom: 1px solid #e4e4e7; display: flex; gap: 24px; flex-wrap: wrap; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
#dl-status.dl-ok { color: #15803d; } #dl-status.dl-bad { color: #b91c1c; }
main { display: flex; gap: 16px; padding: 12px 16px; align-items: flex-start; }
#dl-diagrams { flex: 3; min-width: 0; }
#dl-diagrams svg { max-width: 100%; height: auto; }
aside { flex: 2; min-width: 320px; max-height: 90vh; overflow: auto; }
#dl-current { font-weight: 600; font-family: ui-monospace, monospace; }
#dl-log { list-style: none; padding: 0; margin: 0; font-size: 13px; }
#dl-log > li { border-bottom: 1px solid #f4f4f5; padding: 4px 0; }
.dl-who { color: #71717a; margin-right: 6px; }
.dl-transitions { margin: 2px 0 0 12px; padding: 0; list-style: none; color: #3f3f46; font-family: ui-monospace, monospace; font-size: 12px; }
.dl-clauses { color: #1d4ed8; }
[data-state].dl-active > rect, [data-state].dl-active > circle { fill: #fde68a !important; stroke: #b45309 !important; stroke-width: 2.5px !important; }
[data-state].dl-active > text { font-weight: 700; }
[data-state].dl-active-parent > rect:first-of-type { stroke: #b45309 !important; stroke-width: 2px !important; }
`;

/** Renders the viewer page. */
export function renderViewerPage(options: ViewerPageOptions): string {
  const first = options.machine ?? options.diagrams[0]?.machineId ?? '';
  const config = {
    wsUrl: options.wsUrl,
    producerUrl: options.producerUrl,
    machine: options.machine ?? null,
    machines: options.diagrams.map((d) => d.machineId),
  };
  const panes = options.diagrams
    .map(
      (d) =>
        `<section class="dl-diagram" data-machine="${html(d.machineId)}" data-name="${html(d.name)}"${d.machineId === first ? '' : ' hidden'}>\n${d.svg}\n</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>dlstate inspect</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>dlstate inspect</h1>
<span id="dl-status">connecting to ${html(options.wsUrl)} …</span>
<span>producers: <code id="dl-producer-url">${html(options.producerUrl)}</code> (pass to <code>--inspect</code>)</span>
</header>
<main>
<div id="dl-diagrams">
<p><label>actor <select id="dl-actor"></select></label> <span id="dl-machine-name"></span></p>
<p>active: <span id="dl-current">(waiting for a producer)</span></p>
${panes}
</div>
<aside>
<h2>events</h2>
<ol id="dl-log"></ol>
</aside>
</main>
<script type="application/json" id="dl-config">${scriptJson(config)}</script>
<script>${VIEWER_SCRIPT}</script>
</body>
</html>
`;
}
