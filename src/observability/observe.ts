// The observe stage (DESIGN rule 9): one middleware around every request. It starts the trace
// (trace.ts) and the request's record (request-record.ts), lets the other stages fill the record
// in, and writes it out once: when the answer's headers are ready, or, for an event stream, when
// the stream ends (with its time to first token). Writing it out is the log line, the edge's
// metrics (counted in the isolate, flushed with the batched writes) and, when bound, one Analytics
// Engine data point. None of it waits for I/O.
import type { Context, MiddlewareHandler } from "hono";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";
import { emit } from "./emit";
import { errorCodeOf } from "./error-code";
import type { EdgeMetrics } from "./metrics/edge-metrics";
import { RequestRecord } from "./request-record";
import { watchStream } from "./stream-end";
import { traceOf } from "./trace";

/**
 * Set to false at build time (`wrangler deploy --define AYA_OBSERVABILITY:false`) for the
 * benchmark's comparison build only: no record, no log line, no metrics. Never set in a deploy.
 */
declare const AYA_OBSERVABILITY: boolean | undefined;
const OBSERVING = typeof AYA_OBSERVABILITY === "undefined" || AYA_OBSERVABILITY !== false;

export interface ObserveDeps {
  clock: Clock;
  metrics: EdgeMetrics;
  /** Sends the isolate's batched writes (metrics among them) when they are due. */
  flush(c: Context<AppEnv>): void;
}

/** `https://host:port/path?query` → host and query, without parsing the whole URL again. */
function hostAndQuery(url: string): { host: string; query: string } {
  const start = url.indexOf("//") + 2;
  let end = url.indexOf("/", start);
  if (end < 0) end = url.length;
  const q = url.indexOf("?", end);
  const hash = url.indexOf("#", end);
  const query = q < 0 ? "" : url.slice(q, hash < 0 ? undefined : hash);
  return { host: url.slice(start, end), query };
}

export function observe(deps: ObserveDeps): MiddlewareHandler<AppEnv> {
  return async function observeRequest(c, next) {
    const request = c.req.raw;
    c.set("trace", traceOf(request.headers, deps.clock));
    c.set("metrics", deps.metrics);
    if (!OBSERVING) return next();
    const { host, query } = hostAndQuery(request.url);
    const path = c.req.path;
    const record = new RequestRecord(
      deps.clock.now(),
      c.get("requestId"),
      c.get("trace"),
      request.method,
      host,
      path,
      query,
    );
    if (path === "/__aya" || path.startsWith("/__aya/")) record.kind = "admin";
    c.set("record", record);
    await next();
    try {
      answered(c, record, deps);
    } catch (error) {
      // Observing never fails the answer it observes.
      console.error(
        JSON.stringify({ msg: "request not observed", requestId: record.requestId, error: String(error) }),
      );
    }
  };
}

function answered(c: Context<AppEnv>, record: RequestRecord, deps: ObserveDeps): void {
  const response = c.res;
  record.status = response.status;
  const code = errorCodeOf(response);
  if (code) record.failed(code);
  const type = response.headers.get("content-type");
  if (response.body && type?.startsWith("text/event-stream")) {
    // The line waits for the stream: its duration, tokens and time to first token.
    const body = watchStream(
      response.body,
      () => {
        record.ttftMs ??= deps.clock.now() - record.startedAt;
      },
      (how) => {
        if (how === "broken") record.failed("stream_broken");
        else if (how === "cancelled") record.failed("client_cancelled");
        write(c, record, deps);
      },
    );
    c.res = new Response(body, response);
    return;
  }
  write(c, record, deps);
}

function write(c: Context<AppEnv>, record: RequestRecord, deps: ObserveDeps): void {
  if (record.written) return;
  record.written = true;
  emit(record, deps.clock.now() - record.startedAt, {
    logQuery: c.get("gateway")?.observability.logQuery ?? false,
    metrics: deps.metrics,
    analytics: c.env.ANALYTICS,
  });
  // Counts stay in the isolate until a flush succeeds.
  deps.flush(c);
}
