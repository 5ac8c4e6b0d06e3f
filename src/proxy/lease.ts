// How long a request counts as in flight to its backend: until its answer has been passed on
// whole, not only until its headers arrived. A streamed answer (server-sent events, a large
// download) or an open WebSocket is work the backend is still doing, and a drain must wait for it
// (README: "Runtime operations"): `drained` is read from the in-flight counts isolates report.
// An answer of known, small length ends at once, so it is released with its headers, as before,
// and costs nothing more.
//
// While a lease outlives the request's handler, the isolate may serve nothing else for a while and
// so send no reports (they leave with requests); the backend's object would then forget its count
// after REPORT_TTL_MS. A timer keeps reporting while the lease is open.
import type { Clock } from "../clock";
import { FLUSH_JITTER, FLUSH_MS } from "../replication/timing";

/** Answers up to this size (by Content-Length) are released with their headers. */
const SMALL_BODY_BYTES = 64 * 1024;
/** As often as an isolate's batched writes may leave, so that each tick finds one due. */
export const KEEP_REPORTING_MS = FLUSH_MS * (1 + FLUSH_JITTER);

/** Whether the answer's body keeps the request in flight after its headers. */
export function holdsLease(response: Response): boolean {
  if (!response.body) return false;
  const length = response.headers.get("content-length");
  return length === null || !(Number(length) <= SMALL_BODY_BYTES);
}

/**
 * The body passed through unchanged (natively: an identity stream that workerd pumps without
 * running JavaScript per chunk); `done` runs once it ended, was cut or the client went away.
 */
export function passThrough(body: ReadableStream, done: () => void): ReadableStream {
  const pipe = new IdentityTransformStream();
  body.pipeTo(pipe.writable).then(done, done);
  return pipe.readable;
}

/** Calls `report` every KEEP_REPORTING_MS until the returned function is called. */
export function keepReporting(clock: Clock, report: () => void): () => void {
  let cancel = clock.setTimer(KEEP_REPORTING_MS, tick);
  function tick() {
    report();
    cancel = clock.setTimer(KEEP_REPORTING_MS, tick);
  }
  return () => cancel();
}
