// The ordered route table. Paths use Hono's own router, so patterns mean exactly what they mean
// in Hono (`/api/*`, `/users/:id`); first match in config order wins after methods and host.
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import type { Route } from "../config/normalize";

export interface RouteTable {
  match(method: string, host: string, path: string): Route | undefined;
}

const tables = new WeakMap<readonly Route[], RouteTable>();

export function routeTable(routes: readonly Route[]): RouteTable {
  let table = tables.get(routes);
  if (!table) {
    table = buildTable(routes);
    tables.set(routes, table);
  }
  return table;
}

function buildTable(routes: readonly Route[]): RouteTable {
  const router = new SmartRouter<number>({ routers: [new RegExpRouter(), new TrieRouter()] });
  for (const route of routes) router.add("ALL", route.path, route.index);
  return {
    match(method, host, path) {
      const [matches] = router.match(method, path);
      const indices = matches.map(([index]) => index).sort((a, b) => a - b);
      const hostname = host.toLowerCase().replace(/:\d+$/, "");
      for (const index of indices) {
        const route = routes[index];
        if (!route) continue;
        if (route.methods && !route.methods.has(method) && !(method === "HEAD" && route.methods.has("GET")))
          continue;
        if (route.host && !hostMatches(route.host, hostname)) continue;
        return route;
      }
      return undefined;
    },
  };
}

/** `api.example.com` exactly, or `*.example.com` for any subdomain. */
function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return pattern === host;
}
