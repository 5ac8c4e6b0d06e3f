// Turns the scenarios' raw runs into figures, each the median of the runs with its min–max, and
// the figures into the JSON summary that --json prints (field names as the issue asks; numbers
// only, null solely where a scenario failed, and then a `note` says why).

import { RESERVE_BURST, RESERVE_PER_SECOND } from "../../src/proxy/budget.ts";
import type { AiResult, AiRun, Path } from "./ai.ts";
import type { PersistentFault, PersistentRun, Strategy } from "./backends.ts";
import type { CacheResult } from "./cache.ts";
import { addedUs, type IdentityRuns } from "./identity.ts";
import { type LimitsFigures, type LimitsRuns, limitsFigures, limitsJson } from "./limits.ts";
import {
  coreShare,
  cpuUsPerRequest,
  errorRate,
  type LoadResult,
  type Stat,
  statOf,
  summarise,
} from "./load.ts";
import { LOOP, type ObservabilityResult } from "./observability.ts";
import type { DoCalls, OverheadResult } from "./overhead.ts";
import type { ProfileSummary } from "./profile.ts";

export interface Results {
  overhead: OverheadResult;
  observability: ObservabilityResult;
  profile: ProfileSummary | { note: string };
  slow: Record<Strategy, { results: LoadResult[]; slowShare: number[] }>;
  failing: Record<Strategy, { refuse: LoadResult[]; status503: LoadResult[] }>;
  persistent: Record<PersistentFault, PersistentRun[]>;
  cache: CacheResult;
  ai: AiResult;
  identity: IdentityRuns;
  limits: LimitsRuns;
}

export interface Row {
  rps: Stat;
  p50: Stat;
  p99: Stat;
  /** CPU µs per request of the workerd process, and shares of one core per process. */
  workerdUs: Stat;
  workerdCore: Stat;
  loadCore: Stat;
  originCore: Stat;
}

export interface FailFigure {
  rate: Stat;
  errors: number;
  requests: number;
}

/** Upstream attempts per client request with every backend failing, against the budget's bound. */
export interface PersistentFigure {
  ratio: Stat;
  /** Per run: (1 + budgetPercent/100) + the paced reserve (RESERVE_BURST + RESERVE_PER_SECOND × seconds) / requests. */
  bound: Stat;
  attempts: number;
  requests: number;
  /** Whether every run's ratio stayed within that run's bound. */
  withinBound: boolean;
}

/** The default retry policy's budget share: 20% of requests. */
export const DEFAULT_BUDGET_SHARE = 0.2;

function persistentFigure(runs: PersistentRun[]): PersistentFigure {
  const ratio = (r: PersistentRun) => (r.requests ? r.attempts / r.requests : undefined);
  const bound = (r: PersistentRun) =>
    r.requests
      ? 1 + DEFAULT_BUDGET_SHARE + (RESERVE_BURST + RESERVE_PER_SECOND * r.seconds) / r.requests
      : undefined;
  return {
    ratio: statOf(runs, ratio),
    bound: statOf(runs, bound),
    attempts: runs.reduce((a, r) => a + r.attempts, 0),
    requests: runs.reduce((a, r) => a + r.requests, 0),
    withinBound: runs.every((r) => (ratio(r) ?? 0) <= (bound(r) ?? 0)),
  };
}

export interface AiFigures {
  latency: Record<Path, Stat>;
  ttfb: Record<Path, Stat>;
  total: Record<Path, Stat>;
  /** Per run, aya minus the provider called directly (and minus the pass-through Worker). */
  added: Stat;
  addedOverPassThrough: Stat;
  addedTtfb: Stat;
  addedTtfbOverPassThrough: Stat;
}

export interface Figures {
  overhead: {
    origin: Row;
    hello: Row;
    passThrough: Row;
    aya: Row;
    respond: Row;
    /** Per round, aya req/s over pass-through req/s (paired, so drift cancels). */
    ratio: Stat;
    doCallsPerRequest: Stat;
    doCalls: DoCalls;
  };
  observability: ObservabilityFigure;
  profile: ProfileSummary | { note: string };
  slow: Record<Strategy, { p50: Stat; p99: Stat; share: Stat }>;
  failing: Record<Strategy, { refuse: FailFigure; status503: FailFigure }>;
  persistent: Record<PersistentFault, PersistentFigure>;
  cache: { hit: Row; miss: Row; farMiss: Row; originHitsDuringHits: number };
  ai: AiFigures | { note: string };
  identity: { anonymous: Row; key: Row; jwt: Row; keyAddedUs: Stat; jwtAddedUs: Stat };
  limits: LimitsFigures;
}

