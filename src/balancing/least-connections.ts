// Least connections: the backend with the fewest requests in flight (the global count when the
// state layer has one). Weights do not enter; weighted-least-connections is the weighted form.
import { pickMin } from "./pick-min";
import type { Strategy } from "./types";

export function createLeastConnections(): Strategy {
  return {
    pick: (candidates, ctx) => pickMin(candidates, (c) => c.inflight, ctx.random),
  };
}
