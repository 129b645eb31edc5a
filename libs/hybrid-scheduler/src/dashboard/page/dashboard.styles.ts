/** The dashboard's stylesheet: system fonts, light and dark, a card per row below 760px wide. */
export const DASHBOARD_STYLES = `
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1c2024; --muted: #5f6b7a; --card: #fff; --line: #d9dee5;
  --accent: #1f5fbf; --ok: #1d7a46; --bad: #b42318; --warn: #a15c00; --info: #5b3fb5; }
@media (prefers-color-scheme: dark) { :root { --bg: #121417; --fg: #e6e9ed; --muted: #9aa5b1; --card: #1b1e22;
  --line: #2e333a; --accent: #7fb0ff; --ok: #5fd08e; --bad: #ff8a80; --warn: #f2b46b; --info: #b9a4ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .75rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.15rem; margin: 0; }
h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: 1rem 0 .4rem; }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: 1rem; }
#health { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; margin: 0; padding: 0; }
.live { margin-left: auto; color: var(--muted); font-size: .85rem; }
.live.on::before { content: "●"; color: var(--ok); margin-right: .3rem; }
.notice { padding: .5rem .75rem; border-left: 4px solid var(--warn); background: var(--card); margin: 0 0 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; margin-bottom: .75rem; }
.filters label { display: flex; gap: .4rem; align-items: center; color: var(--muted); }
select, input, button { font: inherit; color: inherit; }
select, input { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .3rem .5rem; }
button { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .25rem .6rem; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.danger { color: var(--bad); }
button[aria-busy="true"] { opacity: .55; cursor: progress; }
button.link { border: 0; background: none; padding: 0; color: var(--accent); font-weight: 600; text-align: left; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
a { color: var(--accent); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
.jobs tbody tr.selected { background: color-mix(in srgb, var(--accent) 10%, transparent); }
.small, .muted { color: var(--muted); font-size: .82rem; }
.actions { display: flex; flex-wrap: nowrap; gap: .3rem; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .78rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.s-up, .s-succeeded, .s-completed { color: var(--ok); }
.s-down, .s-failed, .s-dead-lettered, .s-cancelled { color: var(--bad); }
.s-degraded, .s-missed, .s-skipped, .s-paused, .s-retrying { color: var(--warn); }
.s-running, .s-disabled, .s-not-configured, .s-unknown { color: var(--info); }
pre { margin: .25rem 0; padding: .4rem; background: var(--bg); border-radius: 6px; overflow: auto; max-height: 14rem; white-space: pre-wrap; word-break: break-word; font-size: .8rem; }
details summary { cursor: pointer; }
.detail-head { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
.chart { width: 100%; max-width: 720px; height: 120px; display: block; }
.chart .duration { fill: var(--accent); }
.chart .lateness { fill: none; stroke: var(--warn); stroke-width: 2; }
.chart .axis { stroke: var(--line); }
.legend { display: flex; gap: 1rem; }
.legend .d::before, .legend .l::before { content: ""; display: inline-block; width: .8rem; height: .5rem; margin-right: .3rem; }
.legend .d::before { background: var(--accent); }
.legend .l::before { border-top: 2px solid var(--warn); }
.toast { position: fixed; bottom: 1rem; right: 1rem; max-width: min(30rem, calc(100vw - 2rem)); padding: .6rem .9rem; border-radius: 8px; background: var(--fg); color: var(--bg); box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.toast:empty { display: none; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; z-index: 2; background: var(--card); padding: .4rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
@media (max-width: 760px) {
  main { padding: .5rem; }
  section { padding: .5rem; }
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; left: -9999px; }
  tbody tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: .6rem; padding: .3rem .5rem; }
  .actions { flex-wrap: wrap; }
  td { border: 0; display: grid; grid-template-columns: 7.5rem 1fr; gap: .5rem; padding: .2rem 0; }
  td::before { content: attr(data-label); color: var(--muted); font-size: .78rem; text-transform: uppercase; }
}
`;
