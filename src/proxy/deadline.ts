// A per-attempt deadline: an AbortSignal that fires after `ms`, and whether it did (to tell a
// timeout from any other abort or network error). Cleared once response headers arrive, so a
// long streamed body is never cut by it.
export interface Deadline {
  readonly signal: AbortSignal;
  expired(): boolean;
  clear(): void;
}

export function deadline(ms: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, ms);
  return { signal: controller.signal, expired: () => expired, clear: () => clearTimeout(timer) };
}
