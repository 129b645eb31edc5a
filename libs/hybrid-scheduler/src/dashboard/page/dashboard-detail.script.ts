/**
 * The page's script, second half: the panel of one job (its runs, a chart of durations and lateness, the
 * Prefect flow runs, the dead letters with Retry and Purge) and the start-up. Same rules as the first half.
 */
export const DASHBOARD_DETAIL_SCRIPT = String.raw`
var SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  var node = document.createElementNS(SVG, tag);
  Object.keys(attrs).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
  return node;
}
function chart(runs) {
  var points = runs.filter(function (r) { return r.durationMs !== null || r.latenessMs !== null; }).slice(0, 60).reverse();
  if (points.length === 0) return el('p', { class: 'muted', text: 'No finished runs yet.' });
  var width = 720, height = 120, pad = 4, step = Math.min(24, (width - 2 * pad) / points.length);
  var max = Math.max.apply(null, points.map(function (r) { return Math.max(r.durationMs || 0, r.latenessMs || 0); }).concat([1]));
  var box = svg('svg', { class: 'chart', viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'Durations (bars) and lateness (line) of the last ' + points.length + ' runs, up to ' + duration(max) });
  box.appendChild(svg('line', { class: 'axis', x1: 0, y1: height - 1, x2: width, y2: height - 1 }));
  var line = [];
  points.forEach(function (run, i) {
    var x = pad + i * step;
    var h = ((run.durationMs || 0) / max) * (height - 10);
    var bar = svg('rect', { class: 'duration', x: x + 1, y: height - 1 - h, width: Math.max(1, step - 2), height: h });
    var title = svg('title', {});
    title.textContent = new Date(run.at).toLocaleString() + ': ' + run.status + ', ' + duration(run.durationMs) + ', late ' + duration(run.latenessMs);
    bar.appendChild(title);
    box.appendChild(bar);
    line.push((x + step / 2).toFixed(1) + ',' + (height - 1 - ((run.latenessMs || 0) / max) * (height - 10)).toFixed(1));
  });
  box.appendChild(svg('polyline', { class: 'lateness', points: line.join(' ') }));
  return el('div', null, box, el('div', { class: 'legend small' }, el('span', { class: 'd', text: 'duration' }), el('span', { class: 'l', text: 'lateness' })));
}
function runsTable(runs) {
  if (runs.length === 0) return el('p', { class: 'muted', text: 'No runs yet.' });
  var head = el('tr');
  ['Start', 'Due', 'Lateness', 'Duration', 'Attempt', 'Status', 'Error', 'From'].forEach(function (h) { head.appendChild(el('th', { scope: 'col', text: h })); });
  return el('table', { class: 'runs' }, el('thead', null, head), runsBody(runs));
}
function runsBody(runs) {
  var tbody = el('tbody');
  runs.forEach(function (run) {
    var error = run.error ? el('details', null, el('summary', { text: run.error }), run.stack ? el('pre', { text: run.stack }) : null) : run.reason ? el('span', { class: 'small', text: run.reason }) : '–';
    tbody.appendChild(el('tr', { class: 'run', 'data-run-id': run.runId || '', 'data-from': run.from },
      cell('Start', time(run.at)), cell('Due', run.scheduledAt ? time(run.scheduledAt) : '–'), cell('Lateness', duration(run.latenessMs)),
      cell('Duration', duration(run.durationMs)), cell('Attempt', run.attempt === null ? '–' : String(run.attempt)),
      cell('Status', badge(run.status)), cell('Error', error), cell('From', el('span', { class: 'small', text: run.from }))));
  });
  return tbody;
}
function deadLetters(job, letters) {
  var wrap = el('div', { class: 'dead-letters' }, el('h3', { text: 'Dead letters (' + letters.length + ')' }));
  if (letters.length === 0) { wrap.appendChild(el('p', { class: 'muted', text: 'None.' })); return wrap; }
  if (!readOnly) {
    var purge = el('button', { type: 'button', class: 'danger', 'data-focus': 'purge:' + job.name, text: 'Purge all dead letters',
      onclick: function () {
        if (!window.confirm('Purge all ' + letters.length + ' dead letter(s) of ' + job.name + '? They cannot be retried afterwards.')) return;
        act(purge, 'workflows/' + enc(job.name) + '/dead-letters/purge', function (r) { return r.purged + ' dead letter(s) purged'; });
      } });
    wrap.appendChild(el('p', null, purge));
  }
  var tbody = el('tbody');
  letters.forEach(function (letter) {
    var actions = readOnly ? '–' : (function () {
      var retry = el('button', { type: 'button', 'data-focus': 'retry:' + letter.id, 'aria-label': 'Retry ' + letter.id, text: 'Retry',
        onclick: function () { act(retry, 'dead-letters/' + enc(letter.id) + '/retry', function (r) { return 're-enqueued as ' + r.id; }); } });
      return retry;
    })();
    tbody.appendChild(el('tr', { class: 'dead-letter', 'data-dead-letter-id': letter.id },
      cell('Job', el('span', { class: 'small', text: letter.id })), cell('Failed', time(letter.failedAt)), cell('Attempts', String(letter.attempts)),
      cell('Error', el('details', null, el('summary', { text: letter.error }), letter.stack ? el('pre', { text: letter.stack }) : null)),
      cell('Payload', el('pre', { class: 'payload', text: JSON.stringify(letter.payload, null, 2) })), cell('Actions', actions)));
  });
  var head = el('tr');
  ['Job', 'Failed', 'Attempts', 'Error', 'Payload', 'Actions'].forEach(function (h) { head.appendChild(el('th', { scope: 'col', text: h })); });
  wrap.appendChild(el('table', null, el('thead', null, head), tbody));
  return wrap;
}
function prefectRuns(job) {
  var links = job.prefect.nextRuns.filter(function (r) { return safeUrl(r.url); });
  if (links.length === 0) return el('span'); // replaceChildren would show a null as the text "null"
  var list = el('ul');
  links.forEach(function (r) { list.appendChild(el('li', null, el('a', { href: r.url, target: '_blank', rel: 'noopener noreferrer', text: 'scheduled ' + (r.at ? new Date(r.at).toLocaleString() : '') }))); });
  return el('div', null, el('h3', { text: 'Next flow runs in Prefect' }), list);
}
function engineNote(history) {
  var text = history.error ? 'Engine history not read: ' + history.error
    : history.keptBy ? 'With ' + history.runs + ' run(s) kept by ' + history.keptBy + ' (any replica).'
    : 'Only runs seen by this process: ' + (history.notKept || 'nothing else keeps them') + '.';
  return el('p', { class: 'small muted engine-history', text: text });
}
function metricsLine(job, prefix) {
  var m = job.metrics;
  if (!m) return el('span');
  return el('p', { class: 'small metrics', title: 'Prometheus: ' + prefix + 'runs_total, ' + prefix + 'run_duration_seconds, ' + prefix + 'run_lateness_seconds {job="' + job.name + '"}',
    text: 'Metrics (last ' + m.finished + ' finished here): ' + m.failed + ' failed attempt(s) · duration p50 ' + duration(m.p50DurationMs) + ', p95 ' + duration(m.p95DurationMs) + ' · lateness p95 ' + duration(m.p95LatenessMs) });
}
function renderDetail() {
  var detail = state.detail, job = detail.job, counts = job.queue ? job.queue.counts : null;
  var summary = el('p', { class: 'small', text: job.id + ' · ' + job.source + ' · ' + job.scheduleText +
    (counts ? ' · ' + Object.keys(counts).map(function (k) { return k + ' ' + counts[k]; }).join(', ') : '') });
  $('detail-body').replaceChildren(summary, metricsLine(job, detail.metricsPrefix), el('h3', { text: 'Recent runs' }), engineNote(detail.engineHistory), chart(detail.runs), runsTable(detail.runs),
    job.prefect ? prefectRuns(job) : el('span'), detail.deadLetters ? deadLetters(job, detail.deadLetters) : el('span'));
}
function loadDetail() {
  var id = state.selected;
  return api('jobs/' + enc(id)).then(function (detail) {
    if (state.selected !== id) return;
    var focused = document.activeElement && document.activeElement.getAttribute('data-focus');
    state.detail = detail; renderDetail();
    if (focused) { var node = document.querySelector('[data-focus="' + CSS.escape(focused) + '"]'); if (node) node.focus(); }
  }).catch(function (error) { toast(error.message); });
}
function openDetail(id) {
  state.selected = id;
  var job = state.jobs.find(function (j) { return j.id === id; });
  $('detail-title').textContent = (job ? job.name : id) + ': runs' + (job && job.tier === 'queue' ? ' and dead letters' : '');
  $('detail').hidden = false;
  renderJobs();
  loadDetail().then(function () { $('detail-title').focus(); });
}
function closeDetail() {
  var id = state.selected;
  state.selected = null; state.detail = null; $('detail').hidden = true; renderJobs();
  var back = document.querySelector('[data-focus="open:' + CSS.escape(id) + '"]'); if (back) back.focus();
}
$('detail-close').addEventListener('click', closeDetail);
document.addEventListener('keydown', function (event) { if (event.key === 'Escape' && state.selected) closeDetail(); });
['filter-tier', 'filter-status', 'filter-search'].forEach(function (id) { $(id).addEventListener('input', renderJobs); });
$('filters').addEventListener('submit', function (event) { event.preventDefault(); });
setInterval(function () {
  document.querySelectorAll('time[data-relative]').forEach(function (node) { node.textContent = relative(node.getAttribute('data-relative')); });
}, 1000);
setInterval(refresh, 10000);
refresh();
connect();
`;
