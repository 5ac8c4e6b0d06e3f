// Renders the figures as the Markdown of docs/BENCHMARKS.md (also printed as the run's table):
// one section per scenario, each with a short note on what the numbers do and do not show.

import { RESERVE_BURST, RESERVE_PER_SECOND } from "../../src/proxy/budget.ts";
import { SLOW_MS, STRATEGIES } from "./backends.ts";
import { FAR_ORIGIN_MS } from "./cache.ts";
import { STREAM_EVENTS, STREAM_GAP_MS } from "./fake-openai.ts";
import {
  type AiFigures,
  DEFAULT_BUDGET_SHARE,
  type FailFigure,
  type Figures,
  OBSERVE_TARGET_US,
  type PersistentFigure,
  type Row,
} from "./figures.ts";
import { BUDGET_USD, CLIENTS, type LimitFigure, REQUEST_LIMIT, TOKEN_LIMIT } from "./limits.ts";
import type { Stat } from "./load.ts";
import { LOOP } from "./observability.ts";
import type { ProfileSummary } from "./profile.ts";

export interface Meta {
  machine: string;
  versions: Record<string, string>;
  command: string;
  date: string;
  runs: number;
  overheadRuns: number;
  seconds: number;
  shortSeconds: number;
  connections: number;
  wallSeconds: number;
}

const fmt = (s: Stat, digits = 0, unit = "") => {
  if (!s.runs) return "n/a";
  const v = (x: number) => `${x.toFixed(digits)}${unit}`;
  return s.runs > 1 && v(s.min) !== v(s.max) ? `${v(s.median)} (${v(s.min)}–${v(s.max)})` : v(s.median);
};
const pct = (s: Stat, digits = 0) =>
  fmt({ median: s.median * 100, min: s.min * 100, max: s.max * 100, runs: s.runs }, digits, "%");
const us = (s: Stat) => (s.runs ? s.median.toFixed(0) : "n/a");

function header(m: Meta): string[] {
  const v = m.versions;
  return [
    "# aya benchmarks",
    "",
    `Machine: ${m.machine}. Node ${v.node}, workerd ${v.workerd}, wrangler ${v.wrangler}, miniflare ${v.miniflare}, autocannon ${v.autocannon}.`,
    `Command: \`${m.command}\`, ${m.date}; whole run ${m.wallSeconds.toFixed(0)} s. ${
      m.runs > 1
        ? `Every figure is the median of ${m.runs} runs (the overhead figures of ${m.overheadRuns} rounds) with (min–max)`
        : "Quick mode: one short run per figure, so no spread; the full mode (`npm run bench`) gives medians of three runs"
    }; a throughput run is ${m.seconds} s of load, a behaviour run ${m.shortSeconds} s, at ${m.connections} connections.`,
    "",
    "The Worker is bundled by `wrangler deploy --dry-run` and served by workerd (through Miniflare, with `unsafeDirectSockets`, so no development proxy is in the path, and with Miniflare's outbound wrapper Worker switched off, so subrequests leave workerd directly as in production). Origins are Node HTTP servers on 127.0.0.1 in a process of their own; the load generator is autocannon in the bench's process. **All three share the same 2 cores**, so absolute numbers are far below production; compare rows, not machines. CPU columns are read from /proc: µs of workerd CPU per request, and each process's share of one core.",
    "",
  ];
}

function rowLine(label: string, r: Row, cpu = true): string {
  const cpuCells = cpu
    ? `${us(r.workerdUs)} | ${pct(r.workerdCore)} | ${pct(r.loadCore)} | ${pct(r.originCore)}`
    : `— | — | ${pct(r.loadCore)} | ${pct(r.originCore)}`;
  return `| ${label} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${cpuCells} |`;
}

