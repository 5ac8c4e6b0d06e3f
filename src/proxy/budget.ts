// Retry budget: retries may be at most budgetPercent of a pool's requests over the last
// WINDOW_SECONDS, plus a small reserve of MIN_RETRIES_PER_SECOND so that a quiet pool can still
// retry (Finagle's RetryBudget; Envoy's budget is the same idea over concurrency). A steady
// trickle of failures is always retried; a storm where most requests fail is not multiplied by
// retries from every location at once.
//
// A rate rather than a share of requests *in flight*: when one backend of three starts failing,
// a burst of requests that were all in flight to it fail together and each needs its one retry;
// a concurrency cap turns some of those into client-visible errors before the circuit opens,
// while a rate budget has room for the burst and still caps a sustained storm.
export const WINDOW_SECONDS = 10;
export const MIN_RETRIES_PER_SECOND = 10;

interface Bucket {
  second: number;
  requests: number;
  retries: number;
}

class PoolBudget {
  private readonly buckets: Bucket[] = Array.from({ length: WINDOW_SECONDS }, () => ({
    second: -1,
    requests: 0,
    retries: 0,
  }));

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
    const allowed = (requests * percent) / 100 + MIN_RETRIES_PER_SECOND * WINDOW_SECONDS;
    if (retries >= allowed) return false;
    current.retries += 1;
    return true;
  }
}

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

  /** One more retry for a request to this pool, if the budget allows it. */
  tryRetry(pool: string, percent: number, now: number): boolean {
    return this.pool(pool).tryRetry(percent, now);
  }
}
