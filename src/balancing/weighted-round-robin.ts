// Smooth weighted round robin (nginx): every pick adds each candidate's weight to its current
// score, takes the highest and subtracts the total. Over any window of sum(weights) picks each
// backend is chosen exactly weight times, interleaved rather than in bursts.
import type { Candidate, Strategy } from "./types";

export function createWeightedRoundRobin(): Strategy {
  const current = new Map<string, number>();
  return {
    pick(candidates) {
      if (candidates.length === 0) return undefined;
      if (current.size > candidates.length * 4) prune(current, candidates);
      let total = 0;
      let best: (typeof candidates)[number] | undefined;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const c of candidates) {
        const score = (current.get(c.id) ?? 0) + c.weight;
        current.set(c.id, score);
        total += c.weight;
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      if (best) current.set(best.id, bestScore - total);
      return best;
    },
  };
}

/** Forget backends that left the pool, so a returning one starts from zero. */
function prune(current: Map<string, number>, candidates: readonly Candidate[]): void {
  const ids = new Set(candidates.map((c) => c.id));
  for (const id of current.keys()) if (!ids.has(id)) current.delete(id);
}