function overheadSection(f: Figures["overhead"], connections: number): string[] {
  const d = f.doCalls;
  return [
    "## 1. Overhead: aya against a pass-through Worker, one origin",
    "",
    "| | req/s | p50 ms | p99 ms | workerd µs CPU / req | workerd core | load generator core | origin core |",
    "|---|---|---|---|---|---|---|---|",
    rowLine("origin alone (no Worker)", f.origin, false),
    rowLine("empty Worker (answers at once, no subrequest)", f.hello),
    rowLine("pass-through Worker (one `fetch` to the origin)", f.passThrough),
    rowLine("**aya**, one-pool route, default strategy (least-response-time)", f.aya),
    rowLine("aya, `respond` route (no upstream: Hono + config + routing)", f.respond),
    "",
    `**Overhead ratio aya / pass-through: ${fmt(f.ratio, 2)}** (req/s, per round, paired). The origin alone serves ${fmt(f.origin.rps)} req/s, ${(f.origin.rps.median / f.aya.rps.median).toFixed(1)}× what aya reaches: it is not the bottleneck.`,
    "",
    "## 2. Durable Object calls per request",
    "",
    `**${fmt(f.doCallsPerRequest, 5)}** at steady state, counted by the isolate (\`isolate.doCalls / isolate.requests\` from \`/__aya/status\`, read before and after each aya run) over the same runs as the aya row above: ${d.calls} calls for ${d.isolateRequests} requests in ${d.seconds.toFixed(0)} s, ${(d.calls / d.seconds).toFixed(2)} a second for the one backend. That is the background snapshot refresh (about one per backend per second, in \`waitUntil\`, flushing the counted outcomes on the way); no request waits for a Durable Object. The load generator completed ${d.clientRequests} requests in those runs and the isolate counted ${d.isolateRequests}, ${d.isolateRequests - d.clientRequests} more: requests still in flight when a run stopped (at most ${connections} a run, one per connection). So one isolate saw every request, and its counters are the whole count.`,
    "",
  ];
}

const share = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The largest parts of aya's own work in the profile, leaving out the subrequest both Workers make. */
function ownWork(p: ProfileSummary, ayaUs: number): string {
  const fetchRow = p.topBuiltins.find((r) => r.name.startsWith("fetch (from "));
  const fetchModule = fetchRow?.name.slice("fetch (from ".length, -1);
  const isBundleModule = (name: string) => name.startsWith("src/") || !name.includes(" ");
  const parts = p.byModule
    .filter((r) => isBundleModule(r.name))
    .map((r) => ({ name: r.name, share: r.share - (r.name === fetchModule ? (fetchRow?.share ?? 0) : 0) }))
    .sort((a, b) => b.share - a.share)
    .slice(0, 5)
    .map((r) => `${r.name} ≈ ${(r.share * ayaUs).toFixed(0)} µs`);
  const subrequest = fetchRow
    ? `the subrequest itself (\`fetch\`, ≈ ${(fetchRow.share * ayaUs).toFixed(0)} µs, which the pass-through Worker makes too)`
    : "the subrequest";
  return `Leaving out ${subrequest} and workerd's own native work, the largest parts of aya's work per request are: ${parts.join("; ")}.`;
}

function profileLines(p: ProfileSummary | { note: string }, ayaUs: number): string[] {
  if ("note" in p) return [`CPU profile: not taken (${p.note}).`, ""];
  const list = (rows: ProfileSummary["topFunctions"]) =>
    rows
      .slice(0, 8)
      .map((r) => `${r.name} ${share(r.share)}`)
      .join("; ");
  return [
    `CPU profile of aya's isolate while proxying (V8's sampling profiler through workerd's inspector, on an instance of its own; ${p.busyMs.toFixed(0)} ms of busy isolate time). Each sample is charged to the nearest function of the bundle on its stack, so a runtime built-in (\`fetch\`, \`Headers\`, timers…) counts for the module that called it:`,
    "",
    "| where | share of busy time | of which in built-ins it called | ≈ µs per request |",
    "|---|---|---|---|",
    ...p.byModule
      .filter((r) => r.share >= 0.01)
      .map(
        (r) =>
          `| ${r.name} | ${share(r.share)} | ${share(r.builtinShare)} | ${(r.share * ayaUs).toFixed(0)} |`,
      ),
    "",
    `The last column scales the shares to the ${ayaUs.toFixed(0)} µs of workerd CPU per request measured above, so it is approximate: the profile sees the isolate's thread only, and sampling has a cost of its own.`,
    "",
    ownWork(p, ayaUs),
    "",
    `Hottest functions (with the built-ins they call): ${list(p.topFunctions)}.`,
    "",
    `Hottest built-ins: ${list(p.topBuiltins)}.`,
    "",
  ];
}

