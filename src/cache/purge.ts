// POST /__aya/cache/purge { "prefix": "/api/" } or { "urls": [...] }. Entries are keyed by the
// path after each route's rewrite, while operators think in the URLs clients use: a prefix or
// URL is therefore purged both as given and as every cached route would rewrite it.
import type { Context } from "hono";
import type { Gateway } from "../config/normalize";
import type { AppEnv } from "../env";
import { rewritePath } from "../proxy/url";
import { routeTable } from "../routing/table";
import { KEY_PREFIX, normalisedUrl } from "./key";

export async function purgeCache(c: Context<AppEnv>): Promise<Response> {
  const kv = c.env.CACHE as KVNamespace | undefined;
  const requestId = c.get("requestId");
  const bad = (message: string) => c.json({ error: { code: "bad_request", message, requestId } }, 400);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return bad('the body must be JSON: { "prefix": "/path/" } or { "urls": ["https://host/path"] }');
  }
  const { prefix, urls } = (body ?? {}) as { prefix?: unknown; urls?: unknown };
  if (!kv) return c.json({ removed: 0 });
  const gateway = c.get("gateway");
  if (typeof prefix === "string" && prefix.startsWith("/")) {
    let removed = 0;
    for (const p of variants(gateway, prefix))
      removed += await removeByPrefix(kv, `${KEY_PREFIX}${p}`, () => true);
    return c.json({ removed });
  }
  if (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === "string")) {
    let removed = 0;
    for (const raw of urls as string[]) {
      const url = new URL(raw, "https://purge.invalid");
      for (const path of variants(gateway, url.pathname)) {
        const exact = `${KEY_PREFIX}${normalisedUrl(path, url.search)}`;
        // The entry itself and its varyHeaders variants (`<key>#v=…`).
        removed += await removeByPrefix(kv, exact, (name) => name === exact || name.startsWith(`${exact}#`));
      }
    }
    return c.json({ removed });
  }
  return bad('give "prefix" (a path starting with /) or "urls" (a non-empty list of URLs or paths)');
}

/** The path as given, plus how each cached route whose pattern it matches would rewrite it. */
function variants(gateway: Gateway, path: string): Set<string> {
  const out = new Set([path]);
  const route = routeTable(gateway.routes).match("GET", "", path);
  if (route?.cache) out.add(rewritePath(path, route.rewrite));
  for (const r of gateway.routes) {
    if (r.cache && r.rewrite.stripPrefix && path.startsWith(r.rewrite.stripPrefix))
      out.add(rewritePath(path, r.rewrite));
  }
  return out;
}

async function removeByPrefix(
  kv: KVNamespace,
  prefix: string,
  keep: (name: string) => boolean,
): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, cursor });
    const names = page.keys.map((k) => k.name).filter(keep);
    await Promise.all(names.map((name) => kv.delete(name)));
    removed += names.length;
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return removed;
}
