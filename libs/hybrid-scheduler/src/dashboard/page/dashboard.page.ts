/** Scripts, styles and requests only from the dashboard's own origin; no inline code, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page shell: the script fills it from the JSON API and keeps it live over Server-Sent Events. */
export function dashboardPage(page: { base: string; token: string; readOnly: boolean }): string {
  const base = escapeHtml(page.base);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="scheduler-dashboard-token" content="${escapeHtml(page.token)}">
<title>Scheduler dashboard</title>
<link rel="stylesheet" href="${base}/assets/dashboard.css">
<script src="${base}/assets/dashboard.js" defer></script>
</head>
<body data-base="${base}" data-read-only="${page.readOnly}">
<a class="skip" href="#jobs-title">Skip to the jobs</a>
<header>
  <h1>Scheduler</h1>
  <ul id="health" aria-label="Health of each tier"></ul>
  <span id="live" class="live" role="status">connecting…</span>
</header>
<main>
  ${page.readOnly ? '<p class="notice">Read-only: actions are disabled.</p>' : ''}
  <section aria-labelledby="jobs-title">
    <h2 id="jobs-title" tabindex="-1">Jobs</h2>
    <form id="filters" role="search" class="filters">
      <label>Tier <select id="filter-tier"><option value="">all</option><option>internal</option><option>queue</option><option>prefect</option></select></label>
      <label>Status <select id="filter-status"><option value="">all</option><option>running</option><option>paused</option><option>succeeded</option><option>failed</option><option>skipped</option><option>missed</option><option value="never">never run</option></select></label>
      <label>Search name or id <input id="filter-search" type="search" autocomplete="off"></label>
    </form>
    <table id="jobs" class="jobs">
      <caption class="sr-only">Every job of every tier</caption>
      <thead><tr><th scope="col">Job</th><th scope="col">Tier</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last run</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Runs / failures</th><th scope="col">Engine</th><th scope="col">Actions</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="empty" class="muted" hidden>No job matches the filters.</p>
  </section>
  <section id="detail" class="detail" aria-labelledby="detail-title" hidden>
    <div class="detail-head"><h2 id="detail-title" tabindex="-1"></h2><button type="button" id="detail-close">Close</button></div>
    <div id="detail-body"></div>
  </section>
</main>
<div id="toast" class="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;
}