/** The observe stage's cost per proxied request: paired A/B runs, and the profile's share of it. */
export interface ObservabilityFigure {
  observed: Row;
  unobserved: Row;
  /** Per round, workerd µs per request with the observe stage minus without it. */
  addedUs: Stat;
  /** Per round of the harness: µs per request with the stage once − without it (as in production). */
  onceUs: Stat;
  /** Per round of the harness: (µs per request with the loop − without) / LOOP: each further run. */
  loopUs: Stat;
  /** µs per request the CPU profile charges to src/observability (its share of the proxied path). */
  profileUs: number | undefined;
}

/** The per-request target of the observe stage (issue 16). */
export const OBSERVE_TARGET_US = 10;

function observabilityFigure(
  r: ObservabilityResult,
  profile: ProfileSummary | { note: string },
  ayaUs: number,
): ObservabilityFigure {
  const paired = r.observed.map((run, i) => {
    const a = cpuUsPerRequest(run, "workerd");
    const b = r.unobserved[i] && cpuUsPerRequest(r.unobserved[i] as LoadResult, "workerd");
    return a === undefined || b === undefined ? undefined : a - b;
  });
  const share =
    "note" in profile
      ? undefined
      : profile.byModule
          .filter((m) => m.name.startsWith("src/observability/"))
          .reduce((a, m) => a + m.share, 0);
  const looped = r.looped.map((run, i) => {
    const a = cpuUsPerRequest(run, "workerd");
    const b = r.bare[i] && cpuUsPerRequest(r.bare[i] as LoadResult, "workerd");
    return a === undefined || b === undefined ? undefined : (a - b) / LOOP;
  });
  const once = r.once.map((run, i) => {
    const a = cpuUsPerRequest(run, "workerd");
    const b = r.bare[i] && cpuUsPerRequest(r.bare[i] as LoadResult, "workerd");
    return a === undefined || b === undefined ? undefined : a - b;
  });
  return {
    observed: row(r.observed),
    unobserved: row(r.unobserved),
    addedUs: summarise(paired),
    onceUs: summarise(once),
    loopUs: summarise(looped),
    profileUs: share === undefined || !Number.isFinite(ayaUs) ? undefined : share * ayaUs,
  };
}

export function row(runs: LoadResult[]): Row {
  return {
    rps: statOf(runs, (r) => r.rps),
    p50: statOf(runs, (r) => r.p50Ms),
    p99: statOf(runs, (r) => r.p99Ms),
    workerdUs: statOf(runs, (r) => cpuUsPerRequest(r, "workerd")),
    workerdCore: statOf(runs, (r) => coreShare(r, "workerd")),
    loadCore: statOf(runs, (r) => coreShare(r, "load generator")),
    originCore: statOf(runs, (r) => coreShare(r, "origins")),
  };
}

function failFigure(runs: LoadResult[]): FailFigure {
  return {
    rate: statOf(runs, errorRate),
    errors: runs.reduce((a, r) => a + r.non2xx + r.errors, 0),
    requests: runs.reduce((a, r) => a + r.requests, 0),
  };
}

function aiFigures(result: AiResult): AiFigures | { note: string } {
  if ("note" in result) return result;
  const runs = result.runs;
  const s = (pick: (r: AiRun) => number) => statOf(runs, pick);
  const perPath = (pick: (r: AiRun) => Record<Path, number>) => ({
    direct: s((r) => pick(r).direct),
    passThrough: s((r) => pick(r).passThrough),
    aya: s((r) => pick(r).aya),
  });
  return {
    latency: perPath((r) => r.latencyMs),
    ttfb: perPath((r) => r.ttfbMs),
    total: perPath((r) => r.totalMs),
    added: s((r) => r.latencyMs.aya - r.latencyMs.direct),
    addedOverPassThrough: s((r) => r.latencyMs.aya - r.latencyMs.passThrough),
    addedTtfb: s((r) => r.ttfbMs.aya - r.ttfbMs.direct),
    addedTtfbOverPassThrough: s((r) => r.ttfbMs.aya - r.ttfbMs.passThrough),
  };
}

