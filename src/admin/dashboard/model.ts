// What the dashboard shows, worked out from the backends' records and the edge's metrics: one
// verdict per backend in plain words (UP, DOWN, CIRCUIT OPEN…) with the reason, its rates and
// latency over the last minute and the last 15, recent health events, the cache hit ratio, and
// usage and spend per consumer (filled in once consumers and spend are counted). Pure: no I/O,
// so it is tested on its own and rendered by render.ts.
import type { HealthEvent } from "../../observability/health-events";
import type { MetricsDelta } from "../../observability/metrics/delta";
import { FAMILIES } from "../../observability/metrics/families";
import type { Sample } from "../../observability/metrics/owner";
import { familyOf, parseLabels } from "../../observability/metrics/series";
import type { BackendState } from "../backend-states";
import { circuitOpen } from "../backend-states";

/** From worst to best: what a person must see first. */
export type Verdict = "down" | "open" | "cooling" | "half-open" | "unknown" | "unprobed" | "up";

export interface BackendRow {
  id: string;
  url: string;
  verdict: Verdict;
  /** The verdict in words, and why. */
  label: string;
  why: string;
  inflight: number | null;
  latencyMs: number | null;
  /** Requests a second and the share that failed (5xx), over the last minute, every location. */
  rate: number;
  errorShare: number | null;
  requestSpark: number[];
  errorSpark: number[];
  latencySpark: number[];
  lastProbe: string;
  tokens?: { prompt: number; completion: number };
  /** A provider's type. */
  type?: string;
}

export interface Group {
  name: string;
  kind: "pool" | "provider";
  /** The pool's strategy, or the provider's type. */
  detail: string;
  rows: BackendRow[];
  notUp: number;
}

export interface EventRow {
  at: number;
  backend: string;
  kind: HealthEvent["kind"];
  text: string;
  bad: boolean;
}

export interface ConsumerRow {
  consumer: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  rateLimited: number;
}

export interface DashboardModel {
  now: number;
  backends: number;
  notUp: number;
  rate: number;
  errorShare: number | null;
  cacheHitShare: number | null;
  requestSpark: number[];
  errorSpark: number[];
  cacheSpark: number[];
  pools: Group[];
  providers: Group[];
  events: EventRow[];
  consumers: ConsumerRow[];
}

/** The window the "now" figures are taken over. */
const RECENT_MS = 60_000;

const LABELS: Record<Verdict, string> = {
  down: "DOWN",
  open: "CIRCUIT OPEN",
  cooling: "COOLING DOWN",
  "half-open": "TRYING",
  unknown: "UNKNOWN",
  unprobed: "UP",
  up: "UP",
};

function ago(now: number, at: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function inSeconds(now: number, at: number): string {
  return `${Math.max(1, Math.round((at - now) / 1000))} s`;
}

function verdictOf(s: BackendState, now: number): { verdict: Verdict; why: string } {
  const status = s.status;
  if (!status) return { verdict: "unknown", why: s.error ?? "its state could not be read" };
  const probe = status.lastProbe;
  const probeWhy = probe
    ? (probe.error?.replace(/[.\s]+$/, "") ??
      (probe.status !== undefined ? `status ${probe.status}` : "failed"))
    : "";
  if (status.healthy === false)
    return {
      verdict: "down",
      why: `health checks fail${probeWhy ? `: ${probeWhy}` : ""}; no traffic is sent`,
    };
  if (status.circuit === "open")
    return {
      verdict: "open",
      why: `too many failures; no traffic for ${inSeconds(now, status.openUntil)}, then a trial request`,
    };
  if (status.cooldownUntil > status.at)
    return {
      verdict: "cooling",
      why: `the provider said 429; back in ${inSeconds(now, status.cooldownUntil)}`,
    };
  if (status.circuit === "half-open")
    return { verdict: "half-open", why: "a trial request decides whether it is back" };
  if (circuitOpen(status)) return { verdict: "open", why: "no traffic for now" };
  if (status.healthy === null)
    return {
      verdict: "unprobed",
      why: s.backend.healthCheck.enabled
        ? "not probed yet; taking traffic"
        : "not probed (health checks off)",
    };
  return { verdict: "up", why: "healthy" };
}

function probeText(s: BackendState, now: number): string {
  const p = s.status?.lastProbe;
  if (!p) return s.backend.healthCheck.enabled ? "no probe yet" : "probes off";
  const what = p.ok ? `ok${p.status ? ` ${p.status}` : ""}` : `failed: ${p.error ?? `status ${p.status}`}`;
  return `${what}, ${Math.round(p.latencyMs)} ms, ${ago(now, p.at)}`;
}

/** Per-interval rates (per second) of a cumulative count across the history's samples. */
function perSecond(history: readonly Sample[], count: (s: Sample) => number): number[] {
  const out: number[] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1] as Sample;
    const b = history[i] as Sample;
    const seconds = (b.at - a.at) / 1000;
    out.push(seconds > 0 ? Math.max(0, count(b) - count(a)) / seconds : 0);
  }
  return out;
}

