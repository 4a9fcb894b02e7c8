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

  function start() {
    for (const m of document.querySelectorAll('.dl-matrix')) setupMatrix(m);
    if (typeof window.dlDiagrams === 'function') window.dlDiagrams();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
