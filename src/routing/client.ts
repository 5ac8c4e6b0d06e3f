// Who and where the client is. Location comes from the request's `cf` object; with
// dev.trustGeoHeaders the x-aya-geo-* headers stand in for it (local testing only: a client can
// set any header it likes). The IP is cf-connecting-ip only; x-forwarded-for is never trusted.
import { continentOf } from "./continents";

export interface ClientInfo {
  ip: string;
  country?: string;
  continent?: string;
  colo?: string;
  lat?: number;
  lon?: number;
}

interface CfGeo {
  country?: unknown;
  continent?: unknown;
  colo?: unknown;
  latitude?: unknown;
  longitude?: unknown;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value.toUpperCase() : undefined;
}

function num(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && value !== ""
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

const GEO_HEADERS = {
  country: "x-aya-geo-country",
  continent: "x-aya-geo-continent",
  colo: "x-aya-geo-colo",
  latitude: "x-aya-geo-lat",
  longitude: "x-aya-geo-lon",
} as const;

/** The x-aya-geo-* headers as a `cf` location, or undefined when the request sends none. */
function geoFromHeaders(headers: Headers): CfGeo | undefined {
  const geo: CfGeo = {};
  let any = false;
  for (const [field, name] of Object.entries(GEO_HEADERS)) {
    const value = headers.get(name);
    if (value === null) continue;
    geo[field as keyof CfGeo] = value;
    any = true;
  }
  return any ? geo : undefined;
}

export function clientInfo(request: Request, trustGeoHeaders: boolean): ClientInfo {
  const h = request.headers;
  // Any geo header replaces the whole location: mixing it with wrangler dev's placeholder `cf`
  // (Austin, Texas) would steer a "Sydney" client by Texas's continent or colo.
  const cf = (trustGeoHeaders ? geoFromHeaders(h) : undefined) ?? ((request.cf ?? {}) as CfGeo);
  let country = str(cf.country);
  // Cloudflare reports "T1" (Tor) and "XX" (unknown) as countries: neither names a place.
  if (country === "XX" || country === "T1") country = undefined;
  return {
    ip: h.get("cf-connecting-ip") ?? "",
    country,
    // A country implies its continent, so continent rules apply to a location given by country only.
    continent: str(cf.continent) ?? (country ? continentOf(country) : undefined),
    colo: str(cf.colo),
    lat: num(cf.latitude),
    lon: num(cf.longitude),
  };
}
