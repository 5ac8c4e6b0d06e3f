// Weighted least connections: lowest (in-flight + 1) / weight, so that a backend with twice the
// weight carries twice the concurrent requests; the +1 counts the request being placed.
import { pickMin } from "./pick-min";
import type { Strategy } from "./types";

export function createWeightedLeastConnections(): Strategy {
  return {
    pick: (candidates, ctx) => pickMin(candidates, (c) => (c.inflight + 1) / c.weight, ctx.random),
  };
}
