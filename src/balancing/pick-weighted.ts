// Weighted random choice, shared by random, least-response-time (its two samples) and the hash
// strategies when a request has no key.
import type { Candidate } from "./types";

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