const mapStrategies = <T, U>(input: Record<Strategy, T>, f: (value: T) => U): Record<Strategy, U> =>
  Object.fromEntries(Object.entries(input).map(([k, v]) => [k, f(v as T)])) as Record<Strategy, U>;

export function figures(results: Results): Figures {
  const o = results.overhead;
  return {
    overhead: {
      origin: row(o.origin),
      hello: row(o.hello),
      passThrough: row(o.passThrough),
      aya: row(o.aya),
      respond: row(o.respond),
      ratio: summarise(o.aya.map((r, i) => r.rps / (o.passThrough[i] as LoadResult).rps)),
      doCallsPerRequest: statOf(o.doCalls.perRequest, (x) => x),
      doCalls: o.doCalls,
    },
    observability: observabilityFigure(results.observability, results.profile, row(o.aya).workerdUs.median),
    profile: results.profile,
    slow: mapStrategies(results.slow, (r) => ({
      p50: statOf(r.results, (x) => x.p50Ms),
      p99: statOf(r.results, (x) => x.p99Ms),
      share: statOf(r.slowShare, (x) => x),
    })),
    failing: mapStrategies(results.failing, (r) => ({
      refuse: failFigure(r.refuse),
      status503: failFigure(r.status503),
    })),
    persistent: {
      "503": persistentFigure(results.persistent["503"]),
      reset: persistentFigure(results.persistent.reset),
    },
    cache: {
      hit: row(results.cache.hit),
      miss: row(results.cache.miss),
      farMiss: row(results.cache.farMiss),
      originHitsDuringHits: results.cache.originHitsDuringHits,
    },
    ai: aiFigures(results.ai),
    identity: {
      anonymous: row(results.identity.anonymous),
      key: row(results.identity.key),
      jwt: row(results.identity.jwt),
      keyAddedUs: summarise(addedUs(results.identity, "key")),
      jwtAddedUs: summarise(addedUs(results.identity, "jwt")),
    },
    limits: limitsFigures(results.limits),
  };
}

/**
 * Replaces every number that is not finite (a measurement that produced nothing, such as CPU
 * time off Linux) with null, and says where in `notes`, so that the JSON never hides a gap.
 */
function finiteOrNoted(value: unknown, path: string, notes: string[]): unknown {
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    notes.push(`${path} was not measured`);
    return null;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v, i) => finiteOrNoted(v, `${path}[${i}]`, notes));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, finiteOrNoted(v, path ? `${path}.${k}` : k, notes)]),
  );
}

const spread = (s: Stat) => ({ min: s.min, max: s.max });

function overheadJson(f: Figures["overhead"]) {
  return {
    ratio: f.ratio.median,
    ayaRps: f.aya.rps.median,
    baselineRps: f.passThrough.rps.median,
    ayaP50Ms: f.aya.p50.median,
    ayaP99Ms: f.aya.p99.median,
    baselineP50Ms: f.passThrough.p50.median,
    baselineP99Ms: f.passThrough.p99.median,
    originRps: f.origin.rps.median,
    respondRps: f.respond.rps.median,
    emptyWorkerRps: f.hello.rps.median,
    spread: {
      ratio: spread(f.ratio),
      ayaRps: spread(f.aya.rps),
      baselineRps: spread(f.passThrough.rps),
      originRps: spread(f.origin.rps),
    },
    workerdCpuUsPerRequest: {
      emptyWorker: f.hello.workerdUs.median,
      passThrough: f.passThrough.workerdUs.median,
      ayaRespond: f.respond.workerdUs.median,
      aya: f.aya.workerdUs.median,
    },
  };
}

function aiJson(f: Figures["ai"]) {
  if ("note" in f) return { addedLatencyMs: Number.NaN, streamTtfbMs: Number.NaN, failed: f.note };
  return {
    addedLatencyMs: f.added.median,
    streamTtfbMs: f.ttfb.aya.median,
    providerTtfbMs: f.ttfb.direct.median,
    passThroughTtfbMs: f.ttfb.passThrough.median,
    addedTtfbMs: f.addedTtfb.median,
    addedOverPassThroughMs: f.addedOverPassThrough.median,
    addedTtfbOverPassThroughMs: f.addedTtfbOverPassThrough.median,
    streamTotalMs: f.total.aya.median,
    providerStreamTotalMs: f.total.direct.median,
    directLatencyMs: f.latency.direct.median,
    passThroughLatencyMs: f.latency.passThrough.median,
    ayaLatencyMs: f.latency.aya.median,
    spread: { addedLatencyMs: spread(f.added), streamTtfbMs: spread(f.ttfb.aya) },
  };
}

