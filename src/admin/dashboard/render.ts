// The dashboard's HTML, rendered on the server with hono/html (every value interpolated is
// escaped, so a backend's name or URL is text, never markup). The page is whole without script;
// app.js only swaps in the fresh `state` section every few seconds.
import { html } from "hono/html";
import type { BackendRow, DashboardModel, Group } from "./model";
import { sparkline } from "./sparkline";

const BASE = "/__aya/dashboard";

function rate(n: number): string {
  if (n === 0) return "0";
  if (n < 0.1) return "<0.1";
  return n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString("en-US");
}

function share(n: number | null): string {
  if (n === null) return "–";
  const pct = n * 100;
  if (pct === 0) return "0 %";
  return pct < 0.1 ? "<0.1 %" : `${pct < 10 ? pct.toFixed(1) : Math.round(pct)} %`;
}

function usd(n: number): string {
  return `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
}

const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

function backendRow(r: BackendRow) {
  return html`<tr class="row row-${r.verdict}" data-backend="${r.id}">
  <td class="state"><span class="badge badge-${r.verdict}">${r.label}</span><div class="why">${r.why}</div></td>
  <td class="name"><strong>${r.id}</strong>${r.type ? html` <small>${r.type}</small>` : ""}<div class="url">${r.url}</div></td>
  <td class="num">${rate(r.rate)}<span class="unit">/s</span>${sparkline(r.requestSpark, `requests per second to ${r.id}, last 15 minutes`)}</td>
  <td class="num ${r.errorShare ? "bad" : ""}">${share(r.errorShare)}${sparkline(r.errorSpark, `errors per second from ${r.id}, last 15 minutes`, "error")}</td>
  <td class="num">${r.latencyMs === null ? "–" : `${r.latencyMs} ms`}${sparkline(r.latencySpark, `latency of ${r.id}, last 15 minutes`, "latency")}</td>
  <td class="num">${r.inflight ?? "–"}</td>
  <td class="probe">${r.tokens ? html`<div>${r.tokens.prompt.toLocaleString("en-US")} in / ${r.tokens.completion.toLocaleString("en-US")} out tokens</div>` : ""}${r.lastProbe}</td>
</tr>`;
}

function groupTable(g: Group) {
  const trouble =
    g.notUp > 0
      ? html`<span class="badge badge-down">${g.notUp} not up</span>`
      : html`<span class="badge badge-up">all up</span>`;
  const title = g.kind === "pool" ? html`<h3>${g.name} <small>${g.detail}</small> ${trouble}</h3>` : "";
  return html`<div class="group" data-group="${g.name}">
  ${title}
  <table>
    <thead><tr><th>State</th><th>${g.kind === "pool" ? "Backend" : "Provider"}</th><th>Requests</th><th>Errors</th><th>Latency</th><th>In flight</th><th>${g.kind === "pool" ? "Last probe" : "Usage · last probe"}</th></tr></thead>
    <tbody>${g.rows.map(backendRow)}</tbody>
  </table>
</div>`;
}

/** The part that refreshes: verdict, figures, pools, providers, events, consumers. */
export function stateSection(m: DashboardModel) {
  const verdict =
    m.notUp === 0
      ? html`<div class="verdict verdict-ok">All ${m.backends} backends are up</div>`
      : html`<div class="verdict verdict-bad">${m.notUp} of ${m.backends} backends ${m.notUp === 1 ? "is" : "are"} not taking traffic</div>`;
  return html`${verdict}
<section class="tiles">
  <div class="tile"><div class="label">Requests, every location</div><div class="value">${rate(m.rate)}<span class="unit">/s</span></div>${sparkline(m.requestSpark, "requests per second, last 15 minutes")}</div>
  <div class="tile"><div class="label">Errors (5xx)</div><div class="value ${m.errorShare ? "bad" : ""}">${share(m.errorShare)}</div>${sparkline(m.errorSpark, "errors per second, last 15 minutes", "error")}</div>
  <div class="tile"><div class="label">Cache hit ratio</div><div class="value">${share(m.cacheHitShare)}</div>${sparkline(m.cacheSpark, "cache hits per second, last 15 minutes")}</div>
  <div class="tile"><div class="label">Updated</div><div class="value small">${clock(m.now)}</div><div class="hint">rates: last minute · lines: last 15 minutes</div></div>
</section>
<section><h2>Pools</h2>${m.pools.length ? m.pools.map(groupTable) : html`<p class="empty">No pools are configured.</p>`}</section>
<section><h2>AI providers</h2>${m.providers.length ? m.providers.map(groupTable) : html`<p class="empty">No AI providers are configured.</p>`}</section>
<section class="two">
  <div><h2>Recent health events</h2>${
    m.events.length
      ? html`<ol class="events">${m.events.map((e) => html`<li class="${e.bad ? "bad" : "good"}"><time>${clock(e.at)}</time> ${e.text}</li>`)}</ol>`
      : html`<p class="empty">Nothing has changed lately.</p>`
  }</div>
  <div><h2>Usage and spend by consumer</h2>${
    m.consumers.length
      ? html`<table><thead><tr><th>Consumer</th><th>Requests</th><th>Tokens in / out</th><th>Spend</th><th>Rate limited</th></tr></thead><tbody>${m.consumers.map(
          (c) =>
            html`<tr><td><strong>${c.consumer}</strong></td><td class="num">${c.requests.toLocaleString("en-US")}</td><td class="num">${c.promptTokens.toLocaleString("en-US")} / ${c.completionTokens.toLocaleString("en-US")}</td><td class="num">${usd(c.costUsd)}</td><td class="num">${c.rateLimited}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="empty">No consumer has called yet. Routes with <code>auth</code> (API keys, JWT) name who calls; their usage and spend show here.</p>`
  }</div>
</section>
<p class="legend"><span class="badge badge-up">UP</span> takes traffic · <span class="badge badge-down">DOWN</span> health checks fail · <span class="badge badge-open">CIRCUIT OPEN</span> too many failed requests, paused · <span class="badge badge-half-open">TRYING</span> one trial request after a pause · <span class="badge badge-cooling">COOLING DOWN</span> an AI provider asked to wait (429)</p>`;
}

function shell(title: string, body: unknown, script: boolean) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="${BASE}/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${BASE}/app.css">
${script ? html`<script src="${BASE}/app.js" defer></script><noscript><meta http-equiv="refresh" content="10"></noscript>` : ""}
</head>
<body>${body}</body>
</html>`;
}

export function dashboardPage(m: DashboardModel) {
  return shell(
    "aya · dashboard",
    html`<header class="top"><div class="brand">aya <span>edge gateway</span></div>
<form method="post" action="${BASE}/logout"><button type="submit" class="link">Sign out</button></form></header>
<main id="state">${stateSection(m)}</main>`,
    true,
  );
}

export function loginPage(problem?: string) {
  return shell(
    "aya · sign in",
    html`<main class="login">
<form method="post" action="${BASE}/login">
  <div class="brand">aya <span>dashboard</span></div>
  <label for="token">Admin token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  ${problem ? html`<p class="problem" role="alert">${problem}</p>` : ""}
  <button type="submit">Sign in</button>
  <p class="hint">The value of the <code>ADMIN_TOKEN</code> secret. You stay signed in for 12 hours on this browser.</p>
</form>
</main>`,
    false,
  );
}
