// Round robin. With equal weights it is a plain rotation; when weights differ it becomes smooth
// weighted round robin, because the contract says weights count in every strategy that can use
// them (a user who sets weights on a round-robin pool means them).
import type { Strategy } from "./types";
import { createWeightedRoundRobin } from "./weighted-round-robin";

export function createRoundRobin(): Strategy {
  let next = 0;
  const weighted = createWeightedRoundRobin();
  return {
    pick(candidates, ctx) {
      if (candidates.length === 0) return undefined;
      const first = candidates[0]?.weight;
      if (candidates.some((c) => c.weight !== first)) return weighted.pick(candidates, ctx);
      const chosen = candidates[next % candidates.length];
      next = (next + 1) % 1_000_000_007;
      return chosen;
    },
  };
}
