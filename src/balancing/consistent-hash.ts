// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2017; HAProxy's
// hash-balance-factor): a ring of virtual nodes, VNODES_PER_WEIGHT per unit of weight; a key
// walks clockwise from its hash and skips a backend already carrying more than
// ceil(LOAD_FACTOR × (total in flight + 1) × its weight share). A backend leaving moves only its
// own keys; a hot key spills over instead of pushing one backend past ~1.25× its fair share.
import { hashString } from "./hash";
import { pickWeighted } from "./pick-weighted";
import type { Candidate, Strategy } from "./types";

const VNODES_PER_WEIGHT = 100;
export const LOAD_FACTOR = 1.25;

interface Ring {
  points: Uint32Array;
  owners: string[];
}

function buildRing(candidates: readonly Candidate[]): Ring {
  const entries: { point: number; id: string }[] = [];
  for (const c of candidates) {
    const vnodes = Math.max(1, Math.round(VNODES_PER_WEIGHT * c.weight));
    for (let v = 0; v < vnodes; v++) entries.push({ point: hashString(`${c.id}#${v}`), id: c.id });
  }
  entries.sort((a, b) => a.point - b.point);
  return { points: Uint32Array.from(entries, (e) => e.point), owners: entries.map((e) => e.id) };
}

/** First ring index whose point is >= h (wrapping to 0). */
function lowerBound(points: Uint32Array, h: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as number) < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}

export function createConsistentHash(): Strategy {
  let ring: Ring | undefined;
  let ringKey = "";
  return {
    pick(candidates, ctx) {
      if (candidates.length === 0) return undefined;
      if (!ctx.key) return pickWeighted(candidates, ctx.random);
      const key = candidates.map((c) => `${c.id}:${c.weight}`).join(",");
      if (!ring || key !== ringKey) {
        ring = buildRing(candidates);
        ringKey = key;
      }
      const byId = new Map(candidates.map((c) => [c.id, c]));
      let totalLoad = 0;
      let totalWeight = 0;
      for (const c of candidates) {
        totalLoad += c.inflight;
        totalWeight += c.weight;
      }
      const start = lowerBound(ring.points, hashString(ctx.key));
      const seen = new Set<string>();
      for (let i = 0; i < ring.owners.length && seen.size < candidates.length; i++) {
        const id = ring.owners[(start + i) % ring.owners.length] as string;
        if (seen.has(id)) continue;
        seen.add(id);
        const c = byId.get(id);
        if (!c) continue;
        const bound = Math.ceil((LOAD_FACTOR * (totalLoad + 1) * c.weight) / totalWeight);
        if (c.inflight < bound) return c;
      }
      // Every backend is at its bound (cannot happen with LOAD_FACTOR > 1, kept for safety).
      return byId.get(ring.owners[start] as string);
    },
  };
}
