// Retry budget, as Envoy defines it: retries in flight may be at most budgetPercent of the
// requests in flight to a pool (with a floor of MIN_CONCURRENT_RETRIES so that a quiet pool can
// still retry). A steady trickle of failures is always retried; a storm, where most requests
// fail at once, is not multiplied by retries across every location. The floor is above Envoy's
// 3 because one isolate serves many concurrent requests: when one backend of three starts
// failing, a third of the requests in flight need a retry before its circuit opens, and the
// benchmark showed a floor of 3 turning some of those into client-visible errors.
const MIN_CONCURRENT_RETRIES = 10;

interface Active {
  requests: number;
  retries: number;
}

export class RetryBudget {
  private readonly pools = new Map<string, Active>();

  private active(pool: string): Active {
    let a = this.pools.get(pool);
    if (!a) {
      a = { requests: 0, retries: 0 };
      this.pools.set(pool, a);
    }
    return a;
  }

  /** A request to the pool starts; release the ticket when it ends. */
  begin(pool: string): RetryTicket {
    const a = this.active(pool);
    a.requests += 1;
    let taken = 0;
    return {
      take(percent) {
        const allowed = Math.max(MIN_CONCURRENT_RETRIES, (a.requests * percent) / 100);
        if (a.retries >= allowed) return false;
        a.retries += 1;
        taken += 1;
        return true;
      },
      release() {
        a.requests -= 1;
        a.retries -= taken;
        taken = 0;
      },
    };
  }
}

export interface RetryTicket {
  /** One more retry for this request, if the pool's budget allows it. */
  take(percent: number): boolean;
  release(): void;
}

export const retryBudget = new RetryBudget();
