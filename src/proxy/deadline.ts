// A per-attempt deadline: an AbortSignal that fires after `ms` of the clock's time, and whether it
// did (to tell a timeout from any other abort or network error). Cleared once response headers
// arrive, so a long streamed body is never cut by it.
import type { Clock } from "../clock";

export interface Deadline {
  readonly signal: AbortSignal;
  expired(): boolean;
  clear(): void;
}

export function deadline(clock: Pick<Clock, "setTimer">, ms: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const cancel = clock.setTimer(ms, () => {
    expired = true;
    controller.abort();
  });
  return { signal: controller.signal, expired: () => expired, clear: cancel };
}