function whereTheTimeGoes(f: Figures["overhead"], p: ProfileSummary | { note: string }): string[] {
  const [hello, pass, respond, aya] = [f.hello, f.passThrough, f.respond, f.aya].map(
    (r) => r.workerdUs.median,
  ) as [number, number, number, number];
  const busy = f.aya.workerdCore.median;
  const total = f.aya.workerdCore.median + f.aya.loadCore.median + f.aya.originCore.median;
  return [
    "### Where the time goes",
    "",
    `workerd CPU per request (medians): the empty Worker costs ${hello.toFixed(0)} µs (accepting the connection, parsing HTTP, entering the isolate, writing the answer); one subrequest makes it ${pass.toFixed(0)} µs for the pass-through (+${(pass - hello).toFixed(0)} µs for one outbound HTTP request and its answer). aya's \`respond\` route costs ${respond.toFixed(0)} µs (+${(respond - hello).toFixed(0)} µs over the empty Worker: Hono, the request id, the parsed-config lookup and the route match). aya proxying costs ${aya.toFixed(0)} µs, +${(aya - pass).toFixed(0)} µs over the pass-through: that difference is the whole price of the gateway on this path (routing, state and balancing, header hygiene, timeouts and the outcome bookkeeping), and the ratio of the two CPU figures (${(pass / aya).toFixed(2)}) predicts the throughput ratio when workerd is saturated. The ratio is the throughput of one saturated isolate; at the edge, where Cloudflare runs as many isolates as the traffic needs, the same cost shows up as about ${(aya - pass).toFixed(0)} µs more CPU time per request rather than as a lower ceiling.`,
    "",
    `In the aya runs workerd used ${pct(f.aya.workerdCore)} of a core, the load generator ${pct(f.aya.loadCore)}, the origin ${pct(f.aya.originCore)}: ${total.toFixed(1)} of the 2 cores. ${
      busy > 0.85
        ? "workerd runs a Worker's JavaScript on one thread, so at ~100% of a core it is the bottleneck and req/s ≈ 1 / (CPU per request)."
        : "workerd is not at a full core: the machine is shared by all three processes (and the other work on it), so throughput is bounded by the 2 cores together, and the CPU per request is the fairer comparison."
    }`,
    "",
    ...profileLines(p, aya),
  ];
}

function observabilitySection(o: Figures["observability"]): string[] {
  const once = o.onceUs;
  const verdict = once.runs ? (once.median <= OBSERVE_TARGET_US ? "met" : "not met") : "not measured";
  return [
    "### The observe stage: log line and metrics",
    "",
    `What a request's observe stage costs (its trace, its record, its JSON log line written with \`console.log\`, its metrics counted in the isolate), in a harness Worker that runs exactly that work: **${fmt(once, 1)} µs** of workerd CPU per request, once per request as in production (against the same request without it); the target is ≤ ${OBSERVE_TARGET_US} µs: ${verdict}. Each further run of the stage in the same request costs ${fmt(o.loopUs, 1)} µs (${LOOP} runs per request, divided by ${LOOP}): that is the stage's own steady cost, measured precisely. The first figure also holds what a single run pays once per request (cold caches, a first timestamp to format), and, being a difference of two whole requests, this shared machine's noise of about ±10 µs from run to run. workerd writes each line to its stdout here; at the edge it goes to Workers Logs, whose cost this cannot see.`,
    "",
    "End to end, aya proxying against the same bundle built without the stage (`AYA_OBSERVABILITY` false at build time; the trace header is made in both), alternating runs:",
    "",
    "| | req/s | p50 ms | p99 ms | workerd µs CPU / req | workerd core | load generator core | origin core |",
    "|---|---|---|---|---|---|---|---|",
    rowLine("aya proxying, as deployed", o.observed),
    rowLine("the same, built without the observe stage", o.unobserved),
    "",
    `The paired difference is ${fmt(o.addedUs, 1)} µs per request (median over rounds, min–max): on 2 cores shared with the load generator and the origins, runs of the same Worker differ by tens of µs, so this bounds the stage's cost from above more than it measures it.${
      o.profileUs === undefined
        ? ""
        : ` The CPU profile above charges ${o.profileUs.toFixed(1)} µs a request to \`src/observability\`, but with the inspector attached every \`console.log\` is also sent to it, which the other runs do not pay.`
    }`,
    "",
  ];
}

function slowSection(f: Figures["slow"]): string[] {
  return [
    `## 3. One slow backend of three (+${SLOW_MS} ms)`,
    "",
    "| strategy | p50 ms | p99 ms | share sent to the slow one |",
    "|---|---|---|---|",
    ...STRATEGIES.map((s) => `| ${s} | ${fmt(f[s].p50)} | ${fmt(f[s].p99)} | ${pct(f[s].share, 1)} |`),
    "",
    "After a one-second warm-up on a fresh isolate. Round-robin keeps sending a third of the traffic to the slow backend; the load-aware strategies learn to avoid it (least-connections through its piled-up in-flight count, least-response-time through its latency), and still send it a little so that they notice when it recovers.",
    "",
  ];
}

