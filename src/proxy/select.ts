// Choosing the backend for one attempt: walk the pools in order, keep each pool's usable
// backends not tried yet, honour an affinity pin, else ask the pool's strategy. In panic mode
// (nothing usable anywhere, panic = "serve") the least-bad backends are offered instead. A
// backend an operator drained or disabled (Backend.rotation) is never offered, not even in panic;
// one in slow start is offered with its ramped weight.
import { createStrategy } from "../balancing";
import { effectiveWeight } from "../balancing/slow-start";
import type { Candidate, Strategy } from "../balancing/types";
import type { Backend, Pool } from "../config/normalize";
import { readCookie } from "../routing/pools";
import type { StateStore } from "../state/types";
import { badness, isUsable } from "../state/usable";
import { type AffinityKey, type PinTable, pinnedBackend } from "./affinity";

const strategies = new WeakMap<Pool, Strategy>();

function strategyOf(pool: Pool): Strategy {
  let strategy = strategies.get(pool);
  if (!strategy) {
    strategy = createStrategy(pool.strategy);
    strategies.set(pool, strategy);
  }
  return strategy;
}

export interface Selection {
  pool: Pool;
  backend: Backend;
  /** Picked through an affinity pin or hash rather than the strategy. */
  pinned: boolean;
}

export interface SelectInput {
  pools: readonly Pool[];
  tried: ReadonlySet<string>;
  state: StateStore;
  now: number;
  random: () => number;
  request: Request;
  clientIp: string;
  path: string;
  affinity: (pool: Pool) => AffinityKey | undefined;
  /** The isolate's header and IP affinity pins. */
  pins: PinTable;
  panic: boolean;
}

type BackendCandidate = Candidate & { backend: Backend };

export function selectBackend(input: SelectInput): Selection | undefined {
  const { state, now } = input;
  if (input.panic) return selectLeastBad(input);
  for (const pool of input.pools) {
    const usable: BackendCandidate[] = [];
    for (const backend of pool.backends) {
      if (input.tried.has(backend.id) || backend.rotation) continue;
      const view = state.view(backend, now);
      if (!isUsable(backend, view, state.halfOpenInflight(backend.id))) continue;
      usable.push({
        id: backend.id,
        weight: effectiveWeight(backend.weight, backend.slowStart, now),
        inflight: view.inflight,
        ewmaLatencyMs: view.ewmaLatencyMs,
        backend,
      });
    }
    if (usable.length === 0) continue;
    const key = input.affinity(pool);
    if (key) {
      const pinned = pinnedBackend(
        key,
        pool.name,
        usable.map((c) => c.backend),
        input.pins,
        now,
      );
      if (pinned) return { pool, backend: pinned, pinned: true };
    }
    const chosen = strategyOf(pool).pick(usable, { now, random: input.random, key: hashKeyOf(pool, input) });
    if (chosen) return { pool, backend: chosen.backend, pinned: false };
  }
  return undefined;
}

/** Panic: every backend not tried yet, the least bad first, ties broken by the strategy. */
function selectLeastBad(input: SelectInput): Selection | undefined {
  let best: { pool: Pool; candidates: BackendCandidate[]; score: number } | undefined;
  for (const pool of input.pools) {
    for (const backend of pool.backends) {
      if (input.tried.has(backend.id) || backend.rotation) continue;
      const view = input.state.view(backend, input.now);
      const score = badness(view);
      const candidate = {
        id: backend.id,
        weight: effectiveWeight(backend.weight, backend.slowStart, input.now),
        inflight: view.inflight,
        ewmaLatencyMs: view.ewmaLatencyMs,
        backend,
      };
      if (!best || score < best.score) best = { pool, candidates: [candidate], score };
      else if (score === best.score && pool === best.pool) best.candidates.push(candidate);
    }
  }
  if (!best) return undefined;
  const chosen = strategyOf(best.pool).pick(best.candidates, {
    now: input.now,
    random: input.random,
    key: hashKeyOf(best.pool, input),
  });
  return chosen ? { pool: best.pool, backend: chosen.backend, pinned: false } : undefined;
}

function hashKeyOf(pool: Pool, input: SelectInput): string | undefined {
  if (pool.strategy === "ip-hash") return input.clientIp || undefined;
  if (pool.strategy !== "consistent-hash") return undefined;
  const spec = pool.hashKey;
  if (spec === "ip") return input.clientIp || undefined;
  if (spec === "path") return input.path;
  if (spec.startsWith("header:")) return input.request.headers.get(spec.slice(7)) ?? undefined;
  if (spec.startsWith("cookie:")) return readCookie(input.request.headers.get("cookie"), spec.slice(7));
  return undefined;
}
