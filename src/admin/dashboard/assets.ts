// The dashboard's stylesheet and its one script, served from the Worker itself (the CSP allows
// nothing inline and nothing from elsewhere). The script refreshes the state section every 5 s
// while the tab is visible, and goes back to the sign-in page when the session has ended.

export const DASHBOARD_JS = `"use strict";
(() => {
  const main = document.getElementById("state");
  if (!main) return;
  let busy = false;
  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const res = await fetch("/__aya/dashboard/state", { credentials: "same-origin", cache: "no-store" });
      if (res.status === 401) {
        location.reload();
        return;
      }
      if (!res.ok) throw new Error("status " + res.status);
      main.innerHTML = await res.text();
      document.body.classList.remove("stale");
    } catch {
      document.body.classList.add("stale");
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, 5000);
  document.addEventListener("visibilitychange", refresh);
})();
`;

export const DASHBOARD_CSS = `
:root { --ink: #16202c; --muted: #5b6b7c; --line: #dfe5ec; --bg: #f5f7fa; --card: #fff;
  --up: #137a3a; --up-bg: #e3f5e9; --down: #b3261e; --down-bg: #fde7e6; --open: #a64b00; --open-bg: #fff0dc;
  --trying: #7a5d00; --trying-bg: #fff8d6; --cool: #5b3fa8; --cool-bg: #efe9fc; --unknown: #4d5866; --unknown-bg: #eceff3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
body.stale main { opacity: .6; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--unknown-bg); padding: 1px 4px; border-radius: 3px; }
.top { display: flex; align-items: center; justify-content: space-between; padding: 10px 24px; background: var(--ink); color: #fff; }
.brand { font-weight: 700; font-size: 18px; letter-spacing: .5px; }
.brand span { font-weight: 400; opacity: .7; font-size: 14px; margin-left: 6px; }
button.link { background: none; border: 1px solid rgba(255,255,255,.4); color: #fff; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
main { padding: 16px 24px 32px; max-width: 1400px; margin: 0 auto; }
.verdict { font-size: 20px; font-weight: 700; padding: 12px 16px; border-radius: 6px; margin-bottom: 14px; }
.verdict-ok { background: var(--up-bg); color: var(--up); }
.verdict-bad { background: var(--down-bg); color: var(--down); }
.tiles { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; margin-bottom: 8px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
.tile .value { font-size: 26px; font-weight: 700; }
.tile .value.small { font-size: 18px; padding: 4px 0; }
.tile .hint, .hint { color: var(--muted); font-size: 12px; }
h2 { font-size: 15px; margin: 22px 0 8px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); }
h3 { font-size: 16px; margin: 0 0 6px; }
h3 small { color: var(--muted); font-weight: 400; font-size: 12px; margin: 0 6px; }
.group { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin-bottom: 10px; }
table { width: 100%; border-collapse: collapse; }
.group table { table-layout: fixed; }
.group th:nth-child(1) { width: 21%; } .group th:nth-child(2) { width: 19%; } .group th:nth-child(3),
.group th:nth-child(4), .group th:nth-child(5) { width: 12%; } .group th:nth-child(6) { width: 7%; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 4px 8px; border-bottom: 1px solid var(--line); }
td { padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
tr:last-child td { border-bottom: none; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num .spark { display: block; margin-top: 2px; }
.unit { color: var(--muted); font-size: 12px; margin-left: 1px; }
.why, .url, td.probe { color: var(--muted); font-size: 12px; }
td.name { overflow-wrap: anywhere; }
.row-down { background: #fff6f5; }
.row-open, .row-cooling { background: #fffaf2; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: .4px; padding: 2px 7px; border-radius: 10px; }
.badge-up, .badge-unprobed { color: var(--up); background: var(--up-bg); }
.badge-down { color: var(--down); background: var(--down-bg); }
.badge-open { color: var(--open); background: var(--open-bg); }
.badge-half-open { color: var(--trying); background: var(--trying-bg); }
.badge-cooling { color: var(--cool); background: var(--cool-bg); }
.badge-unknown { color: var(--unknown); background: var(--unknown-bg); }
.bad { color: var(--down); }
.spark path { stroke: #2f6fd0; }
.spark-error path { stroke: var(--down); }
.spark-latency path { stroke: #7a52c7; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.two > div { min-width: 0; }
.events { list-style: none; margin: 0; padding: 0; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
.events li { padding: 6px 12px; border-bottom: 1px solid var(--line); }
.events li:last-child { border-bottom: none; }
.events li.bad { color: var(--down); }
.events li.good { color: var(--up); }
.events time { color: var(--muted); font-size: 12px; margin-right: 8px; font-variant-numeric: tabular-nums; }
.two table { background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
.empty { color: var(--muted); background: var(--card); border: 1px dashed var(--line); border-radius: 6px; padding: 12px; margin: 0; }
.legend { color: var(--muted); font-size: 12px; margin-top: 20px; }
.login { display: flex; justify-content: center; padding-top: 12vh; }
.login form { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 28px; width: 360px; display: flex; flex-direction: column; gap: 10px; }
.login label { font-weight: 600; }
.login input { font: inherit; padding: 8px 10px; border: 1px solid var(--line); border-radius: 4px; }
.login button { font: inherit; font-weight: 600; padding: 8px; border: none; border-radius: 4px; background: var(--ink); color: #fff; cursor: pointer; }
.problem { color: var(--down); margin: 0; }
@media (max-width: 900px) { .tiles, .two { grid-template-columns: 1fr 1fr; } .group table { table-layout: auto; } }
`;

/** The tab's icon (without one the browser asks the gateway for /favicon.ico). */
export const DASHBOARD_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#16202c"/><path d="M9 22.5 16 8l7 14.5M11.6 17h8.8" fill="none" stroke="#4fd18b" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