function doCallsJson({ perRequest: _, ...totals }: DoCalls, perRequest: Stat) {
  return { ...totals, perSecond: totals.calls / totals.seconds, spread: spread(perRequest) };
}

export function toJson(f: Figures, meta: { runs: number; quick: boolean; wallSeconds: number }) {
  const raw = {
    overhead: overheadJson(f.overhead),
    observability: {
      /** workerd CPU µs the observe stage (log line, metrics, record, trace) costs: once per request, as in production, against none (harness). */
      cpuUsPerRequest: f.observability.onceUs.median,
      /** Each further run of the stage in the same request (harness loop). */
      cpuUsPerFurtherStage: f.observability.loopUs.median,
      /** aya end to end against a build without the stage. */
      addedCpuUsPerRequest: f.observability.addedUs.median,
      profileCpuUsPerRequest: f.observability.profileUs ?? Number.NaN,
      targetUs: OBSERVE_TARGET_US,
      spread: {
        cpuUsPerRequest: spread(f.observability.onceUs),
        cpuUsPerFurtherStage: spread(f.observability.loopUs),
        addedCpuUsPerRequest: spread(f.observability.addedUs),
      },
    },
    doCallsPerRequest: f.overhead.doCallsPerRequest.median,
    doCalls: doCallsJson(f.overhead.doCalls, f.overhead.doCallsPerRequest),
    slowBackend: mapStrategies(f.slow, (s) => ({
      p50Ms: s.p50.median,
      p99Ms: s.p99.median,
      slowShare: s.share.median,
    })),
    failingBackend: mapStrategies(f.failing, (s) => ({
      /** The worse of the two faults. */
      errorRate: Math.max(s.refuse.rate.median, s.status503.rate.median),
      refuseErrorRate: s.refuse.rate.median,
      status503ErrorRate: s.status503.rate.median,
    })),
    persistentFailure: {
      /** Upstream attempts per client request, every backend answering 503, and its bound. */
      status503: {
        ratio: f.persistent["503"].ratio.median,
        bound: f.persistent["503"].bound.median,
        withinBound: f.persistent["503"].withinBound,
      },
      /** The same with every backend resetting connections after reading the request. */
      reset: {
        ratio: f.persistent.reset.ratio.median,
        bound: f.persistent.reset.bound.median,
        withinBound: f.persistent.reset.withinBound,
      },
    },
    cache: {
      hitRps: f.cache.hit.rps.median,
      missRps: f.cache.miss.rps.median,
      hitP50Ms: f.cache.hit.p50.median,
      missP50Ms: f.cache.miss.p50.median,
      hitP99Ms: f.cache.hit.p99.median,
      missP99Ms: f.cache.miss.p99.median,
      farOriginMissRps: f.cache.farMiss.rps.median,
      farOriginMissP50Ms: f.cache.farMiss.p50.median,
    },
    ai: aiJson(f.ai),
    identity: {
      /** workerd CPU µs per request a key / a JWT adds over an anonymous request, warm. */
      keyAddedUs: f.identity.keyAddedUs.median,
      jwtAddedUs: f.identity.jwtAddedUs.median,
    },
    /** 50 clients against a request limit, a token limit and a budget; steady-load waits and CPU. */
    limits: limitsJson(f.limits),
    profile:
      "note" in f.profile
        ? { failed: f.profile.note }
        : { byModule: f.profile.byModule.slice(0, 8).map((r) => ({ name: r.name, share: r.share })) },
    runs: meta.runs,
    quick: meta.quick,
    wallSeconds: meta.wallSeconds,
  };
  const notes: string[] = [];
  if ("note" in f.ai) notes.push(`AI path: ${f.ai.note}`);
  if ("note" in f.profile) notes.push(`CPU profile: ${f.profile.note}`);
  const json = finiteOrNoted(raw, "", notes) as typeof raw;
  return notes.length ? { ...json, note: notes.join("; ") } : json;
}
