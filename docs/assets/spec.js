/* dlstate spec pages: the clause matrix's filters and the diagrams' drill-down, pan/zoom and row links.
   Offline: typedoc ships this file (customJs); svg-pan-zoom is vendored in front of it by the docs build. */
(() => {
  function setupMatrix(root) {
    const rows = [...root.querySelectorAll('tbody tr')];
    const selects = [...root.querySelectorAll('select[data-filter]')];
    const count = root.querySelector('.dl-count');
    const apply = () => {
      let shown = 0;
      for (const row of rows) {
        const ok = selects.every((s) => {
          if (!s.value) return true;
          const value = row.dataset[s.dataset.filter] || '';
          return value.split(' ').includes(s.value) || value === s.value;
        });
        row.classList.toggle('dl-hidden', !ok);
        if (ok) shown += 1;
      }
      if (count) count.textContent = `${shown} of ${rows.length} clauses`;
    };
    for (const s of selects) s.addEventListener('change', apply);
    apply();
  }

  /** Shows the view named by the location hash (a view anchor, or the view holding a state's box). */
  function showView(diagram, id) {
    const views = [...diagram.querySelectorAll('.dl-view')];
    const target = views.find((v) => v.id === id);
    if (!target) return false;
    for (const v of views) v.hidden = v !== target;
    enablePanZoom(target);
    return true;
  }

  /** A view wider than its column gets svg-pan-zoom at scale 1 (labels stay 12 px), with +/− controls. */
  function enablePanZoom(view) {
    const canvas = view.querySelector('.dl-canvas');
    const svg = canvas?.querySelector('svg');
    if (!svg || svg.dataset.panzoom || typeof window.svgPanZoom !== 'function') return;
    const width = Number(svg.getAttribute('width'));
    const height = Number(svg.getAttribute('height'));
    const available = canvas.getBoundingClientRect().width;
    if (available === 0) {
      // typedoc keeps the page hidden until its own script has run: decide once the canvas has a width.
      const observer = new ResizeObserver(() => {
        if (canvas.getBoundingClientRect().width === 0) return;
        observer.disconnect();
        enablePanZoom(view);
      });
      observer.observe(canvas);
      return;
    }
    if (!(width > available)) return;
    svg.dataset.panzoom = 'on';
    svg.removeAttribute('viewBox');
    svg.setAttribute('width', '100%');
    // Full height (the page scrolls vertically); only the width is panned.
    svg.setAttribute('height', String(height + 8));
    canvas.classList.add('dl-panzoom');
    window.svgPanZoom(svg, {
      fit: false,
      contain: false,
      center: false,
      controlIconsEnabled: true,
      mouseWheelZoomEnabled: false,
      dblClickZoomEnabled: false,
      // Let a click on a state or event follow its link (a drag still pans).
      preventMouseEventsDefault: false,
      minZoom: 0.25,
      maxZoom: 4,
    });
  }

  function setupDiagram(diagram) {
    const fromHash = () => {
      const id = decodeURIComponent(location.hash.slice(1));
      if (id.startsWith('dl-view-')) showView(diagram, id);
    };
    window.addEventListener('hashchange', fromHash);
    const first = diagram.querySelector('.dl-view:not([hidden])');
    if (first) enablePanZoom(first);
    fromHash();
  }

  function start() {
    for (const d of document.querySelectorAll('.dl-diagram')) setupDiagram(d);
    for (const v of document.querySelectorAll('.dl-figure .dl-view')) enablePanZoom(v);
    for (const m of document.querySelectorAll('.dl-matrix')) setupMatrix(m);
  }
  // After load: the column's final width (typedoc's own layout and our CSS) decides which views need pan/zoom.
  if (document.readyState === 'complete') start();
  else window.addEventListener('load', start);
})();
