/**
 * The viewer page's script, inlined into the page (no bundle, no CDN): it subscribes to the relay,
 * keeps the actors it hears about, highlights the selected actor's active states in its machine's
 * diagram, logs each event with the transitions taken and their clause ids, and records every
 * highlighted state in `window.__dlstateInspector.history` for tests.
 *
 * Kept as plain ES2017 text rather than a compiled function so no build step or transpiler helper can
 * leak into the page.
 *
 * @module
 */

/** The script's source (reads its settings from the `#dl-config` JSON element). */
export const VIEWER_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('dl-config').textContent);
  var inspector = { history: [], actors: {}, selected: null, connected: false, messages: 0, lastSeq: 0 };
  window.__dlstateInspector = inspector;
  var statusEl = document.getElementById('dl-status');
  var select = document.getElementById('dl-actor');
  var logEl = document.getElementById('dl-log');
  var currentEl = document.getElementById('dl-current');
  var nameEl = document.getElementById('dl-machine-name');
  var pinned = false;
  var MAX_LOG = 400;

  function leafIds(ids) {
    return ids.filter(function (id) {
      return !ids.some(function (other) { return other.indexOf(id + '.') === 0; });
    });
  }
  function paneOf(machineId) {
    var panes = document.querySelectorAll('[data-machine]');
    for (var i = 0; i < panes.length; i++) if (panes[i].getAttribute('data-machine') === machineId) return panes[i];
    return null;
  }
  function showMachine(machineId) {
    var panes = document.querySelectorAll('[data-machine]');
    for (var i = 0; i < panes.length; i++) panes[i].hidden = panes[i].getAttribute('data-machine') !== machineId;
    var pane = paneOf(machineId);
    nameEl.textContent = pane ? pane.getAttribute('data-name') + ' (' + machineId + ')' : machineId + ' (no diagram)';
  }
  function highlight(actor) {
    showMachine(actor.machineId);
    var marked = document.querySelectorAll('.dl-active, .dl-active-parent');
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove('dl-active', 'dl-active-parent');
    var pane = paneOf(actor.machineId);
    var leaves = leafIds(actor.stateIds);
    if (pane) {
      var nodes = pane.querySelectorAll('[data-state]');
      for (var j = 0; j < nodes.length; j++) {
        var id = nodes[j].getAttribute('data-state');
        if (leaves.indexOf(id) >= 0) nodes[j].classList.add('dl-active');
        else if (actor.stateIds.indexOf(id) >= 0) nodes[j].classList.add('dl-active-parent');
      }
    }
    var key = leaves.join(',');
    currentEl.textContent = (key || '(no state)') + (actor.status && actor.status !== 'active' ? ' (actor ' + actor.status + ')' : '');
    if (key && inspector.history[inspector.history.length - 1] !== key) inspector.history.push(key);
  }
  function labelOf(actor) {
    if (actor.label) return actor.label + ' (' + actor.machineId + ')';
    return actor.machineId + ' #' + actor.index + (actor.parentId ? ' (child)' : '');
  }
  function rank(actor) {
    return (config.machine && actor.machineId === config.machine ? 2 : 0) + (actor.parentId ? 0 : 1);
  }
  function choose(sessionId) {
    inspector.selected = sessionId;
    select.value = sessionId;
    var actor = inspector.actors[sessionId];
    if (actor) highlight(actor);
  }
  function actorFor(message) {
    var actor = inspector.actors[message.sessionId];
    if (actor) {
      if (message.machineId && message.machineId !== 'unknown') actor.machineId = message.machineId;
      return actor;
    }
    actor = {
      sessionId: message.sessionId,
      machineId: message.machineId,
      parentId: message.parentId,
      label: message.label,
      index: Object.keys(inspector.actors).length + 1,
      stateIds: [],
      status: 'active',
    };
    inspector.actors[message.sessionId] = actor;
    var option = document.createElement('option');
    option.value = actor.sessionId;
    option.textContent = labelOf(actor);
    select.appendChild(option);
    var current = inspector.selected && inspector.actors[inspector.selected];
    // Follow the newest run unless the reader picked an actor; prefer the --machine asked for.
    if (!pinned && (!current || rank(actor) > rank(current) || (rank(actor) === rank(current) && !actor.parentId))) {
      inspector.selected = actor.sessionId;
      select.value = actor.sessionId;
    }
    return actor;
  }
  function logRow(actor, message) {
    var row = document.createElement('li');
    var who = document.createElement('span');
    who.className = 'dl-who';
    who.textContent = labelOf(actor);
    var ev = document.createElement('code');
    ev.className = 'dl-event';
    ev.textContent = message.event.type || '(none)';
    var to = document.createElement('span');
    to.className = 'dl-to';
    to.textContent = ' → ' + (leafIds(message.stateIds).join(', ') || '(no state)');
    row.appendChild(who);
    row.appendChild(ev);
    row.appendChild(to);
    if (message.transitions.length > 0) {
      var list = document.createElement('ul');
      list.className = 'dl-transitions';
      message.transitions.forEach(function (t) {
        var item = document.createElement('li');
        item.textContent = t.source + ' —' + (t.event || 'always') + '→ ' + (t.targets.join(', ') || '(stays)');
        if (t.clauses.length > 0) {
          var clauses = document.createElement('span');
          clauses.className = 'dl-clauses';
          clauses.textContent = ' [' + t.clauses.join(' ') + ']';
          item.appendChild(clauses);
        }
        list.appendChild(item);
      });
      row.appendChild(list);
    }
    logEl.insertBefore(row, logEl.firstChild);
    while (logEl.childNodes.length > MAX_LOG) logEl.removeChild(logEl.lastChild);
  }
  function receive(message) {
    if (typeof message.seq === 'number') {
      if (message.seq <= inspector.lastSeq) return;
      inspector.lastSeq = message.seq;
    }
    inspector.messages += 1;
    var actor = actorFor(message);
    if (message.type === 'snapshot') {
      actor.stateIds = message.stateIds;
      actor.status = message.status || actor.status;
      logRow(actor, message);
    }
    if (inspector.selected === actor.sessionId) highlight(actor);
  }
  select.addEventListener('change', function () {
    pinned = true;
    choose(select.value);
  });
  function connect() {
    statusEl.textContent = 'connecting to ' + config.wsUrl + ' …';
    var socket = new WebSocket(config.wsUrl);
    socket.onopen = function () {
      inspector.connected = true;
      statusEl.textContent = 'connected to ' + config.wsUrl;
      statusEl.className = 'dl-ok';
    };
    socket.onmessage = function (e) {
      var message;
      try { message = JSON.parse(e.data); } catch (err) { return; }
      if (message && typeof message.sessionId === 'string') receive(message);
    };
    socket.onclose = function () {
      if (inspector.connected) statusEl.textContent = 'disconnected from ' + config.wsUrl + '; retrying';
      statusEl.className = 'dl-bad';
      inspector.connected = false;
      setTimeout(connect, 2000);
    };
  }
  showMachine(config.machine || config.machines[0]);
  connect();
})();
`;
