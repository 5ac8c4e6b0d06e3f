// Outcomes counted since they were last sent: what an isolate accumulates per backend between
// flushes, and what a relay accumulates over its isolates between calls to the object.
import type { Report } from "./protocol";
import { addUsage, type UsageByModel } from "./usage";

export type Pending = Pick<
  Report,
  "requests" | "failures" | "tailFailures" | "latencySumMs" | "latencyCount" | "lastError"
> & {
  usage: UsageByModel;
};

export const emptyPending = (): Pending => ({
  requests: 0,
  failures: 0,
  tailFailures: 0,
  latencySumMs: 0,
  latencyCount: 0,
  usage: {},
});

export function isEmpty(p: Pending): boolean {
  return p.requests === 0 && Object.keys(p.usage).length === 0;
}

/**
 * Adds `from` to `target`. `from` is newer by default: it decides the run of failures at the end,
 * unless it holds nothing but failures (then they extend the run). With `older`, `from` goes in
 * front (a batch that could not be sent, put back before what was counted since).
 */
export function mergePending(
  target: Pending,
  from: Omit<Pending, "usage"> & { usage?: Pending["usage"] },
  older = false,
): void {
  if (older) {
    if (target.requests === target.failures) target.tailFailures += from.tailFailures;
    target.lastError ??= from.lastError;
  } else {
    target.tailFailures =
      from.requests === from.failures ? target.tailFailures + from.tailFailures : from.tailFailures;
    if (from.lastError !== undefined) target.lastError = from.lastError;
  }
  target.requests += from.requests;
  target.failures += from.failures;
  target.latencySumMs += from.latencySumMs;
  target.latencyCount += from.latencyCount;
  for (const [model, u] of Object.entries(from.usage ?? {})) addUsage(target.usage, model, u);
}
