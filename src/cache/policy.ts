// What may be stored and for how long: the route's ttl, overridden by the origin's
// Cache-Control (s-maxage, then max-age); no-store and private are never stored, no-cache is
// stored as already stale (served only through stale-while-revalidate / stale-if-error);
// Set-Cookie answers are never stored; only statuses RFC 9111 §4.2.2 calls heuristically
// cacheable (minus 206, 405, 414, 501, which a gateway should not replay). An answer to a request
// with credentials is stored only when the origin allows a shared cache to (RFC 9111 §3.5), and
// one that varies on a header the key does not hold (or on `*`) is not stored: a variant the key
// cannot tell apart would be served to every client.
import type { CachePolicy } from "../config/normalize";

const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 308, 404, 410]);

export type StoreDecision = { store: false; reason: string } | { store: true; ttlSeconds: number };

export interface StoreContext {
  /** The request carried credentials (credentials.ts). */
  credentialed: boolean;
}

export function storeDecision(
  status: number,
  headers: Headers,
  policy: CachePolicy,
  request: StoreContext = { credentialed: false },
): StoreDecision {
  if (!CACHEABLE_STATUS.has(status)) return { store: false, reason: `status ${status}` };
  if (headers.has("set-cookie")) return { store: false, reason: "set-cookie" };
  const cc = parseCacheControl(headers.get("cache-control"));
  if (cc.has("no-store")) return { store: false, reason: "no-store" };
  if (cc.has("private")) return { store: false, reason: "private" };
  if (request.credentialed && !sharedDespiteCredentials(cc)) return { store: false, reason: "credentials" };
  const unkeyed = unkeyedVary(headers.get("vary"), policy.varyHeaders);
  if (unkeyed) return { store: false, reason: `vary ${unkeyed}` };
  const length = Number(headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(length) && length > policy.maxBodyBytes) return { store: false, reason: "too large" };
  if (cc.has("no-cache")) return { store: true, ttlSeconds: 0 };
  const shared = seconds(cc.get("s-maxage"));
  const own = seconds(cc.get("max-age"));
  return { store: true, ttlSeconds: shared ?? own ?? policy.ttlSeconds };
}

/**
 * RFC 9111 §3.5: what a shared cache may keep of an answer to a request with Authorization (and,
 * here, any credential header) and serve to a request with credentials: answers marked `public`,
 * `s-maxage` or `must-revalidate`.
 */
export function sharedDespiteCredentials(cc: Map<string, string | undefined>): boolean {
  return cc.has("public") || cc.has("s-maxage") || cc.has("must-revalidate");
}

/**
 * The first header the answer varies on that the key does not hold (the route's varyHeaders),
 * or `*`; undefined when every one is keyed. Accept-Encoding is aside: a Worker reads the
 * origin's body decoded, and the encoding each client gets is negotiated by the edge.
 */
function unkeyedVary(vary: string | null, keyed: readonly string[]): string | undefined {
  if (!vary) return undefined;
  for (const raw of vary.split(",")) {
    const name = raw.trim().toLowerCase();
    if (!name || name === "accept-encoding") continue;
    if (name === "*" || !keyed.some((k) => k.toLowerCase() === name)) return name;
  }
  return undefined;
}

export function parseCacheControl(header: string | null): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  if (!header) return out;
  for (const part of header.split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name) out.set(name.toLowerCase(), value?.replace(/^"|"$/g, ""));
  }
  return out;
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The client asked us not to answer from cache. Honoured only where the route says so
 * (`honorClientNoCache`): otherwise any client could send every request to the origin.
 */
export function clientBypass(headers: Headers): boolean {
  const cc = parseCacheControl(headers.get("cache-control"));
  return cc.has("no-cache") || cc.has("no-store") || headers.get("pragma") === "no-cache";
}

/** The client asked that nothing of this exchange be stored (RFC 9111 §5.2.1.5). */
export function clientNoStore(headers: Headers): boolean {
  return parseCacheControl(headers.get("cache-control")).has("no-store");
}
