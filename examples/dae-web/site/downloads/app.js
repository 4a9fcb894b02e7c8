/*
 * A download page written as an HbbTV/OIPF application: plain ES5, the DAE objects from <object> elements,
 * progress by polling the Download objects, state changes from onDownloadStateChange. It works on an OITF
 * as it is; in a desktop browser `dlstate manager serve-dae --static` serves it with /dae.js.
 */
(() => {
  var dm = document.getElementById('dlmgr');
  var dt = document.getElementById('dltrigger');
  var STATES = { 1: 'completed', 2: 'in progress', 4: 'paused', 8: 'failed', 16: 'queued', 32: 'stalled' };
  var RESERVE_NAMES = [
    'RESERVE_OK',
    'RESERVE_NEVER',
    'RESERVE_USER_INTERVENTION_REQD',
    'RESERVE_USER_DECLINED',
    'RESERVE_TOO_LARGE',
    'RESERVE_SMALLER_THAN_USED',
    'RESERVE_UNKNOWN',
  ];
  var ALL_STATES = 63;
  var rows = {};

  function status(text) {
    document.getElementById('status').textContent = text;
  }

  if (!window.oipfObjectFactory || !oipfObjectFactory.isObjectSupported('application/oipfDownloadManager')) {
    status('no download manager for this application');
    return;
  }

  function downloads() {
    var list = dm.createFilteredList(undefined, ALL_STATES);
    var out = [];
    for (var i = 0; i < list.length; i++) out.push(list.item(i));
    return out;
  }

  function find(id) {
    var all = downloads();
    for (var i = 0; i < all.length; i++) if (all[i].id === id) return all[i];
    return undefined;
  }

  function button(action, id) {
    var b = document.createElement('button');
    b.textContent = action;
    b.setAttribute('data-action', action);
    b.setAttribute('data-id', id);
    return b;
  }

  function row(id) {
    if (rows[id]) return rows[id];
    var tr = document.createElement('tr');
    tr.setAttribute('data-id', id);
    tr.innerHTML =
      '<td class="id"></td><td class="name"></td><td class="state"></td>' +
      '<td><progress max="1" value="0"></progress> <span class="bytes"></span></td><td class="actions"></td>';
    tr.querySelector('.id').textContent = id;
    var actions = tr.querySelector('.actions');
    if (typeof dm.pause === 'function') actions.appendChild(button('pause', id));
    if (typeof dm.resume === 'function') actions.appendChild(button('resume', id));
    actions.appendChild(button('remove', id));
    document.getElementById('list').appendChild(tr);
    rows[id] = tr;
    return tr;
  }

  function render() {
    var seen = {};
    var all = downloads();
    for (var i = 0; i < all.length; i++) {
      var d = all[i];
      seen[d.id] = true;
      var tr = row(d.id);
      tr.setAttribute('data-state', String(d.state));
      tr.querySelector('.name').textContent = d.name || '';
      tr.querySelector('.state').textContent =
        STATES[d.state] + (d.state === 8 ? ' (reason ' + d.reason + ')' : '');
      var progress = tr.querySelector('progress');
      progress.max = d.totalSize || 1;
      progress.value = d.amountDownloaded || 0;
      tr.querySelector('.bytes').textContent =
        d.amountDownloaded + ' / ' + (d.totalSize === undefined ? '?' : d.totalSize);
      var pause = tr.querySelector('[data-action="pause"]');
      var resume = tr.querySelector('[data-action="resume"]');
      if (pause) pause.disabled = !(d.state === 2 || d.state === 16 || d.state === 32);
      if (resume) resume.disabled = d.state !== 4;
    }
    for (var id in rows) {
      if (!seen[id]) {
        rows[id].parentNode.removeChild(rows[id]);
        delete rows[id];
      }
    }
    var reserved = dm.hasReserved;
    document.getElementById('reserved').textContent =
      reserved < 0 ? 'no reservation' : reserved + ' MB reserved, ' + dm.allocated + ' MB used';
  }

  dm.onDownloadStateChange = (item, state, reason) => {
    var li = document.createElement('li');
    li.textContent = item.id + ' ' + state + (reason === undefined ? '' : ' reason ' + reason);
    li.setAttribute('data-id', item.id);
    li.setAttribute('data-state', String(state));
    document.getElementById('events').appendChild(li);
    render();
  };

  document.getElementById('list').addEventListener('click', (e) => {
    var target = e.target;
    var action = target.getAttribute && target.getAttribute('data-action');
    if (!action) return;
    var id = target.getAttribute('data-id');
    var ok = dm[action](find(id));
    status(action + ' ' + id + ': ' + ok);
    render();
  });

  document.getElementById('register').addEventListener('submit', (e) => {
    e.preventDefault();
    var url = document.getElementById('url').value;
    var priority = Number(document.getElementById('priority').value) || 0;
    var id = dt.registerDownloadURL(url, 'application/octet-stream', null, priority);
    status(id === undefined ? 'registration refused' : 'registered ' + id);
    render();
  });

  document.getElementById('reserve').addEventListener('submit', (e) => {
    e.preventDefault();
    var result = dm.reserve(Number(document.getElementById('bytes').value));
    status('reserve: ' + RESERVE_NAMES[result]);
  });

  status('ready');
  render();
  setInterval(render, 250);
})();
