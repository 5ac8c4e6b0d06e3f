// Geo steering: the ordered list of pools to try for a client. Colo beats country beats continent
// beats proximity beats default (colo, the most specific, first, as Cloudflare Load Balancing
// does with PoP steering). After the chosen pool come the other pools nearest first, then the
// chosen pool's fallbacks, then the default; pools.ts expands each pool's own fallbacks.
import type { GeoPolicy, Location, Pool } from "../config/normalize";
import type { ClientInfo } from "./client";
import { distanceKm } from "./distance";

export function geoPools(geo: GeoPolicy, client: ClientInfo, pools: ReadonlyMap<string, Pool>): string[] {
  const clientAt: Location | undefined =
    client.lat !== undefined && client.lon !== undefined ? { lat: client.lat, lon: client.lon } : undefined;

  const nearest = (from: Location | undefined): string[] => {
    if (!from) return [];
    return candidatePools(geo, pools)
      .map((p) => ({ name: p.name, km: distanceKm(from, p.location as Location) }))
      .sort((a, b) => a.km - b.km)
      .map((p) => p.name);
  };

  const chosen =
    (client.colo && geo.colos[client.colo]) ||
    (client.country && geo.countries[client.country]) ||
    (client.continent && geo.continents[client.continent as keyof GeoPolicy["continents"]]) ||
    (geo.proximity ? nearest(clientAt)[0] : undefined) ||
    geo.default;

  const order: string[] = [];
  if (chosen) order.push(chosen);
  // "Next nearest": from the client when we know where it is, else from the chosen pool.
  const from = clientAt ?? (chosen ? pools.get(chosen)?.location : undefined);
  order.push(...nearest(from));
  if (chosen) order.push(...(pools.get(chosen)?.fallback ?? []));
  if (geo.default) order.push(geo.default);
  return [...new Set(order)];
}

/** Pools a geo route may fail over to by distance: all located pools with proximity on, else the ones it names. */
function candidatePools(geo: GeoPolicy, pools: ReadonlyMap<string, Pool>): Pool[] {
  const located = [...pools.values()].filter((p) => p.location);
  if (geo.proximity) return located;
  const named = new Set<string>([
    ...Object.values(geo.countries),
    ...Object.values(geo.continents),
    ...Object.values(geo.colos),
    ...(geo.default ? [geo.default] : []),
  ]);
  return located.filter((p) => named.has(p.name));
}
