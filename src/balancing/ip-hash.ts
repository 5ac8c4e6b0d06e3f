// IP hash as weighted rendezvous (highest random weight) hashing: each client key scores every
// backend and takes the best, so a backend that leaves moves only its own keys and every isolate
// in every location agrees without shared state. No key: weighted random.
import { hashString } from "./hash";
import { pickWeighted } from "./pick-weighted";
import type { Candidate, Strategy } from "./types";

export function rendezvous<C extends Pick<Candidate, "id" | "weight">>(
  candidates: readonly C[],
  key: string,
): C | undefined {
  let best: C | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    // u in (0, 1); -w / ln(u) is the weighted HRW score (Schindelhauer & Schomaker).
    const u = (hashString(`${c.id}\u0000${key}`) + 1) / 4294967297;
    const score = -c.weight / Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

export function createIpHash(): Strategy {
  return {
    pick: (candidates, ctx) =>
      ctx.key ? rendezvous(candidates, ctx.key) : pickWeighted(candidates, ctx.random),
  };
}