/** The change of a cumulative count over the last RECENT_MS (and how long that was, s). */
function recent(
  history: readonly Sample[],
  count: (s: Sample) => number,
): { delta: number; seconds: number } {
  const last = history[history.length - 1];
  if (!last) return { delta: 0, seconds: 0 };
  let first = last;
  for (let i = history.length - 2; i >= 0; i--) {
    first = history[i] as Sample;
    if (last.at - first.at >= RECENT_MS) break;
  }
  return { delta: Math.max(0, count(last) - count(first)), seconds: (last.at - first.at) / 1000 };
}

const backendCount = (id: string, i: number) => (s: Sample) =>
  (Object.hasOwn(s.backends, id) ? s.backends[id]?.[i] : undefined) ?? 0;

function row(s: BackendState, history: readonly Sample[], now: number): BackendRow {
  const { verdict, why } = verdictOf(s, now);
  const id = s.backend.id;
  const requests = recent(history, backendCount(id, 0));
  const errors = recent(history, backendCount(id, 1));
  const latencySeconds = perSecond(history, backendCount(id, 2));
  const latencyCount = perSecond(history, backendCount(id, 3));
  const usage = s.status?.usage ?? {};
  const tokens = Object.values(usage).reduce(
    (t, u) => ({ prompt: t.prompt + u.promptTokens, completion: t.completion + u.completionTokens }),
    { prompt: 0, completion: 0 },
  );
  return {
    id,
    url: safeUrl(s.backend.url),
    verdict,
    label: LABELS[verdict],
    why,
    inflight: s.status?.inflight ?? null,
    // No latency measured yet reads as none, not as 0 ms.
    latencyMs: s.status?.ewmaLatencyMs ? Math.round(s.status.ewmaLatencyMs) : null,
    rate: requests.seconds > 0 ? requests.delta / requests.seconds : 0,
    errorShare: requests.delta > 0 ? errors.delta / requests.delta : null,
    requestSpark: perSecond(history, backendCount(id, 0)),
    errorSpark: perSecond(history, backendCount(id, 1)),
    latencySpark: latencySeconds.map((sec, i) =>
      (latencyCount[i] ?? 0) > 0 ? (sec / (latencyCount[i] as number)) * 1000 : 0,
    ),
    lastProbe: probeText(s, now),
    ...(s.kind === "provider" ? { tokens } : {}),
  };
}

function group(name: string, kind: Group["kind"], detail: string, rows: BackendRow[]): Group {
  const notUp = rows.filter((r) => r.verdict !== "up" && r.verdict !== "unprobed").length;
  return { name, kind, detail, rows, notUp };
}

function eventText(e: HealthEvent): string {
  const why = e.detail ? ` (${e.detail})` : "";
  switch (e.kind) {
    case "backend_unhealthy":
      return `${e.backend} went DOWN${why}`;
    case "backend_healthy":
      return `${e.backend} is UP again${why}`;
    case "circuit_open":
      return `${e.backend}: circuit opened${why}`;
    default:
      return `${e.backend}: circuit closed, traffic resumed`;
  }
}

