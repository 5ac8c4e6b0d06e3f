// KV accepts one write a second per key, and a cache write is only ever an optimisation: this
// isolate writes a key at most once a second, whatever asks (a client's honoured no-cache, a
// revalidation, a burst of misses). Per isolate is what a Worker can enforce without a round trip;
// several isolates or locations may each write once in the same second (the last write wins).

export class WritePace {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs = 1000,
    /** Keys remembered at once; past it, writes are skipped until old ones age out. */
    private readonly maxKeys = 10_000,
  ) {}

  /** Whether `key` may be written at `now` (ms); a yes counts as the write. */
  take(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.intervalMs) return false;
    if (at === undefined && this.last.size >= this.maxKeys) {
      for (const [k, t] of this.last) if (now - t >= this.intervalMs) this.last.delete(k);
      if (this.last.size >= this.maxKeys) return false;
    }
    this.last.set(key, now);
    return true;
  }
}

/** This isolate's pace for every cache write (route entries and AI answers). */
export const kvWritePace = new WritePace();
