// POST /__aya/cache/purge { "prefix": "/api/" }, { "urls": [...] } or { "ai": "chat" | "*" }.
// AI answers are kept under the model the client named (ai-key.ts), so an alias (or a
// provider/model name) is purged by listing its prefix, and "*" lists them all. Route entries are keyed by route,
// by the path after that route's rewrite and by host, while operators think in the URLs clients
// use: a prefix or URL is therefore purged, for every cached route, both as given and as that
// route would rewrite it when it applies. A prefix, or a URL given as a path, purges every host's
// entries; a full URL only its own host's. KV deletes reach every location within about a minute;
// this location's Cache API copies (tier.ts) are removed here at once, and every other copy runs
// out within TIER_MAX_SECONDS.
import type { Context } from "hono";
import type { Gateway, Route } from "../config/normalize";
import type { AppEnv } from "../env";
import { rewritePath } from "../proxy/url";
import { routeTable } from "../routing/table";
import { AI_KEY_PREFIX, aiModelPrefix } from "./ai-key";
import { hostOfKey, hostPart, normalisedUrl, routeScope } from "./key";
import { type LocationTier, locationTier } from "./tier";

export async function purgeCache(c: Context<AppEnv>): Promise<Response> {
  const kv = c.env.CACHE as KVNamespace | undefined;
  const requestId = c.get("requestId");
  const bad = (message: string) => c.json({ error: { code: "bad_request", message, requestId } }, 400);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return bad(
      'the body must be JSON: { "prefix": "/path/" }, { "urls": ["https://host/path"] } or { "ai": "alias" }',
    );
  }
  const { prefix, urls, ai } = (body ?? {}) as { prefix?: unknown; urls?: unknown; ai?: unknown };
  if (!kv) return c.json({ removed: 0 });
  const gateway = c.get("gateway");
  const here = new URL(c.req.url);
  // A copy lives under its own request's origin, which the key's host names.
  const tierOf = (key: string) => locationTier(`${here.protocol}//${hostOfKey(key) ?? here.host}`);
  // Names are collected first: one prefix may contain another (`/c/` and its rewrite `/`).
  const names = new Set<string>();
  if (typeof ai === "string" && ai.length > 0) {
    await list(kv, ai === "*" ? AI_KEY_PREFIX : await aiModelPrefix(ai), () => true, names);
    return c.json({ removed: await remove(kv, tierOf, names) });
  }
  if (typeof prefix === "string" && prefix.startsWith("/")) {
    for (const p of await keyPrefixes(gateway, prefix)) await list(kv, p, () => true, names);
    return c.json({ removed: await remove(kv, tierOf, names) });
  }
  if (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === "string")) {
    const exacts = new Set<string>();
    for (const raw of urls as string[]) {
      const url = new URL(raw, "https://purge.invalid");
      const host = url.host === "purge.invalid" ? undefined : url.host;
      for (const base of await keyPrefixes(gateway, url.pathname)) {
        const exact = `${base}${normalisedUrl("", url.search)}`;
        exacts.add(`${exact}${hostPart(host ?? here.host)}`);
        // The entry and its varyHeaders variants (`<key>#v=…`): for the URL's host, or for every host.
        const own = `${exact}${hostPart(host ?? "")}`;
        const keep = host
          ? (name: string) => name === own || name.startsWith(`${own}#`)
          : (name: string) => name.startsWith(own);
        await list(kv, exact, keep, names);
      }
    }
    // This location's copies go even when KV no longer lists their key (deleted elsewhere).
    await Promise.all([...exacts].map((key) => tierOf(key).delete(key)));
    return c.json({ removed: await remove(kv, tierOf, names) });
  }
  return bad(
    'give "prefix" (a path starting with /), "urls" (a non-empty list of URLs or paths) or "ai" (a model alias, provider/model, or "*" for every AI answer)',
  );
}

/** `<route scope><path>` for every cached route and every way the path may have been stored. */
async function keyPrefixes(gateway: Gateway, path: string): Promise<Set<string>> {
  const out = new Set<string>();
  const first = routeTable(gateway.routes).match("GET", "", path);
  for (const route of gateway.routes) {
    if (!route.cache) continue;
    const scope = await routeScope(route);
    for (const p of pathsFor(route, path, route === first)) out.add(`${scope}${p}`);
  }
  return out;
}

function pathsFor(route: Route, path: string, matches: boolean): string[] {
  const strip = route.rewrite.stripPrefix;
  const applies = matches || (strip !== undefined && path.startsWith(strip));
  return applies ? [path, rewritePath(path, route.rewrite)] : [path];
}

async function list(
  kv: KVNamespace,
  prefix: string,
  keep: (name: string) => boolean,
  into: Set<string>,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, cursor });
    for (const { name } of page.keys) if (keep(name)) into.add(name);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}

async function remove(
  kv: KVNamespace,
  tierOf: (key: string) => LocationTier,
  names: Set<string>,
): Promise<number> {
  await Promise.all([...names].map((name) => Promise.all([kv.delete(name), tierOf(name).delete(name)])));
  return names.size;
}
