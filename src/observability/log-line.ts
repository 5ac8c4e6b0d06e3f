// The request's log line (CONTRACT §9): one line of JSON text, written with console.log so that
// Workers Logs and Logpush take it as structured data. Every field is always present (null when
// it does not apply), in a fixed order, so lines read alike and V8 serialises one object shape.
// It carries no key, token, cookie or body, and the query string only with
// observability.logQuery: the record holds nothing else.
import type { RequestRecord } from "./request-record";

export interface LogLine {
  ts: string;
  requestId: string;
  traceId: string;
  spanId: string;
  method: string;
  host: string;
  path: string;
  /** The query string, with observability.logQuery only (null otherwise). */
  query: string | null;
  route: string | null;
  status: number;
  durationMs: number;
  upstreamMs: number | null;
  pool: string | null;
  backend: string | null;
  attempts: number | null;
  cache: string | null;
  consumer: string | null;
  provider: string | null;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
  ttftMs: number | null;
  error: string | null;
}

/** The last time formatted, and its text: requests of the same millisecond share it. */
let lastMs = Number.NaN;
let lastIso = "";

function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function logLine(r: RequestRecord, durationMs: number, logQuery: boolean): LogLine {
  return {
    ts: isoTime(r.startedAt),
    requestId: r.requestId,
    traceId: r.trace.traceId,
    spanId: r.trace.spanId,
    method: r.method,
    host: r.host,
    path: r.path,
    query: logQuery ? r.query : null,
    route: r.route,
    status: r.status,
    durationMs,
    upstreamMs: r.upstreamMs,
    pool: r.pool,
    backend: r.backend,
    attempts: r.attempts,
    cache: r.cache,
    consumer: r.consumer,
    provider: r.provider,
    model: r.model,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    costUsd: r.costUsd,
    ttftMs: r.ttftMs,
    error: r.error,
  };
}
