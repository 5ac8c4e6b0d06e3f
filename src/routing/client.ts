// Who and where the client is. Location comes from the request's `cf` object; with
// dev.trustGeoHeaders the x-aya-geo-* headers stand in for it (local testing only: a client can
// set any header it likes). The IP is cf-connecting-ip only; x-forwarded-for is never trusted.

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

export function clientInfo(request: Request, trustGeoHeaders: boolean): ClientInfo {
  const cf = (request.cf ?? {}) as CfGeo;
  const h = request.headers;
  const info: ClientInfo = {
    ip: h.get("cf-connecting-ip") ?? "",
    country: str(cf.country),
    continent: str(cf.continent),
    colo: str(cf.colo),
    lat: num(cf.latitude),
    lon: num(cf.longitude),
  };
  if (trustGeoHeaders) {
    info.country = str(h.get("x-aya-geo-country")) ?? info.country;
    info.continent = str(h.get("x-aya-geo-continent")) ?? info.continent;
    info.colo = str(h.get("x-aya-geo-colo")) ?? info.colo;
    info.lat = num(h.get("x-aya-geo-lat")) ?? info.lat;
    info.lon = num(h.get("x-aya-geo-lon")) ?? info.lon;
  }
  // Cloudflare reports "T1" (Tor) and "XX" (unknown) as countries: neither names a place.
  if (info.country === "XX" || info.country === "T1") info.country = undefined;
  return info;
}
