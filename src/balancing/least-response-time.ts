// Least response time as peak-EWMA with the power of two choices (Finagle, Linkerd): sample two
// distinct backends (by weight), score each as latency × (in flight + 1) / weight, take the lower.
// Two random choices avoid the herd that "always the fastest" causes when every isolate agrees;
// a backend with no sample yet scores 0, so it gets probed by real traffic.
import { pickWeighted } from "./pick-weighted";
import type { Candidate, Strategy } from "./types";

const cost = (c: Candidate) => (c.ewmaLatencyMs * (c.inflight + 1)) / c.weight;

export function createLeastResponseTime(): Strategy {
  return {
    pick(candidates, ctx) {
      if (candidates.length <= 1) return candidates[0];
      const a = pickWeighted(candidates, ctx.random);
      const rest = candidates.filter((c) => c !== a);
      const b = pickWeighted(rest, ctx.random);
      if (!a || !b) return a ?? b;
      const ca = cost(a);
      const cb = cost(b);
      // A tie (typically: no latency sample yet) is broken by weight, so weights still count.
      if (ca === cb) return ctx.random() * (a.weight + b.weight) < a.weight ? a : b;
      return ca < cb ? a : b;
    },
  };
}
