// Lepton dashboard: polls the REST API every 2 s and renders the cluster. Plain JS, no dependencies, no external fetches.
(() => {
  'use strict';

  const POLL_MS = 2000;
  const HOUR_MS = 3600 * 1000;
  const TOKEN_KEY = 'lepton.token';
  const THEME_KEY = 'lepton.theme';
  const ACTIVE = ['Pending', 'Scheduled', 'Running'];
  const FINISHED = ['Succeeded', 'Failed', 'Cancelled'];
  const STATES = ['Pending', 'Scheduled', 'Running', 'Succeeded', 'Failed', 'Cancelled'];
  const MAX_JOB_ROWS = 300;

  const $ = (id) => document.getElementById(id);
  const view = {
    token: sessionStorage.getItem(TOKEN_KEY),
    filter: 'active',
    nodes: [],
    jobs: [],
    summary: null,           // GET /api/v1/jobs/summary: counts by state
    serverHistory: null,     // samples from GET /api/v1/cluster/utilization, when the server has it
    localHistory: [],        // samples this page took itself, the fallback
    lastRendered: { nodes: '', jobs: '' },
    timer: 0,
  };

  class AuthError extends Error {}

  // ---------- tiny DOM builder: text is always set as text, never parsed as HTML ----------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'style') el.setAttribute('style', v);
      else if (k.startsWith('data-') || k === 'title' || k === 'role' || k.startsWith('aria-')) el.setAttribute(k, v);
      else el[k] = v;
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }
  const svg = (tag, attrs) => {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    return el;
  };

  // ---------- formatting ----------
  const fmt = {
    num(x, digits = 1) {
      if (!isFinite(x)) return '–';
      const r = Math.round(x * 10 ** digits) / 10 ** digits;
      return r.toLocaleString('en-US', { maximumFractionDigits: digits });
    },
    gpus: (milli) => fmt.num(milli / 1000, 2),
    cores: (milli) => fmt.num(milli / 1000, 1),
    mem(mib) {
      if (mib >= 1024 * 1024) return fmt.num(mib / 1024 / 1024, 1) + ' TiB';
      if (mib >= 1024) return fmt.num(mib / 1024, 1) + ' GiB';
      return fmt.num(mib, 0) + ' MiB';
    },
    pct: (a, b) => (b > 0 ? Math.round((100 * a) / b) : 0),
    money: (x) => '$' + x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    age(iso) {
      const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
      if (s < 60) return Math.floor(s) + 's';
      if (s < 3600) return Math.floor(s / 60) + 'm';
      if (s < 172800) return Math.floor(s / 3600) + 'h';
      return Math.floor(s / 86400) + 'd';
    },
    clock: (t) => new Date(t).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
    clockSec: (t) => new Date(t).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  };

  // ---------- API ----------
  async function api(path, token = view.token) {
    const response = await fetch(path, {
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
      cache: 'no-store',
    });
    if (response.status === 401) throw new AuthError('The server did not accept this token.');
    if (!response.ok) {
      let message = response.status + ' ' + response.statusText;
      try {
        const problem = await response.json();
        message = problem.detail || problem.title || message;
      } catch { /* not JSON */ }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  // ---------- token gate ----------
  function showGate(message) {
    clearTimeout(view.timer);
    $('app').hidden = true;
    $('foot').hidden = true;
    $('signout').hidden = true;
    $('gate').hidden = false;
    $('gate-error').textContent = message || '';
    setLive('idle', 'Not connected');
    $('token').focus();
  }

  function showApp() {
    $('gate').hidden = true;
    $('app').hidden = false;
    $('foot').hidden = false;
    $('signout').hidden = false;
  }

  $('gate-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    $('gate-error').textContent = '';
    try {
      await api('/api/v1/nodes', token);
      view.token = token;
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token').value = '';
      showApp();
      poll();
    } catch (error) {
      $('gate-error').textContent = error instanceof AuthError ? error.message
        : error.status === 403 ? 'This token may not read the cluster (an agent token?). Use an admin or tenant token.'
        : 'Could not reach the server: ' + error.message;
    }
  });

  $('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    view.token = null;
    showGate();
  });

  // ---------- theme ----------
  function applyTheme(theme) {
    document.documentElement.dataset.theme = theme;
  }
  const savedTheme = localStorage.getItem(THEME_KEY);
  applyTheme(savedTheme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  if ($('nodes-group')) $('nodes-group').addEventListener('change', () => renderNodes());
  $('theme').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
    renderChart();
  });

  // ---------- polling ----------
  function setLive(state, text) {
    $('live').dataset.state = state;
    $('live-text').textContent = text;
  }

  async function poll() {
    clearTimeout(view.timer);
    if (!view.token) return;
    // One request round at a time: a tab switch during a round asks for another round right after it.
    if (view.polling) { view.again = true; return; }
    view.polling = true;
    try {
      await pollOnce();
    } finally {
      view.polling = false;
    }
    if (!view.token) return;
    view.timer = setTimeout(poll, view.again ? 0 : POLL_MS);
    view.again = false;
  }

  async function pollOnce() {
    try {
      // One page of the newest jobs the current tab shows, and counts for all of them: never the whole job history.
      const [nodes, jobs, summary] = await Promise.all([api('/api/v1/nodes'), api(jobsPath(view.filter)), api('/api/v1/jobs/summary')]);
      view.nodes = nodes;
      view.jobs = jobs;
      view.summary = summary;
      recordLocalSample();
      try {
        // Admin only: a tenant token is refused, and the panel stays hidden.
        view.tenants = await api('/api/v1/tenants');
      } catch (error) {
        if (error instanceof AuthError) throw error;
        view.tenants = null;
      }
      try {
        const history = await api('/api/v1/cluster/utilization');
        view.serverHistory = Array.isArray(history.samples) ? history.samples : null;
      } catch (error) {
        if (error instanceof AuthError) throw error;
        view.serverHistory = null; // an older server: draw what this page has seen
      }
      try {
        view.power = await api('/api/v1/usage/power');
      } catch (error) {
        if (error instanceof AuthError) throw error;
        view.power = null; // an older server: no energy accounting
      }
      render();
      setLive('ok', 'Live · ' + fmt.clockSec(Date.now()));
    } catch (error) {
      if (error instanceof AuthError) {
        sessionStorage.removeItem(TOKEN_KEY);
        view.token = null;
        showGate(error.message + ' Enter another one.');
        return;
      }
      setLive('error', 'Cannot reach the server · retrying');
    }
  }

  function jobsPath(filter) {
    const states = filter === 'active' ? ACTIVE : filter === 'pending' ? ['Pending'] : filter === 'finished' ? FINISHED : null;
    return `/api/v1/jobs?order=desc&limit=${MAX_JOB_ROWS}` + (states ? '&state=' + states.join(',') : '');
  }

  // ---------- cluster arithmetic ----------
  function totals(nodes) {
    const t = { gpuCap: 0, gpuAlloc: 0, cpuCap: 0, cpuAlloc: 0, memCap: 0, memAlloc: 0, cost: 0, busyCost: 0, models: new Map(),
      up: 0, down: 0, draining: 0, liveCpu: [], liveMem: 0, liveMemNodes: 0, gpuUtil: [] };
    for (const n of nodes) {
      if (n.state === 'Down') { t.down++; continue; }
      if (n.state === 'Draining') t.draining++;
      t.up++;
      t.gpuCap += n.capacity.gpuMilli; t.gpuAlloc += n.allocated.gpuMilli;
      t.cpuCap += n.capacity.cpuMilli; t.cpuAlloc += n.allocated.cpuMilli;
      t.memCap += n.capacity.memoryMiB; t.memAlloc += n.allocated.memoryMiB;
      t.cost += n.pricePerHour || 0;
      if (n.tasks > 0) t.busyCost += n.pricePerHour || 0;
      if (n.capacity.gpuMilli > 0) {
        const key = n.gpuModel || 'GPU';
        const m = t.models.get(key) || { cap: 0, alloc: 0 };
        m.cap += n.capacity.gpuMilli; m.alloc += n.allocated.gpuMilli;
        t.models.set(key, m);
      }
      if (n.usage) {
        t.liveCpu.push(n.usage.cpuPercent);
        t.liveMem += n.usage.memoryUsedMiB; t.liveMemNodes++;
      }
      for (const g of n.gpus || []) if (g.utilizationPercent !== null && g.utilizationPercent !== undefined) t.gpuUtil.push(g.utilizationPercent);
    }
    return t;
  }

  function recordLocalSample() {
    const t = totals(view.nodes);
    const now = Date.now();
    view.localHistory.push({
      time: new Date(now).toISOString(),
      gpuAllocatedMilli: t.gpuAlloc, gpuCapacityMilli: t.gpuCap,
      gpuUtilizationPercent: t.gpuUtil.length ? t.gpuUtil.reduce((a, b) => a + b, 0) / t.gpuUtil.length : null,
      cpuAllocatedMilli: t.cpuAlloc, cpuCapacityMilli: t.cpuCap,
      memoryAllocatedMiB: t.memAlloc, memoryCapacityMiB: t.memCap,
    });
    while (view.localHistory.length && now - Date.parse(view.localHistory[0].time) > HOUR_MS) view.localHistory.shift();
  }

  // ---------- rendering ----------
  function render() {
    renderSummary();
    renderPower();
    const nodesKey = JSON.stringify(view.nodes);
    if (nodesKey !== view.lastRendered.nodes) { renderNodes(); view.lastRendered.nodes = nodesKey; }
    renderJobs(); // ages change every poll
    renderTenants();
    renderChart();
  }

  // Fair share: each team's guarantee, borrowing limit, what it borrows now and its dominant share of the cluster.
  function renderTenants() {
    const tenants = Array.isArray(view.tenants) ? view.tenants : [];
    $('tenants-panel').hidden = tenants.length === 0;
    $('tenants-count').textContent = tenants.length ? String(tenants.length) : '';
    const gpus = (a) => (a ? fmt.gpus(a.gpuMilli || 0) : null);
    $('tenants-body').replaceChildren(...tenants.map((t) => h('tr', { 'data-tenant': t.name },
      h('td', {}, t.name),
      h('td', { class: 'num' }, fmt.num(t.fairShareWeight, 2)),
      h('td', { class: 'num' }, gpus(t.used)),
      h('td', { class: 'num' }, t.guarantee ? gpus(t.guarantee) : t.quota ? gpus(t.quota) + ' (quota)' : h('span', { class: 'muted' }, 'none')),
      h('td', { class: 'num' }, t.borrowingLimit ? gpus(t.borrowingLimit) : h('span', { class: 'muted' }, 'unlimited')),
      h('td', { class: 'num' }, gpus(t.borrowed)),
      h('td', { class: 'num' }, fmt.num(100 * (t.dominantShare || 0), 1) + '%'))));
  }

  function setMeter(id, part, whole) { $(id).style.width = fmt.pct(part, whole) + '%'; }

  function renderSummary() {
    const t = totals(view.nodes);
    $('gpu-alloc').textContent = fmt.gpus(t.gpuAlloc);
    $('gpu-total').textContent = fmt.gpus(t.gpuCap);
    setMeter('gpu-meter', t.gpuAlloc, t.gpuCap);
    const models = [...t.models.entries()].sort((a, b) => b[1].cap - a[1].cap);
    $('gpu-models').replaceChildren(...(models.length ? models.map(([model, m]) =>
      h('li', { 'data-model': model },
        h('span', { class: 'model' }, model),
        h('span', { class: 'mini' }, h('span', { style: `width:${fmt.pct(m.alloc, m.cap)}%` })),
        h('span', {}, `${fmt.gpus(m.alloc)} / ${fmt.gpus(m.cap)}`)))
      : [h('li', { class: 'muted' }, 'No GPUs registered')]));

    $('cpu-alloc').textContent = fmt.cores(t.cpuAlloc);
    $('cpu-total').textContent = fmt.cores(t.cpuCap);
    setMeter('cpu-meter', t.cpuAlloc, t.cpuCap);
    $('cpu-live').textContent = t.liveCpu.length
      // What the agents measure: the whole machine where the agent detected its CPUs (every process, so it can exceed what
      // is allocated), or its own tasks' use where the CPUs were declared (several agents sharing one machine).
      ? `Measured ${fmt.num(t.liveCpu.reduce((a, b) => a + b, 0) / t.liveCpu.length, 0)}% CPU in use on ${t.liveCpu.length} node${t.liveCpu.length === 1 ? '' : 's'}`
      : 'No live usage reported yet';

    $('mem-alloc').textContent = fmt.mem(t.memAlloc);
    $('mem-total').textContent = fmt.mem(t.memCap);
    setMeter('mem-meter', t.memAlloc, t.memCap);
    $('mem-live').textContent = t.liveMemNodes ? `Live ${fmt.mem(t.liveMem)} in use` : '';

    $('cost').textContent = fmt.money(t.cost);
    $('cost-sub').textContent = t.cost > 0 ? `${fmt.money(t.busyCost)} on nodes running work · ${fmt.money(t.cost - t.busyCost)} idle` : 'No prices set on nodes';
    const parts = [`${t.up} node${t.up === 1 ? '' : 's'} up`];
    if (t.draining) parts.push(`${t.draining} draining`);
    if (t.down) parts.push(`${t.down} down`);
    $('nodes-sub').textContent = parts.join(' · ');

    const counts = Object.fromEntries(STATES.map((s) => [s, (view.summary && view.summary[s.charAt(0).toLowerCase() + s.slice(1)]) || 0]));
    $('job-states').replaceChildren(...STATES.map((s) =>
      h('li', { class: counts[s] ? '' : 'zero', 'data-state': s }, h('span', { class: 'pill ' + s }, s), h('b', {}, counts[s]))));
  }

  // Power now from the node list (measured by agents or estimated from allocation), energy and cost per tenant since the
  // server started from /api/v1/usage/power; 'lepton report usage' has the durable figures.
  function renderPower() {
    const live = view.nodes.filter((n) => typeof n.powerWatts === 'number');
    const watts = live.reduce((a, n) => a + n.powerWatts, 0);
    const measured = live.filter((n) => n.powerSource === 'measured').length;
    const off = view.nodes.filter((n) => n.state === 'PoweredOff' || n.state === 'Waking').length;
    $('power-now').textContent = live.length ? (watts >= 10000 ? fmt.num(watts / 1000, 1) + ' kW' : fmt.num(watts, 0) + ' W') : '–';
    const parts = [];
    if (live.length) parts.push(measured === live.length ? 'measured' : measured ? `${measured} of ${live.length} nodes measured, rest estimated` : 'estimated from allocation');
    if (off) parts.push(`${off} node${off === 1 ? '' : 's'} powered off or waking`);
    $('power-sub').textContent = parts.join(' · ');
    const tenants = (view.power && Array.isArray(view.power.tenants)) ? view.power.tenants : [];
    $('tenant-energy').replaceChildren(...(tenants.length ? tenants.map((t) =>
      h('li', { 'data-tenant': t.tenant },
        h('span', { class: 'model' }, t.tenant),
        h('span', {}, `${fmt.num(t.energyKWh, 3)} kWh`),
        h('span', {}, fmt.money(t.cost))))
      : [h('li', { class: 'muted' }, 'No energy accounted yet')]));
  }

  function bar(kind, used, total, label) {
    return h('td', { class: 'bar-cell' },
      h('div', { class: 'nums' }, h('span', {}, h('b', {}, label(used)), ' / ' + label(total)), h('span', { class: 'muted' }, fmt.pct(used, total) + '%')),
      h('div', { class: 'bar ' + kind }, h('span', { style: `width:${fmt.pct(used, total)}%` })));
  }

  // Grouping by a topology level (a node label such as zone or rack): nodes of one value together, under a heading row.
  const groupValue = (n, level) => (n.labels && n.labels[level]) || '(none)';
  function groupHeadings(nodes, level) {
    if (!level) return nodes.map((n) => [null, n]);
    const rows = [];
    let current = null;
    for (const n of nodes) {
      const value = groupValue(n, level);
      if (value !== current) {
        current = value;
        const members = nodes.filter((m) => groupValue(m, level) === value);
        const used = members.reduce((s, m) => s + m.allocated.gpuMilli, 0);
        const total = members.reduce((s, m) => s + m.capacity.gpuMilli, 0);
        rows.push([h('tr', { class: 'group-row', 'data-group': `${level}=${value}` },
          h('td', { colspan: 8 }, h('b', {}, `${level}=${value}`), ` · ${members.length} node${members.length === 1 ? '' : 's'} · GPUs ${fmt.gpus(used)}/${fmt.gpus(total)}`)), null]);
      }
      rows.push([null, n]);
    }
    return rows;
  }

  function renderNodes() {
    const level = $('nodes-group') ? $('nodes-group').value : '';
    const nodes = [...view.nodes].sort((a, b) => (level ? groupValue(a, level).localeCompare(groupValue(b, level)) : 0) || a.name.localeCompare(b.name));
    $('nodes-count').textContent = nodes.length ? String(nodes.length) : '';
    $('nodes-empty').hidden = nodes.length > 0;
    $('nodes-table').hidden = nodes.length === 0;
    $('nodes-body').replaceChildren(...groupHeadings(nodes, level).map(([heading, n]) => {
      if (heading) return heading;
      const labels = Object.entries(n.labels || {});
      const gpus = (n.gpus || []).slice().sort((a, b) => a.index - b.index);
      const gpuCell = gpus.length
        ? h('div', { class: 'gpus' },
          gpus.map((g) => {
            const alloc = Math.min(1000, g.allocatedMilli || 0);
            const util = g.utilizationPercent === null || g.utilizationPercent === undefined ? 'not reported' : fmt.num(g.utilizationPercent, 0) + '%';
            return h('span', {
              class: 'gpu-bar' + (alloc > 0 ? ' busy' : ''), 'data-gpu': g.index,
              'data-tip': `GPU ${g.index} · ${g.model || n.gpuModel}\nAllocated ${fmt.num(alloc / 10, 0)}%\nLive utilisation ${util}` + (g.memoryMiB ? `\nMemory ${fmt.mem(g.memoryMiB)}` : ''),
            }, h('span', { style: `height:${alloc / 10}%` }));
          }),
          h('span', { class: 'gpu-caption' }, h('b', {}, n.gpuModel || 'GPU'), ` ${fmt.gpus(n.allocated.gpuMilli)}/${fmt.gpus(n.capacity.gpuMilli)}`))
        : h('span', { class: 'muted' }, 'CPU only');
      return h('tr', { 'data-node': n.name, 'data-state': n.state },
        h('td', {}, h('div', { class: 'node-name' }, n.name),
          labels.length ? h('div', { class: 'labels' }, labels.map(([k, v]) => h('span', {}, `${k}=${v}`))) : null,
          n.isolation ? h('div', { class: 'labels' }, h('span', {
            class: 'isolation ' + n.isolation, 'data-isolation': n.isolation,
            title: n.isolation === 'none' ? 'The agent runs tasks without isolation (--isolation none): they can see its files and processes' : 'Tasks run in their own namespaces as an unprivileged user',
          }, n.isolation === 'none' ? 'not isolated' : 'isolated')) : null),
        h('td', {}, h('span', { class: 'pill ' + n.state }, n.state)),
        h('td', {}, gpuCell),
        bar('cpu', n.allocated.cpuMilli, n.capacity.cpuMilli, fmt.cores),
        bar('mem', n.allocated.memoryMiB, n.capacity.memoryMiB, fmt.mem),
        h('td', { class: 'num' }, n.usage && n.state !== 'Down' ? fmt.num(n.usage.cpuPercent, 0) + '%' : h('span', { class: 'muted' }, '–')),
        h('td', { class: 'num' }, n.tasks),
        h('td', { class: 'num' }, n.pricePerHour ? fmt.money(n.pricePerHour) : h('span', { class: 'muted' }, '–')));
    }));
  }

  function jobGpus(j) {
    const r = j.resources || {};
    const per = r.gpu > 0 ? r.gpu * 1000 : (r.gpuMilli || 0);
    if (!per) return '–';
    const total = fmt.gpus(per * Math.max(1, j.replicas));
    const models = r.gpuModels && r.gpuModels.length ? ' ' + r.gpuModels.join('|') : '';
    return total + models;
  }

  function placement(j) {
    // Bound replicas; for a finished job, where its replicas last ran.
    let places = (j.placements || []).slice();
    if (!places.length) places = (j.tasks || []).filter((t) => t.node).map((t) => ({ replica: t.replica, node: t.node, gpus: t.gpus }));
    places.sort((a, b) => a.replica - b.replica);
    if (!places.length) return h('span', { class: 'muted' }, '–');
    // One entry per node, with every GPU index the job holds there: "gpu-1 [0,1,2,3]".
    const byNode = new Map();
    for (const p of places) {
      const gpus = byNode.get(p.node) || [];
      gpus.push(...(p.gpus || []));
      byNode.set(p.node, gpus);
    }
    return [...byNode.entries()].map(([node, gpus]) => node + (gpus.length ? ` [${gpus.join(',')}]` : '')).join(', ');
  }

  function renderJobs() {
    const filter = view.filter;
    const keep = filter === 'active' ? (j) => ACTIVE.includes(j.state)
      : filter === 'pending' ? (j) => j.state === 'Pending'
      : filter === 'finished' ? (j) => FINISHED.includes(j.state)
      : () => true;
    const order = (j) => (filter === 'active' ? ACTIVE.indexOf(j.state) : 0);
    const jobs = view.jobs.filter(keep).sort((a, b) => order(b) - order(a) || b.id - a.id);
    const total = view.summary ? view.summary.total : view.jobs.length;
    $('jobs-count').textContent = total ? String(total) : '';
    $('jobs-empty').hidden = jobs.length > 0;
    $('jobs-table').hidden = jobs.length === 0;
    $('jobs-body').replaceChildren(...jobs.slice(0, MAX_JOB_ROWS).map((j) => {
      const reason = j.reason && (j.state === 'Pending' || j.state === 'Failed') ? j.reason.message : '';
      return h('tr', { 'data-job-id': j.id, 'data-state': j.state },
        h('td', { class: 'num mono' }, j.id),
        h('td', {}, h('span', { class: 'node-name' }, j.name), j.replicas > 1 ? h('span', { class: 'muted', title: 'gang: replicas placed all or nothing' }, ` ×${j.replicas}`) : null,
          j.preemptible ? h('div', { class: 'labels' }, h('span', {}, 'preemptible')) : null),
        h('td', {}, j.tenant),
        h('td', {}, h('span', { class: 'pill ' + j.state }, j.state)),
        h('td', { class: 'num' }, j.priority),
        h('td', { class: 'num' }, jobGpus(j)),
        h('td', { class: 'mono muted' }, placement(j)),
        h('td', { class: 'num muted' }, fmt.age(j.createdAt)),
        h('td', { class: 'reason', title: j.reason ? `${j.reason.code}: ${j.reason.message}` : '' }, reason || (j.exitCode !== null && j.exitCode !== undefined && j.state === 'Failed' ? `exit code ${j.exitCode}` : '')));
    }));
  }

  $('job-tabs').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-filter]');
    if (!button) return;
    view.filter = button.dataset.filter;
    for (const b of $('job-tabs').querySelectorAll('button')) b.setAttribute('aria-selected', String(b === button));
    renderJobs();
    poll(); // the server pages by state: fetch the new tab's jobs now rather than at the next tick
  });

  // ---------- utilisation chart (inline SVG) ----------
  const SERIES = [
    { key: 'gpu', label: 'GPU allocated', value: (s) => pctOf(s.gpuAllocatedMilli, s.gpuCapacityMilli), area: true },
    { key: 'cpu', label: 'CPU allocated', value: (s) => pctOf(s.cpuAllocatedMilli, s.cpuCapacityMilli) },
    { key: 'mem', label: 'Memory allocated', value: (s) => pctOf(s.memoryAllocatedMiB, s.memoryCapacityMiB) },
    { key: 'util', label: 'GPU live utilisation', value: (s) => (s.gpuUtilizationPercent === null || s.gpuUtilizationPercent === undefined ? null : s.gpuUtilizationPercent), dashed: true },
  ];
  function pctOf(a, b) { return b > 0 ? (100 * a) / b : null; }

  function chartSamples() {
    let samples = view.serverHistory && view.serverHistory.length ? view.serverHistory : view.localHistory;
    // The server samples every few seconds; end the lines at what the cards show now, so chart and cards agree.
    const latest = view.localHistory[view.localHistory.length - 1];
    if (samples !== view.localHistory && latest && Date.parse(latest.time) > Date.parse(samples[samples.length - 1].time)) {
      samples = samples.concat([latest]);
    }
    const since = Date.now() - HOUR_MS;
    return samples.filter((s) => Date.parse(s.time) >= since);
  }

  function renderChart() {
    const box = $('chart');
    const width = Math.max(320, box.clientWidth - 16);
    const height = Math.max(160, box.clientHeight - 12);
    const pad = { left: 40, right: 8, top: 10, bottom: 22 };
    const w = width - pad.left - pad.right;
    const hgt = height - pad.top - pad.bottom;
    const now = Date.now();
    const samples = chartSamples();
    // A young cluster has minutes of history, not an hour: show what exists (at least ten minutes) so it is readable.
    const first = samples.length ? Date.parse(samples[0].time) : now;
    const span = Math.min(HOUR_MS, Math.max(10 * 60000, now - first));
    const t0 = now - span;
    $('chart-title').textContent = span >= HOUR_MS ? 'Utilisation, last hour' : `Utilisation, last ${Math.round(span / 60000)} minutes`;
    const x = (t) => pad.left + ((t - t0) / span) * w;
    const y = (p) => pad.top + hgt - (Math.max(0, Math.min(100, p)) / 100) * hgt;
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Cluster utilisation over the last hour' });

    for (const p of [0, 25, 50, 75, 100]) {
      root.append(svg('line', { class: 'gridline', x1: pad.left, x2: width - pad.right, y1: y(p), y2: y(p) }));
      const label = svg('text', { class: 'axis', x: pad.left - 8, y: y(p) + 4, 'text-anchor': 'end' });
      label.textContent = p + '%';
      root.append(label);
    }
    for (let k = 0; k <= 4; k++) {
      const t = t0 + (k * span) / 4;
      const label = svg('text', { class: 'axis', x: x(t), y: height - 4, 'text-anchor': k === 0 ? 'start' : k === 4 ? 'end' : 'middle' });
      label.textContent = k === 4 ? 'now' : fmt.clock(t);
      root.append(label);
    }

    const present = SERIES.filter((s) => samples.some((p) => s.value(p) !== null));
    $('legend').replaceChildren(...present.map((s) => h('li', { class: `k-${s.key}${s.dashed ? ' dashed' : ''}` }, h('i'), s.label)));

    if (samples.length < 2) {
      const note = svg('text', { class: 'empty-note', x: pad.left + w / 2, y: pad.top + hgt / 2, 'text-anchor': 'middle' });
      note.textContent = 'Collecting samples…';
      root.append(note);
    }

    for (const s of present) {
      const points = samples.map((p) => [Date.parse(p.time), s.value(p)]).filter(([, v]) => v !== null);
      if (points.length < 2) continue;
      const d = points.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
      if (s.area) {
        const first = points[0][0];
        const last = points[points.length - 1][0];
        root.append(svg('path', { class: `a-${s.key}`, d: `${d}L${x(last).toFixed(1)},${y(0)}L${x(first).toFixed(1)},${y(0)}Z` }));
      }
      root.append(svg('path', { class: `s-line s-${s.key}`, d }));
    }

    // Hover: a guide line and dots on the nearest sample, drawn in their own layer so the chart is not rebuilt per mouse move.
    const hover = svg('g', {});
    root.append(hover);
    const drawHover = (index) => {
      hover.replaceChildren();
      if (index < 0 || index >= samples.length) return;
      const sample = samples[index];
      const tx = x(Date.parse(sample.time));
      hover.append(svg('line', { class: 'hover-line', x1: tx, x2: tx, y1: pad.top, y2: pad.top + hgt }));
      for (const s of present) {
        const v = s.value(sample);
        if (v !== null) hover.append(svg('circle', { class: 'hover-dot', cx: tx, cy: y(v), r: 3.5, style: `fill: var(--${s.key})` }));
      }
    };
    root.addEventListener('mousemove', (event) => {
      const rect = root.getBoundingClientRect();
      const px = ((event.clientX - rect.left) / rect.width) * width;
      const t = t0 + ((px - pad.left) / w) * span;
      let best = -1; let bestGap = Infinity;
      samples.forEach((p, i) => { const gap = Math.abs(Date.parse(p.time) - t); if (gap < bestGap) { bestGap = gap; best = i; } });
      drawHover(best);
      if (best >= 0) {
        const sample = samples[best];
        showTip(event.clientX, event.clientY, [fmt.clockSec(Date.parse(sample.time))]
          .concat(present.map((s) => { const v = s.value(sample); return `${s.label}: ${v === null ? '–' : fmt.num(v, 0) + '%'}`; })).join('\n'));
      }
    });
    root.addEventListener('mouseleave', () => { drawHover(-1); hideTip(); });
    box.replaceChildren(root);
  }

  // ---------- tooltip for GPU bars and the chart ----------
  function showTip(cx, cy, text) {
    const tip = $('tooltip');
    tip.replaceChildren(...text.split('\n').flatMap((line, i) => (i ? [h('br'), line] : [h('b', {}, line)])));
    tip.hidden = false;
    const r = tip.getBoundingClientRect();
    tip.style.left = Math.min(window.innerWidth - r.width - 8, cx + 14) + 'px';
    tip.style.top = Math.max(8, cy - r.height - 10) + 'px';
  }
  function hideTip() { $('tooltip').hidden = true; }
  document.addEventListener('mouseover', (event) => {
    const target = event.target.closest('[data-tip]');
    if (target) {
      const r = target.getBoundingClientRect();
      showTip(r.right, r.top, target.dataset.tip);
    } else if (!event.target.closest('#chart')) {
      hideTip();
    }
  });

  window.addEventListener('resize', () => renderChart());

  // ---------- start ----------
  $('server-name').textContent = location.host;
  if (view.token) {
    showApp();
    poll();
  } else {
    showGate();
  }
})();
