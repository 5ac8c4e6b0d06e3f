// From a route's target to the ordered list of pools the proxy walks: the pools the target names
// (fixed, ordered, geo or split), each followed by its own `fallback` pools, depth first, once each.
import { hashString } from "../balancing/hash";
import type { Gateway, Pool, Route } from "../config/normalize";
import type { ClientInfo } from "./client";
import { geoPools } from "./geo";

export interface PoolChoice {
  pools: Pool[];
  /** Set when a split picked a pool for a client without a sticky key yet: remember it. */
  splitPin?: { cookie: string; pool: string };
}

export const splitCookieName = (route: Route) => `aya_split_${route.index}`;

export function choosePools(
  route: Route,
  gateway: Gateway,
  client: ClientInfo,
  request: Request,
  random: () => number,
): PoolChoice {
  const target = route.target;
  let names: string[] = [];
  let splitPin: PoolChoice["splitPin"];
  if (target.kind === "pools") names = target.pools;
  else if (target.kind === "geo") names = geoPools(target.geo, client, gateway.pools);
  else if (target.kind === "split") {
    const picked = pickSplit(route, target.split, gateway, client, request, random);
    names = [picked.pool, ...target.split.map((s) => s.pool)];
    splitPin = picked.pin;
  }
  return { pools: expandFallbacks(names, gateway.pools), splitPin };
}

export function expandFallbacks(names: readonly string[], pools: ReadonlyMap<string, Pool>): Pool[] {
  const seen = new Set<string>();
  const out: Pool[] = [];
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const pool = pools.get(name);
    if (!pool) return;
    out.push(pool);
    for (const f of pool.fallback) visit(f);
  };
  for (const name of names) visit(name);
  return out;
}

/**
 * Weighted choice of a split's pool. Sticky per client when the chosen pools have affinity: by
 * the client's IP or affinity header (hashed, so every isolate agrees), or by a cookie naming the
 * pool for cookie affinity.
 */
function pickSplit(
  route: Route,
  split: { pool: string; weight: number }[],
  gateway: Gateway,
  client: ClientInfo,
  request: Request,
  random: () => number,
): { pool: string; pin?: PoolChoice["splitPin"] } {
  const affinity = split.map((s) => gateway.pools.get(s.pool)?.affinity).find((a) => a !== undefined);
  const byWeight = (u: number) => {
    const total = split.reduce((sum, s) => sum + s.weight, 0);
    let at = u * total;
    for (const s of split) {
      at -= s.weight;
      if (at < 0) return s.pool;
    }
    return split[split.length - 1]?.pool as string;
  };
  if (!affinity) return { pool: byWeight(random()) };
  if (affinity.type === "cookie") {
    const cookie = splitCookieName(route);
    const pinned = readCookie(request.headers.get("cookie"), cookie);
    if (pinned && split.some((s) => s.pool === pinned)) return { pool: pinned };
    const pool = byWeight(random());
    return { pool, pin: { cookie, pool } };
  }
  const key = affinity.type === "ip" ? client.ip : (request.headers.get(affinity.name) ?? client.ip);
  return { pool: byWeight(hashString(`${route.index}:${key}`) / 2 ** 32) };
}

/** A cookie's value; a malformed one (bad percent-encoding) is treated as absent. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