const failCell = (x: FailFigure) => `${pct(x.rate, 3)} (${x.errors} of ${x.requests})`;

function failingSection(f: Figures["failing"]): string[] {
  return [
    "## 4. One failing backend of three: client-visible error rate, GET, default retries",
    "",
    "| strategy | one refuses connections | one answers 503 |",
    "|---|---|---|",
    ...STRATEGIES.map((s) => `| ${s} | ${failCell(f[s].refuse)} | ${failCell(f[s].status503)} |`),
    "",
    `Each run starts a fresh isolate, so it has to discover the failure; counts are totals over the runs. The default is one retry, on another backend, for network errors and 502/503/504, within a retry budget (20% of the pool's requests over the last 10 s, plus a reserve of 10 a second, paced); the isolate opens its own circuit for a backend after 5 consecutive failures. ${
      STRATEGIES.every((s) => f[s].refuse.errors + f[s].status503.errors === 0)
        ? "No request failed: every failed attempt was retried on a healthy backend."
        : "The errors that do reach clients are failed attempts that were not retried: a burst of failures before the circuit opened needed more retries than the budget had room for."
    }`,
    "",
  ];
}

function persistentSection(f: Figures["persistent"]): string[] {
  const line = (label: string, x: PersistentFigure) =>
    `| ${label} | **${fmt(x.ratio, 3)}** | ${fmt(x.bound, 3)} | ${x.attempts} for ${x.requests} |`;
  const held = f["503"].withinBound && f.reset.withinBound;
  return [
    "## 4b. Every backend failing: upstream attempts per client request",
    "",
    "| every backend of three… | attempts / request | bound | attempts for requests (totals) |",
    "|---|---|---|---|",
    line("answers 503", f["503"]),
    line("resets the connection after reading the request", f.reset),
    "",
    `Default pool (least-response-time, one retry, budget ${DEFAULT_BUDGET_SHARE * 100}%, breakers on, panic \`serve\`), a fresh isolate per run; attempts are the requests the backends received (a resetting backend counts each request before it resets). The bound is what the retry budget allows: ${1 + DEFAULT_BUDGET_SHARE} attempts a request plus the paced reserve (at most ${RESERVE_BURST} at once, then ${RESERVE_PER_SECOND} a second) over the run's requests. ${
      held
        ? "Every run stays within it: a failing pool is not multiplied by retries."
        : "A run above its bound is a defect."
    }`,
    "",
  ];
}

function cacheSection(c: Figures["cache"]): string[] {
  return [
    "## 5. Cache",
    "",
    "| | req/s | p50 ms | p99 ms | workerd µs CPU / req | workerd core | load generator core | origin core |",
    "|---|---|---|---|---|---|---|---|",
    rowLine("HIT", c.hit),
    rowLine("MISS, origin on this machine (~0 ms away)", c.miss),
    rowLine(`MISS, origin ${FAR_ORIGIN_MS} ms away`, c.farMiss),
    "",
    `The origin received ${c.originHitsDuringHits} requests during the HIT runs${c.originHitsDuringHits === 0 ? ": every one was served from the cache" : ", so not every request was a HIT"}. Against an origin on the same machine, a MISS costs one local HTTP round trip, which is cheaper here than a cache read: a HIT is served from the location's Cache API copy (or KV behind it), and both are Miniflare's local implementations here (storage in Durable Objects with SQLite and files, inside the same workerd process, so their work counts as workerd CPU), so a HIT spends ${us(c.hit.workerdUs)} µs of workerd CPU against ${us(c.miss.workerdUs)} µs for a MISS. That is a property of this setup, not of the edge: in production the Cache API and hot KV keys are served from the location itself, and an origin is tens to hundreds of milliseconds away, as the last row shows (${fmt(c.farMiss.p50)} ms p50 for a MISS against ${fmt(c.hit.p50)} ms for a HIT).`,
    "",
  ];
}

