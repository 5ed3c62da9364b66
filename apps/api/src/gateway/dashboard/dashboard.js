/* Live dashboard: lists the caller's recent executions (REST) and follows them (Socket.IO). */
/* global io */
(function () {
  'use strict';

  const STORAGE_KEY = 'rpa.dashboard.key';
  const MAX_ROWS = 50;
  const MAX_LOG_LINES = 5;
  const EVENT_TYPES = [
    'execution.created',
    'execution.started',
    'execution.progress',
    'execution.log',
    'execution.completed',
    'execution.failed',
    'execution.cancelled',
  ];
  const RANK = { PENDING: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2, CANCELLED: 2 };

  const $ = (id) => document.getElementById(id);
  const tbody = $('executions').querySelector('tbody');
  /** execution id → { data, cells } */
  const rows = new Map();
  let socket = null;
  let received = 0;
  let lastEventAt = null;

  function setConnection(state, text) {
    const el = $('connection');
    el.dataset.state = state;
    el.textContent = text;
  }

  function summary() {
    const at = lastEventAt ? ` · last at ${lastEventAt.toLocaleTimeString()}` : '';
    $('summary').textContent = `${rows.size} executions · ${received} live events${at}`;
    $('empty').hidden = rows.size > 0;
  }

  function cell(tr, className) {
    const td = document.createElement('td');
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function createRow(execution, atTop) {
    const tr = document.createElement('tr');
    tr.dataset.executionId = execution.id;
    const id = cell(tr, 'id');
    id.textContent = execution.id.slice(0, 8);
    id.title = execution.id;
    const cells = {
      tr,
      project: cell(tr, 'project'),
      status: cell(tr, 'status'),
      progress: cell(tr, 'progress'),
      created: cell(tr, 'created'),
      logs: document.createElement('ol'),
    };
    cells.logs.className = 'logs';
    cell(tr, 'log').appendChild(cells.logs);
    const bar = document.createElement('progress');
    bar.max = 100;
    const pct = document.createElement('span');
    cells.progress.append(bar, ' ', pct);
    cells.bar = bar;
    cells.pct = pct;
    if (atTop) tbody.insertBefore(tr, tbody.firstChild);
    else tbody.appendChild(tr);
    const row = { data: { ...execution, logs: [] }, cells };
    rows.set(execution.id, row);
    while (rows.size > MAX_ROWS) {
      const last = tbody.lastElementChild;
      rows.delete(last.dataset.executionId);
      last.remove();
    }
    render(row);
    return row;
  }

  function render(row) {
    const { data, cells } = row;
    cells.project.textContent = data.project_id;
    cells.status.textContent = data.status;
    cells.status.dataset.status = data.status;
    const progress = Math.max(0, Math.min(100, Number(data.progress) || 0));
    cells.bar.value = progress;
    cells.pct.textContent = `${progress}%`;
    cells.created.textContent = data.created_at ? new Date(data.created_at).toLocaleString() : '';
    cells.created.title = data.error || '';
    cells.logs.replaceChildren(
      ...data.logs.map((line) => {
        const li = document.createElement('li');
        li.value = line.seq;
        li.textContent = `[${line.level}] ${line.message}`;
        return li;
      }),
    );
  }

  /** Events carry states: one that arrives late (after a fresher snapshot) never goes back. */
  function merge(row, state, final) {
    const data = row.data;
    if ((RANK[state.status] ?? 0) >= (RANK[data.status] ?? 0)) data.status = state.status;
    if (typeof state.progress === 'number' && state.progress > data.progress) {
      data.progress = state.progress;
    }
    if (final && state.status === 'COMPLETED') data.progress = 100;
    if (state.error) data.error = state.error;
    if (state.log && !data.logs.some((line) => line.seq === state.log.seq)) {
      data.logs.push(state.log);
      data.logs.sort((a, b) => a.seq - b.seq);
      data.logs.splice(0, Math.max(0, data.logs.length - MAX_LOG_LINES));
    }
    render(row);
  }

  function apply(type, event) {
    received++;
    lastEventAt = new Date();
    const row =
      rows.get(event.execution_id) ||
      createRow(
        {
          id: event.execution_id,
          project_id: event.project_id,
          status: event.status,
          progress: event.progress || 0,
          created_at: event.ts,
        },
        true,
      );
    merge(row, event, type === 'execution.completed');
    summary();
  }

  async function loadRecent(key) {
    const headers = key ? { Authorization: `Bearer ${key}` } : {};
    const res = await fetch('/v1/executions?pageSize=20', { headers });
    const body = await res.json().catch(() => null);
    if (!res.ok || !body || body.code !== '0000') {
      throw new Error((body && body.msg) || `GET /v1/executions answered ${res.status}`);
    }
    for (const execution of body.data.records) {
      const known = rows.get(execution.id);
      if (known) merge(known, execution, true);
      else createRow(execution, false);
    }
    summary();
  }

  function connect(key) {
    if (socket) socket.disconnect();
    setConnection('connecting', 'Connecting…');
    // Behind the platform's gateway the trusted header authenticates; otherwise the key.
    socket = io('/executions', { path: '/socket.io', auth: key ? { token: key } : {} });
    for (const type of EVENT_TYPES) socket.on(type, (event) => apply(type, event));
    socket.on('connect', () => {
      setConnection('live', 'Live');
      // Listed after the socket is live, so nothing falls between the list and the events.
      loadRecent(key).catch((err) => setConnection('error', `Could not list: ${err.message}`));
    });
    socket.on('connect_error', (err) => {
      const detail = err.data && err.data.message ? ` (${err.data.message})` : '';
      const final = !socket.active;
      setConnection(final ? 'error' : 'connecting', `Refused: ${err.message}${detail}`);
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') {
        setConnection('closed', 'Disconnected by the server (was the key revoked?)');
      } else if (reason !== 'io client disconnect') {
        setConnection('connecting', `Reconnecting… (${reason})`);
      }
    });
  }

  function start(key) {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    connect(key);
  }

  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    start($('key').value.trim());
  });
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(STORAGE_KEY);
    $('key').value = '';
    if (socket) socket.disconnect();
    socket = null;
    setConnection('idle', 'Not connected');
  });

  // `?key=` connects at once; the key is then dropped from the address bar and history.
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('key');
  if (fromUrl) {
    url.searchParams.delete('key');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  const key = fromUrl || sessionStorage.getItem(STORAGE_KEY);
  summary();
  if (key) {
    $('key').value = key;
    start(key);
  }
})();
