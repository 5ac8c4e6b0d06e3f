// TEMPORARY until the strategy files land.
import type { StrategyName } from "../config/normalize";
import type { Strategy } from "./types";

export function createStrategy(_name: StrategyName): Strategy {
  let next = 0;
  return {
    pick(candidates) {
      if (candidates.length === 0) return undefined;
      const c = candidates[next % candidates.length];
      next += 1;
      return c;
    },
  };
}
