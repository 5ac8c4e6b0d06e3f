// Least connections: the lowest in-flight count per unit of weight (inflight / weight, the
// global count when the state layer has one), as HAProxy's leastconn does. Backends tied on that
// score share traffic by smooth weighted round robin, so that at low concurrency, when every
// backend has nothing in flight, weights still count (3:1 weights give 3:1 traffic to sequential
// requests) instead of the heaviest backend taking everything, which is what a `(inflight + 1) /
// weight` score would do. With equal weights this is plain least connections with round robin
// among ties.
import type { Candidate, Strategy } from "./types";
import { createWeightedRoundRobin } from "./weighted-round-robin";

export function createLeastConnections(): Strategy {
  const amongTies = createWeightedRoundRobin();
  return {
    pick(candidates, ctx) {
      let best = Number.POSITIVE_INFINITY;
      for (const c of candidates) best = Math.min(best, load(c));
      // Exact comparison is sound: equal ratios of integers divide to the same double.
      const tied = candidates.filter((c) => load(c) === best);
      return tied.length === 1 ? tied[0] : amongTies.pick(tied, ctx);
    },
  };
}

const load = (c: Candidate) => c.inflight / c.weight;
