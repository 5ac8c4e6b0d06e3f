// A Worker for the benchmark only: each request runs the observe stage's per-request work `n`
// times (a trace, a record filled as a proxied request fills it, its log line written with
// console.log, its metrics counted, and every 1,000th time a flush's take), so that workerd's CPU
// time per run, divided by n, is what the stage costs, with the request's own cost (the same with
// n = 0) taken out. Bundled by the benchmark (observability.ts), never deployed.
import { systemClock } from "../../src/clock";
import { emit } from "../../src/observability/emit";
import { EdgeMetrics } from "../../src/observability/metrics/edge-metrics";
import { RequestRecord } from "../../src/observability/request-record";
import { traceOf } from "../../src/observability/trace";

const metrics = new EdgeMetrics();
const REQUEST_ID = "5d3b1f4e-8a2f-4c55-9e1b-0f3c9e7a2b11";

export default {
  fetch(request: Request): Response {
    const n = Number(new URL(request.url).searchParams.get("n") ?? "0");
    // aya reads the request's headers before this stage whatever it does (its request id): their
    // first read, which costs workerd far more than the next, is not the stage's.
    request.headers.get("x-request-id");
    for (let i = 0; i < n; i++) {
      const trace = traceOf(request.headers, systemClock);
      const record = new RequestRecord(systemClock.now(), REQUEST_ID, trace, "GET", "127.0.0.1", "/x", "");
      record.matched({ path: "/*" });
      record.status = 200;
      record.proxied({ pool: "p", backend: "o1", attempts: 1, upstreamMs: 2 });
      emit(record, 3, { logQuery: false, metrics });
      if (i % 1000 === 999) metrics.take();
    }
    return new Response("ok");
  },
};