function aiSection(a: AiFigures | { note: string }): string[] {
  const head = ["## 6. AI path", ""];
  if ("note" in a) return [...head, `Not measured: ${a.note}.`, ""];
  const cells = (r: Record<"direct" | "passThrough" | "aya", Stat>, digits: number) =>
    `${fmt(r.direct, digits)} | ${fmt(r.passThrough, digits)} | ${fmt(r.aya, digits)}`;
  return [
    ...head,
    "| one request at a time, ms | fake provider directly | through a pass-through Worker | through aya | added by aya (over direct; over pass-through) |",
    "|---|---|---|---|---|",
    `| chat completion, not streamed: latency | ${cells(a.latency, 2)} | **${fmt(a.added, 2)}**; ${fmt(a.addedOverPassThrough, 2)} |`,
    `| streamed: time to first event | ${cells(a.ttfb, 2)} | **${fmt(a.addedTtfb, 2)}**; ${fmt(a.addedTtfbOverPassThrough, 2)} |`,
    `| streamed: time to the end | ${cells(a.total, 1)} | |`,
    "",
    `aya routes the model alias \`chat\` to an \`openai-compatible\` provider (the fake one, on 127.0.0.1) and translates request, answer and stream; the pass-through Worker only forwards, so the difference between the last two columns is aya's own part and the rest is workerd's. Requests take turns between the three paths, one at a time, so the differences are latency, not queueing. The fake provider streams ${STREAM_EVENTS} events ${STREAM_GAP_MS} ms apart: through aya the first event arrives ${fmt(a.ttfb.aya, 1)} ms after the request and the last ${fmt(a.total.aya, 0)} ms after, so the stream is passed on as it comes, not buffered.`,
    "",
  ];
}

function identitySection(i: Figures["identity"]): string[] {
  return [
    "## 7. Consumers: what identifying the caller costs",
    "",
    "| | req/s | p50 ms | p99 ms | workerd µs CPU / req | workerd core | load generator core | origin core |",
    "|---|---|---|---|---|---|---|---|",
    rowLine("anonymous route", i.anonymous),
    rowLine("route with auth, a runtime key (`aya_…`)", i.key),
    rowLine("route with auth, a JWT (RS256, public key in a secret)", i.jwt),
    "",
    `Added over an anonymous request, per paired round, warm: **${fmt(i.keyAddedUs, 1)} µs** for a key (its SHA-256, the record read from the isolate's memory, the policy), **${fmt(i.jwtAddedUs, 1)} µs** for a JWT (an RS256 signature check and the claims; the key imported once). The same origin and pool on all three routes; the rounds take turns, so drift touches them alike.`,
    "",
  ];
}

function limitsSection(l: Figures["limits"]): string[] {
  const line = (label: string, x: LimitFigure, digits: number) =>
    `| ${label} | ${fmt(x.sent)} | ${fmt(x.accepted)} | ${fmt(x.used, digits)} | ${x.bound} | ${x.withinBound ? "yes" : "**no**"} | ${x.other} | ${fmt(x.limitCallsPerAccepted, 3)} | ${fmt(x.workerdMsPerAccepted, 2)} |`;
  return [
    "## 8. Limits and spend: do they hold?",
    "",
    `${CLIENTS} clients at once, each sending its next request as soon as its last is answered, for the run's seconds; what was accepted is counted from the clients' side (statuses, and the usage in the answers).`,
    "",
    "| against | requests sent | accepted | used | bound | within it | other answers (5xx, errors) | Limits calls / accepted | workerd CPU ms / accepted |",
    "|---|---|---|---|---|---|---|---|---|",
    line(`a route's rateLimit of ${REQUEST_LIMIT} a minute (used: requests)`, l.requests, 0),
    line(`a plan's ${TOKEN_LIMIT} tokens a minute (used: tokens)`, l.tokens, 0),
    line(`a plan's budget of $${BUDGET_USD} (used: US dollars)`, l.budget, 4),
    "",
    `At steady load on a route whose limit is never reached, **${fmt(l.steady.waitsPerRequest, 5)}** takes per request waited for a Limits object (target: under 0.01), with ${fmt(l.steady.limitCallsPer1000, 2)} Limits calls per 1,000 requests; the limit adds **${fmt(l.steady.addedUs, 1)} µs** of workerd CPU per request (${fmt(l.steady.limitedUs, 0)} µs limited against ${fmt(l.steady.plainUs, 0)} µs on the same pool without a limit, paired rounds).`,
    "",
  ];
}

export function markdown(f: Figures, meta: Meta): string {
  return [
    ...header(meta),
    ...overheadSection(f.overhead, meta.connections),
    ...whereTheTimeGoes(f.overhead, f.profile),
    ...observabilitySection(f.observability),
    ...slowSection(f.slow),
    ...failingSection(f.failing),
    ...persistentSection(f.persistent),
    ...cacheSection(f.cache),
    ...aiSection(f.ai),
    ...identitySection(f.identity),
    ...limitsSection(f.limits),
  ].join("\n");
}