function consumers(totals: MetricsDelta): ConsumerRow[] {
  const rows = new Map<string, ConsumerRow>();
  const rowOf = (consumer: string) => {
    let r = rows.get(consumer);
    if (!r) {
      r = { consumer, requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, rateLimited: 0 };
      rows.set(consumer, r);
    }
    return r;
  };
  for (const [key, n] of Object.entries(totals.c)) {
    const family = familyOf(key);
    if (
      family !== FAMILIES.consumerRequests.name &&
      family !== FAMILIES.consumerTokens.name &&
      family !== FAMILIES.cost.name &&
      family !== FAMILIES.ratelimited.name
    )
      continue;
    const labels = parseLabels(key);
    if (!labels.consumer) continue;
    const r = rowOf(labels.consumer);
    if (family === FAMILIES.consumerRequests.name) r.requests += n;
    else if (family === FAMILIES.cost.name) r.costUsd += n;
    else if (family === FAMILIES.ratelimited.name) r.rateLimited += n;
    else if (labels.kind === "prompt") r.promptTokens += n;
    else r.completionTokens += n;
  }
  return [...rows.values()].sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
}

function cacheHitShare(totals: MetricsDelta): number | null {
  let hits = 0;
  let lookups = 0;
  for (const [key, n] of Object.entries(totals.c)) {
    if (familyOf(key) !== FAMILIES.cache.name) continue;
    const result = parseLabels(key).result;
    if (result === "bypass") continue;
    lookups += n;
    if (result === "hit" || result === "stale") hits += n;
  }
  return lookups > 0 ? hits / lookups : null;
}

export function dashboardModel(
  states: readonly BackendState[],
  metrics: { totals: MetricsDelta; history: readonly Sample[] },
  now: number,
): DashboardModel {
  const history = metrics.history;
  const byOwner = new Map<string, { kind: Group["kind"]; rows: BackendRow[] }>();
  for (const s of states) {
    const entry = byOwner.get(s.owner) ?? { kind: s.kind, rows: [] };
    entry.rows.push(row(s, history, now));
    byOwner.set(s.owner, entry);
  }
  const groups = (kind: Group["kind"], detail: (name: string) => string) =>
    [...byOwner]
      .filter(([, g]) => g.kind === kind)
      .map(([name, g]) => group(name, kind, detail(name), g.rows))
      // Trouble first, then by name: the eye lands on what is wrong.
      .sort((a, b) => b.notUp - a.notUp || a.name.localeCompare(b.name));
  const detailOf = new Map(states.map((s) => [s.owner, s.detail]));
  const pools = groups("pool", (n) => detailOf.get(n) ?? "");
  // Providers are one table (one row each, its type beside its name), trouble first.
  const providerRows = groups("provider", (n) => detailOf.get(n) ?? "").flatMap((g) =>
    g.rows.map((r) => ({ ...r, type: g.detail })),
  );
  const providers = providerRows.length ? [group("AI providers", "provider", "", providerRows)] : [];
  const requests = recent(history, (s) => s.requests);
  const errors = recent(history, (s) => s.errors);
  const events = states
    .flatMap((s) => s.status?.events ?? [])
    .sort((a, b) => b.at - a.at)
    .slice(0, 15)
    .map((e) => ({
      at: e.at,
      backend: e.backend,
      kind: e.kind,
      text: eventText(e),
      bad: e.kind === "backend_unhealthy" || e.kind === "circuit_open",
    }));
  const rows = [...pools, ...providers].flatMap((g) => g.rows);
  return {
    now,
    backends: rows.length,
    notUp: rows.filter((r) => r.verdict !== "up" && r.verdict !== "unprobed").length,
    rate: requests.seconds > 0 ? requests.delta / requests.seconds : 0,
    errorShare: requests.delta > 0 ? errors.delta / requests.delta : null,
    cacheHitShare: cacheHitShare(metrics.totals),
    requestSpark: perSecond(history, (s) => s.requests),
    errorSpark: perSecond(history, (s) => s.errors),
    cacheSpark: perSecond(history, (s) => s.cacheHits),
    pools,
    providers,
    events,
    consumers: consumers(metrics.totals),
  };
}

/** A URL as the dashboard shows it: no credentials, no query. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = "";
    url.password = "";
    url.search = "";
    return url.toString().replace(/\/$/, "");
  } catch {
    return raw;
  }
}
