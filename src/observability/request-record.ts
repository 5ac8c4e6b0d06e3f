// What one request did, as the stages found it: the "observe" stage's input (DESIGN rule 9).
// The observe middleware (observe.ts) makes one per request and keeps it in the Hono context
// (`c.get("record")`); each stage fills in what it knows through the setters below, and the
// middleware writes it out once, when the answer (or its event stream) ends: the log line, the
// edge's metrics and an Analytics Engine data point all come from it.
//
// Setters for the stages built in parallel:
//   identify (consumers, issue 14): `record.consumer = id` once a key or token named one.
//   settle (limits and spend, issue 15): `record.costUsd = usd` once the request's cost is known,
//     and `record.rateLimited = true` when a limit refused it (counted in aya_ratelimited_total).
// A setter called after the line was written changes nothing.
import type { Trace } from "./trace";

/** How the answer relates to the cache: the `x-aya-cache` values. */
export type CacheResult = "HIT" | "MISS" | "STALE" | "BYPASS";

export class RequestRecord {
  /** The matched route's path as written in the config (null: none matched). */
  route: string | null = null;
  /** For metrics: what the request was, when no route applies (admin, unmatched). */
  kind: "route" | "admin" | "unmatched" = "unmatched";
  status = 0;
  /** Time spent waiting for upstream answers' headers, every attempt together. */
  upstreamMs: number | null = null;
  pool: string | null = null;
  backend: string | null = null;
  attempts: number | null = null;
  cache: CacheResult | null = null;
  /** Set by the identify stage (issue 14). */
  consumer: string | null = null;
  provider: string | null = null;
  /** The provider's model as configured or asked for (what the log line says). */
  model: string | null = null;
  /** The same model as metrics count it: configured targets by name, any other under one bucket. */
  metricModel: string | null = null;
  promptTokens: number | null = null;
  completionTokens: number | null = null;
  /** Set by the settle stage (issue 15). */
  costUsd: number | null = null;
  /** Set by the admit stage (issue 15) when a limit refused the request. */
  rateLimited = false;
  ttftMs: number | null = null;
  /** The gateway's error code when aya answered an error itself (never a message). */
  error: string | null = null;
  /** Set once the line was written: later setters are ignored by the writer. */
  written = false;

  constructor(
    /** When the request arrived (ms, the gateway's clock). */
    readonly startedAt: number,
    readonly requestId: string,
    readonly trace: Trace,
    readonly method: string,
    readonly host: string,
    /** The canonical path, never the query string. */
    readonly path: string,
    /** The query string (with its `?`), logged only with observability.logQuery. */
    readonly query: string,
  ) {}

  /** The route as metrics and Analytics Engine name it: its path, or "(admin)" / "(unmatched)". */
  get routeLabel(): string {
    if (this.route !== null) return this.route;
    return this.kind === "admin" ? "(admin)" : "(unmatched)";
  }

  /** The route the request matched. */
  matched(route: { path: string }): void {
    this.route = route.path;
    this.kind = "route";
  }

  /** An HTTP route's answer: where it went, how many attempts, how long upstream took. */
  proxied(result: { pool?: string; backend?: string; attempts: number; upstreamMs?: number }): void {
    this.pool = result.pool ?? null;
    this.backend = result.backend ?? null;
    this.attempts = result.attempts;
    if (result.upstreamMs !== undefined) this.upstreamMs = result.upstreamMs;
  }

  cached(result: CacheResult): void {
    this.cache = result;
  }

  /** An AI target tried: the provider endpoint is the backend (providers are backends). */
  attempt(target: { provider: string; model: string; metricModel: string }): void {
    this.provider = target.provider;
    this.backend = target.provider;
    this.model = target.model;
    this.metricModel = target.metricModel;
    this.attempts = (this.attempts ?? 0) + 1;
  }

  /** Time waited for one upstream answer's headers. */
  waited(ms: number): void {
    this.upstreamMs = (this.upstreamMs ?? 0) + ms;
  }

  usage(promptTokens: number, completionTokens: number): void {
    this.promptTokens = promptTokens;
    this.completionTokens = completionTokens;
  }

  /** The first error wins: it is what went wrong, later ones follow from it. */
  failed(code: string): void {
    this.error ??= code;
  }
}
