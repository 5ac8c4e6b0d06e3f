// Failed attempts per client IP, per isolate: after FAILURES_PER_MINUTE credentials that could not
// be verified (an unknown key, a bad token), an IP gets 429 for the rest of its minute instead of
// another lookup. Known keys still pass, so a throttled address behind a shared NAT does not lock
// out the clients that have working keys. With the relays' pacing this bounds what a flood of
// random keys costs (README: "Consumers").
export const FAILURES_PER_MINUTE = 20;
const WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

export class FailureThrottle {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  /** When the address may try again (ms), or 0 when it may now. */
  blockedUntil(ip: string, now: number): number {
    const w = this.windows.get(ip);
    if (!w || now - w.start >= WINDOW_MS) return 0;
    return w.failures >= FAILURES_PER_MINUTE ? w.start + WINDOW_MS : 0;
  }

  fail(ip: string, now: number): void {
    let w = this.windows.get(ip);
    if (!w || now - w.start >= WINDOW_MS) {
      if (this.windows.size >= MAX_TRACKED) this.sweep(now);
      w = { start: now, failures: 0 };
      this.windows.set(ip, w);
    }
    w.failures += 1;
  }

  private sweep(now: number): void {
    for (const [ip, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(ip);
    // Still full: the oldest go (a Map iterates in insertion order).
    for (const ip of this.windows.keys()) {
      if (this.windows.size < MAX_TRACKED) break;
      this.windows.delete(ip);
    }
  }
}
