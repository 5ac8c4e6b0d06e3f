// Shared by the least-* strategies: the candidate with the lowest score, ties broken at random
// (always taking the first would pile every tie onto one backend).
import type { Candidate } from "./types";

export function pickMin<C extends Candidate>(
  candidates: readonly C[],
  score: (c: C) => number,
  random: () => number,
): C | undefined {
  let best: C | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  let ties = 0;
  for (const c of candidates) {
    const s = score(c);
    if (s < bestScore) {
      best = c;
      bestScore = s;
      ties = 1;
    } else if (s === bestScore) {
      // Reservoir sampling over the tied candidates: each ends up chosen with equal chance.
      ties += 1;
      if (random() * ties < 1) best = c;
    }
  }
  return best;
}

/** Weighted random choice. */
export function pickWeighted<C extends Candidate>(
  candidates: readonly C[],
  random: () => number,
): C | undefined {
  let total = 0;
  for (const c of candidates) total += c.weight;
  let at = random() * total;
  for (const c of candidates) {
    at -= c.weight;
    if (at < 0) return c;
  }
  return candidates[candidates.length - 1];
}
