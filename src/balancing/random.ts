// Weighted random. Stateless and, with many isolates each picking, about as even as round robin.
import { pickWeighted } from "./pick-weighted";
import type { Strategy } from "./types";

export function createRandom(): Strategy {
  return { pick: (candidates, ctx) => pickWeighted(candidates, ctx.random) };
}
