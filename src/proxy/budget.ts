// Retry budget (Finagle's RetryBudget, with a paced reserve): a pool may retry up to
// budgetPercent of its requests over the last WINDOW_SECONDS, plus a reserve so that a quiet pool
// can still retry. The reserve is a token bucket refilled at RESERVE_PER_SECOND and holding at
// most RESERVE_BURST tokens, so it is spent at a steady pace, never as a burst. Over any span of
// T seconds a pool's extra attempts stay within
//   budgetPercent/100 × its requests + RESERVE_BURST + RESERVE_PER_SECOND × T,
// so under persistent failure upstream attempts stay ≤ (1 + budgetPercent/100) × requests plus
// the paced reserve, whatever the retry policy asks. A steady trickle of failures is always
// retried; a storm where most requests fail is not multiplied by retries from every location.
//
// A rate rather than a share of requests *in flight*: when one backend of three starts failing,
// a burst of requests that were all in flight to it fail together and each needs its one retry;
// a concurrency cap turns some of those into client-visible errors before the circuit opens,
// while the share of recent requests (and the reserve) has room for the burst.
export const WINDOW_SECONDS = 10;
export const RESERVE_PER_SECOND = 10;
/**
 * The most the reserve holds, so the most it can spend at once (after two quiet seconds). Sized
 * for a cold isolate discovering one failing backend of three under load: until its circuit
 * opens, up to ~16 first attempts fail in the benchmark's failing-backend runs (32 connections,
 * 2 shared cores) while only a few requests have yet earned their budget share; with one second's
 * worth (10), one run in about thirty let a client see an error.
 */
export const RESERVE_BURST = 2 * RESERVE_PER_SECOND;

interface Bucket {
  second: number;
  requests: number;
  /** Retries taken from the budgetPercent share (reserve retries are not counted here). */
  retries: number;
}

class PoolBudget {
  private readonly buckets: Bucket[] = Array.from({ length: WINDOW_SECONDS }, () => ({
    second: -1,
    requests: 0,
    retries: 0,
  }));
  private reserve = RESERVE_BURST;
  private refilledAt: number | undefined;

  private bucket(now: number): Bucket {
    const second = Math.floor(now / 1000);
    const b = this.buckets[second % WINDOW_SECONDS] as Bucket;
    if (b.second !== second) {
      b.second = second;
      b.requests = 0;
      b.retries = 0;
    }
    return b;
  }

  request(now: number): void {
    this.bucket(now).requests += 1;
  }

  tryRetry(percent: number, now: number): boolean {
    const current = this.bucket(now);
    const oldest = current.second - WINDOW_SECONDS + 1;
    let requests = 0;
    let retries = 0;
    for (const b of this.buckets) {
      if (b.second < oldest) continue;
      requests += b.requests;
      retries += b.retries;
    }
    if (retries + 1 <= (requests * percent) / 100) {
      current.retries += 1;
      return true;
    }
    return this.fromReserve(now);
  }

  private fromReserve(now: number): boolean {
    if (this.refilledAt !== undefined && now > this.refilledAt) {
      const earned = ((now - this.refilledAt) * RESERVE_PER_SECOND) / 1000;
      this.reserve = Math.min(RESERVE_BURST, this.reserve + earned);
    }
    this.refilledAt = Math.max(now, this.refilledAt ?? now);
    if (this.reserve < 1) return false;
    this.reserve -= 1;
    return true;
  }
}

/** One budget per pool; an app holds one (per isolate) and every request it serves shares it. */
export class RetryBudget {
  private readonly pools = new Map<string, PoolBudget>();

  private pool(name: string): PoolBudget {
    let budget = this.pools.get(name);
    if (!budget) {
      budget = new PoolBudget();
      this.pools.set(name, budget);
    }
    return budget;
  }

  /** A client request to the pool: adds to what the budget allows. */
  request(pool: string, now: number): void {
    this.pool(pool).request(now);
  }

  /** One more attempt for a request to this pool, if the budget allows it. */
  tryRetry(pool: string, percent: number, now: number): boolean {
    return this.pool(pool).tryRetry(percent, now);
  }
}
