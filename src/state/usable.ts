// CONTRACT: a backend is usable when it is healthy (or not yet probed), its circuit is not open,
// and it is under maxConnections. A half-open circuit admits only its trial requests.
import type { Backend } from "../config/normalize";
import type { BackendView } from "./types";

export function isUsable(backend: Backend, view: BackendView, halfOpenInflight: number): boolean {
  if (!view.healthy) return false;
  if (view.circuit === "open") return false;
  if (view.circuit === "half-open" && halfOpenInflight >= backend.circuitBreaker.halfOpenRequests)
    return false;
  if (backend.maxConnections !== undefined && view.inflight >= backend.maxConnections) return false;
  return true;
}

/** How bad an unusable backend is, for panic mode: lower is less bad. */
export function badness(view: BackendView): number {
  return (view.healthy ? 0 : 2) + (view.circuit === "open" ? 1 : 0);
}
