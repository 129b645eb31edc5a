/**
 * The page's script, first half: state, helpers, the jobs table, actions and the live event stream. Plain
 * browser JavaScript in a string (no build step for users). Every text goes in with `textContent`, never as
 * HTML, so payloads and errors show as text. No template literals in here: the string is one itself.
 */
export const DASHBOARD_CORE_SCRIPT = String.raw`
var body = document.body;
var base = body.dataset.base || '';
var readOnly = body.dataset.readOnly === 'true';
var token = document.querySelector('meta[name="scheduler-dashboard-token"]').getAttribute('content');
var state = { jobs: [], health: [], selected: null, detail: null };
var $ = function (id) { return document.getElementById(id); };

function el(tag, attrs) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (key) {
    var value = attrs[key];
    if (value === null || value === undefined || value === false) return;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  });
  for (var i = 2; i < arguments.length; i++) {
    var child = arguments[i];
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
function badge(status, label) {
  return el('span', { class: 'badge s-' + String(status).replace(/\s+/g, '-'), text: label || status });
}
function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
}
function relative(iso) {
  if (!iso) return '–';
  var diff = Date.parse(iso) - Date.now();
  var abs = Math.abs(diff);
  var text = abs < 1500 ? 'now' : abs < 90000 ? Math.round(abs / 1000) + ' s' : abs < 5400000 ? Math.round(abs / 60000) + ' min'
    : abs < 172800000 ? Math.round(abs / 3600000) + ' h' : Math.round(abs / 86400000) + ' d';
  return text === 'now' ? text : diff > 0 ? 'in ' + text : text + ' ago';
}
function time(iso) {
  return el('time', { datetime: iso || '', title: iso ? new Date(iso).toLocaleString() : '', 'data-relative': iso || '', text: relative(iso) });
}
function safeUrl(url) { return typeof url === 'string' && /^https?:\/\//.test(url) ? url : null; }
function toast(message) {
  var box = $('toast');
  box.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(function () { box.textContent = ''; }, 6000);
}

function api(path, method) {
  var init = { method: method || 'GET', credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (init.method === 'POST') init.headers['x-scheduler-dashboard-token'] = token;
  return fetch(base + '/api/' + path, init).then(function (response) {
    return response.json().catch(function () { return {}; }).then(function (json) {
      if (!response.ok) throw new Error((json.error ? json.error + ': ' : '') + (json.message || response.status + ' ' + response.statusText));
      return json;
    });
  });
}
function act(button, path, done) {
  // Busy, not disabled: a disabled button would lose the keyboard focus.
  if (button.getAttribute('aria-busy') === 'true') return;
  button.setAttribute('aria-busy', 'true');
  return api(path, 'POST').then(function (result) { toast(done(result)); return refresh(); })
    .catch(function (error) { toast(error.message); })
    .finally(function () { button.removeAttribute('aria-busy'); });
}
var enc = encodeURIComponent;

function statusOf(job) {
  if (job.running > 0) return 'running';
  if (job.paused) return 'paused';
  return job.lastStatus || 'never';
}
function matches(job) {
  var tier = $('filter-tier').value, status = $('filter-status').value, search = $('filter-search').value.trim().toLowerCase();
  if (tier && job.tier !== tier) return false;
  if (status === 'paused' ? !job.paused : status === 'running' ? job.running === 0 : status && (job.lastStatus || 'never') !== status) return false;
  return !search || job.name.toLowerCase().indexOf(search) >= 0 || job.id.toLowerCase().indexOf(search) >= 0;
}

function renderHealth() {
  var list = $('health');
  list.replaceChildren.apply(list, state.health.map(function (h) {
    var title = Object.keys(h.details).length ? JSON.stringify(h.details) : '';
    return el('li', { title: title }, badge(h.status, h.tier + ': ' + h.status));
  }));
}
function cell(label) {
  // One block beside the label, so that a phone-width card keeps label and content in two columns.
  var content = el('div');
  for (var i = 1; i < arguments.length; i++) if (arguments[i]) content.appendChild(typeof arguments[i] === 'string' ? document.createTextNode(arguments[i]) : arguments[i]);
  return el('td', { 'data-label': label }, content);
}
function engineCell(job) {
  if (job.queue) {
    var c = job.queue.counts;
    var parts = ['waiting', 'active', 'delayed', 'dead'].filter(function (k) { return c[k] !== undefined; }).map(function (k) { return k + ' ' + c[k]; });
    return cell('Engine', el('span', { text: job.queue.provider || 'queue' }), el('div', { class: 'small', text: parts.join(' · ') }));
  }
  if (job.prefect) {
    var url = safeUrl(job.prefect.lastFlowRunUrl);
    var last = job.prefect.lastState ? 'last: ' + job.prefect.lastState : 'no flow run yet';
    return cell('Engine', el('span', { text: 'prefect' }), el('div', { class: 'small' }, url ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: last }) : last));
  }
  return cell('Engine', el('span', { class: 'muted', text: 'in-process' }));
}
function actionsCell(job) {
  if (readOnly) return cell('Actions', el('span', { class: 'muted', text: 'read-only' }));
  // Only what the facade takes for this job: a queue adopted read-only from @nestjs/bullmq offers nothing.
  var can = function (control) { return job.controls.indexOf(control) >= 0; };
  if (!can('trigger') && !can(job.paused ? 'resume' : 'pause'))
    return cell('Actions', el('span', { class: 'muted', title: 'controlled by ' + job.source, text: 'read-only (' + job.source + ')' }));
  var trigger = can('trigger') && el('button', { type: 'button', 'data-focus': 'trigger:' + job.id, 'aria-label': 'Trigger ' + job.name + ' now', text: 'Trigger',
    onclick: function () { act(trigger, 'jobs/' + enc(job.id) + '/trigger', function (r) { return job.name + ': ' + r.status + (r.error ? ' (' + r.error + ')' : ''); }); } });
  var verb = job.paused ? 'resume' : 'pause';
  var toggle = el('button', { type: 'button', 'data-focus': 'toggle:' + job.id, 'aria-label': (job.paused ? 'Resume ' : 'Pause ') + job.name, text: job.paused ? 'Resume' : 'Pause',
    onclick: function () { act(toggle, 'jobs/' + enc(job.id) + '/' + verb, function () { return job.name + (verb === 'pause' ? ' paused' : ' resumed'); }); } });
  return cell('Actions', el('div', { class: 'actions' }, trigger, can(verb) && toggle));
}
function row(job) {
  var status = statusOf(job);
  var tier = el('div', null, badge('tier', job.tier));
  if (job.fallback) tier.appendChild(el('div', { class: 'small', title: job.fallback.reason, text: 'declared ' + job.declaredTier + ' · ' + job.fallback.reason + ' · since ' + new Date(job.fallback.since).toLocaleString() }));
  return el('tr', { 'data-job-id': job.id, class: state.selected === job.id ? 'selected' : null },
    cell('Job', el('button', { type: 'button', class: 'link', 'data-focus': 'open:' + job.id, 'aria-label': 'Runs of ' + job.name, text: job.name, onclick: function () { openDetail(job.id); } }),
      el('div', { class: 'small', text: job.id })),
    cell('Tier', tier),
    cell('Schedule', el('span', { title: job.schedule, text: job.scheduleText })),
    cell('Next run', job.paused ? badge('paused') : time(job.nextRunAt)),
    cell('Last run', time(job.lastRunAt)),
    cell('Status', el('span', { class: 'job-status' }, badge(status, status === 'never' ? 'never run' : status)), job.lastError ? el('div', { class: 'small', text: job.lastError }) : null),
    cell('Duration', duration(job.lastDurationMs), job.metrics && job.metrics.p95DurationMs !== null ? el('div', { class: 'small', title: 'p95 of the last ' + job.metrics.finished + ' finished runs', text: 'p95 ' + duration(job.metrics.p95DurationMs) }) : null),
    cell('Runs / failures', job.runs + ' / ' + job.failures),
    engineCell(job),
    actionsCell(job));
}
function renderJobs() {
  var focused = document.activeElement && document.activeElement.getAttribute('data-focus');
  var rows = state.jobs.filter(matches).map(row);
  var tbody = $('jobs').tBodies[0];
  tbody.replaceChildren.apply(tbody, rows);
  $('empty').hidden = rows.length > 0;
  if (focused) { var again = document.querySelector('[data-focus="' + CSS.escape(focused) + '"]'); if (again) again.focus(); }
}

var refreshing = null, again = false;
function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = api('overview').then(function (overview) {
    state.jobs = overview.jobs; state.health = overview.health;
    renderHealth(); renderJobs();
    if (state.selected) return loadDetail();
  }).catch(function (error) { toast('Could not load: ' + error.message); })
    .finally(function () { refreshing = null; if (again) { again = false; refresh(); } });
  return refreshing;
}
var pending = null;
function refreshSoon() { if (!pending) pending = setTimeout(function () { pending = null; refresh(); }, 200); }

function connect() {
  var live = $('live');
  var source = new EventSource(base + '/api/events', { withCredentials: true });
  source.addEventListener('open', function () { live.textContent = 'live'; live.className = 'live on'; });
  source.addEventListener('error', function () { live.textContent = 'reconnecting…'; live.className = 'live'; });
  source.addEventListener('job', function (message) {
    var event = JSON.parse(message.data);
    var job = state.jobs.find(function (j) { return j.id === event.jobId; });
    if (job && event.type === 'started') { job.running++; renderJobs(); }
    refreshSoon();
  });
}
`;
