// Cache keys. GET and HEAD share an entry; the URL part is the path after the route's rewrite
// with the query sorted by name (so ?a=1&b=2 and ?b=2&a=1 are one entry), then the request's host
// (a route without `host`, or with `*.example`, serves many hostnames, and origins answer each
// its own: x-forwarded-host tells them which); varyHeaders values make variants. Every key is
// scoped by its route, because two routes may rewrite to the same path
// and still reach different pools (`/a/*` and `/b/*` both stripped to `/x`). The scope is a short
// hash of the route's host and path pattern, not its index: reordering or inserting routes must
// neither empty the cache nor, worse, hand one route the entries of the route that used to hold
// its index. Entries are per route, not per pool: a geo or split route shares one entry across
// its pools, which assumes they serve the same content.
// After the scope the readable path follows, so that purge can list by prefix; the host comes
// after the URL (`#host=`; `#` never occurs in a parsed path or query), so one path prefix lists
// every host's entries.
import type { Route } from "../config/normalize";

const KV_KEY_MAX = 512;

export const KEY_PREFIX = "c:";

export function normalisedUrl(path: string, search: string): string {
  if (!search || search === "?") return path;
  // By name only, and stably: the order of a repeated parameter's values is meaning to many
  // origins (`?sort=price&sort=name`), so `?a=2&a=1` and `?a=1&a=2` stay two entries.
  const params = [...new URLSearchParams(search)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${path}?${new URLSearchParams(params).toString()}`;
}

const scopes = new WeakMap<Route, Promise<string>>();

/** `c:<8 hex of sha256(host + path pattern)>:`, the start of every key of this route. */
export function routeScope(route: Pick<Route, "host" | "path">): Promise<string> {
  const known = scopes.get(route as Route);
  if (known) return known;
  const scope = sha256(`${route.host ?? ""} ${route.path}`).then((h) => `${KEY_PREFIX}${h.slice(0, 8)}:`);
  scopes.set(route as Route, scope);
  return scope;
}

/** What follows the URL in a key: the request's host (`host[:port]`, lower case as URL parsing leaves it). */
export function hostPart(host: string): string {
  return `${HOST_MARK}${host}`;
}

const HOST_MARK = "#host=";

/** The host a key was stored for (its `#host=` part), or undefined for a key without one. */
export function hostOfKey(key: string): string | undefined {
  const at = key.indexOf(HOST_MARK);
  if (at < 0) return undefined;
  const rest = key.slice(at + HOST_MARK.length);
  const end = rest.indexOf("#");
  return end < 0 ? rest : rest.slice(0, end);
}

export async function cacheKey(
  scope: string,
  url: string,
  host: string,
  varyHeaders: readonly string[],
  headers: Headers,
): Promise<string> {
  let key = `${scope}${url}${hostPart(host)}`;
  if (varyHeaders.length > 0) {
    const values = varyHeaders.map((name) => `${name.toLowerCase()}=${headers.get(name) ?? ""}`).join("\n");
    key += `#v=${(await sha256(values)).slice(0, 16)}`;
  }
  if (new TextEncoder().encode(key).byteLength > KV_KEY_MAX) {
    // The URL and the host are ASCII (percent-encoded and punycoded by URL parsing): the URL is
    // cut to what fits beside the scope, the host and the hash, and prefix purges still see it.
    const hash = `#h=${await sha256(key)}`;
    const room = KV_KEY_MAX - scope.length - hostPart(host).length - hash.length;
    key = `${scope}${url.slice(0, Math.max(0, room))}${hostPart(host)}${hash}`;
  }
  return key;
}

export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
