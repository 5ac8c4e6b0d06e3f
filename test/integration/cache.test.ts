// The KV response cache against real origins, with a clock the test moves: what a client sees
// on a hit, a miss, a stale answer, a dead origin, and after a purge.
import { describe, expect, it } from "vitest";
import { clockedGateway } from "../support/clocked";
import { origin, setMode, start, stop } from "../support/farm";

async function cachedGateway(
  id: string,
  cache: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  const backend = await origin(id);
  return clockedGateway({
    debugHeaders: true,
    pools: { p: { backends: [backend], healthCheck: { enabled: false }, retry: { retries: 0 } } },
    routes: [{ path: "/c/*", pool: "p", rewrite: { stripPrefix: "/c" }, cache, ...extra }],
  });
}

const hitOf = (body: string) => (JSON.parse(body) as { hit: number }).hit;

describe("KV response cache", () => {
  it("misses, then hits until the ttl runs out, and sorts the query into the key", async () => {
    const g = await cachedGateway("cache-basic", { ttlSeconds: 60 });
    const first = await g.call("/c/item?b=2&a=1");
    expect(first.cache).toBe("MISS");
    const second = await g.call("/c/item?a=1&b=2");
    expect(second.cache).toBe("HIT");
    expect(hitOf(second.body)).toBe(hitOf(first.body));
    expect(second.headers.get("age")).toBe("0");
    g.advance(61_000);
    const third = await g.call("/c/item?a=1&b=2");
    expect(third.cache).toBe("MISS");
    expect(hitOf(third.body)).toBeGreaterThan(hitOf(first.body));
  });

  it("answers HEAD from the GET entry", async () => {
    const g = await cachedGateway("cache-head", { ttlSeconds: 60 });
    await g.call("/c/h");
    const head = await g.call("/c/h", { method: "HEAD" });
    expect(head.cache).toBe("HIT");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("never stores no-store, private or Set-Cookie answers, or uncacheable statuses", async () => {
    const g = await cachedGateway("cache-nostore", { ttlSeconds: 60 });
    for (const q of ["cache-control=no-store", "cache-control=private", "set-cookie=sid%3D1", "status=500"]) {
      await g.call(`/c/n?${q}`);
      const again = await g.call(`/c/n?${q}`);
      expect(again.cache, q).not.toBe("HIT");
    }
  });

  it("honours the origin's s-maxage and max-age over the route ttl", async () => {
    const g = await cachedGateway("cache-maxage", { ttlSeconds: 600 });
    await g.call("/c/m?cache-control=max-age%3D5");
    g.advance(4_000);
    expect((await g.call("/c/m?cache-control=max-age%3D5")).cache).toBe("HIT");
    g.advance(2_000);
    expect((await g.call("/c/m?cache-control=max-age%3D5")).cache).toBe("MISS");
  });

  it("serves stale once inside stale-while-revalidate, then the refreshed answer", async () => {
    const g = await cachedGateway("cache-swr", { ttlSeconds: 10, staleWhileRevalidateSeconds: 60 });
    const first = await g.call("/c/s");
    g.advance(15_000);
    const stale = await g.call("/c/s");
    expect(stale.cache).toBe("STALE");
    expect(hitOf(stale.body)).toBe(hitOf(first.body));
    // The background refresh (awaited with the request's waitUntil) stored a new answer.
    const fresh = await g.call("/c/s");
    expect(fresh.cache).toBe("HIT");
    expect(hitOf(fresh.body)).toBeGreaterThan(hitOf(first.body));
  });

  it("keeps serving the last good answer with the whole pool down, inside stale-if-error", async () => {
    const g = await cachedGateway("cache-sie", { ttlSeconds: 5, staleIfErrorSeconds: 600 });
    const good = await g.call("/c/e");
    await stop("cache-sie");
    try {
      g.advance(60_000);
      for (let i = 0; i < 3; i++) {
        const res = await g.call("/c/e");
        expect(res.status).toBe(200);
        expect(res.cache).toBe("STALE");
        expect(hitOf(res.body)).toBe(hitOf(good.body));
      }
      // Past the window, the documented error.
      g.advance(600_000);
      const late = await g.call("/c/e");
      expect(late.status).toBe(502);
      expect(JSON.parse(late.body).error.code).toBe("upstream_error");
      // And with no entry at all.
      const never = await g.call("/c/never-cached");
      expect(never.status).toBe(502);
    } finally {
      await start("cache-sie");
    }
  });

  it("answers an origin's 5xx with the stale entry too", async () => {
    const g = await cachedGateway("cache-sie-5xx", { ttlSeconds: 1, staleIfErrorSeconds: 600 });
    const good = await g.call("/c/f");
    g.advance(5_000);
    await setMode("cache-sie-5xx", "status:503");
    try {
      const res = await g.call("/c/f");
      expect(res.status).toBe(200);
      expect(res.cache).toBe("STALE");
      expect(hitOf(res.body)).toBe(hitOf(good.body));
      // A URL never cached has no stale copy: the origin's own 503 goes through.
      expect((await g.call("/c/other")).status).toBe(503);
    } finally {
      await setMode("cache-sie-5xx", "ok");
    }
  });

  it("keeps separate entries per vary header value", async () => {
    const g = await cachedGateway("cache-vary", { ttlSeconds: 60, varyHeaders: ["accept-language"] });
    const de = await g.call("/c/v", { headers: { "accept-language": "de" } });
    const fr = await g.call("/c/v", { headers: { "accept-language": "fr" } });
    expect(fr.cache).toBe("MISS");
    const deAgain = await g.call("/c/v", { headers: { "accept-language": "de" } });
    expect(deAgain.cache).toBe("HIT");
    expect(hitOf(deAgain.body)).toBe(hitOf(de.body));
  });

  it("lets a client skip the lookup with Cache-Control: no-cache", async () => {
    const g = await cachedGateway("cache-bypass", { ttlSeconds: 60 });
    await g.call("/c/b");
    const res = await g.call("/c/b", { headers: { "cache-control": "no-cache" } });
    expect(res.cache).toBe("BYPASS");
  });

  it("purges by prefix and by URL, behind the admin token", async () => {
    const g = await cachedGateway("cache-purge", { ttlSeconds: 600 });
    await g.call("/c/p/one");
    await g.call("/c/p/two");
    await g.call("/c/q/three");
    const purge = (body: unknown, token = "test-admin-token") =>
      g.call("/__aya/cache/purge", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await purge({ prefix: "/c/p/" }, "wrong")).status).toBe(401);
    expect((await purge({ nothing: true })).status).toBe(400);
    const byPrefix = await purge({ prefix: "/c/p/" });
    expect(JSON.parse(byPrefix.body)).toEqual({ removed: 2 });
    expect((await g.call("/c/p/one")).cache).toBe("MISS");
    expect((await g.call("/c/q/three")).cache).toBe("HIT");
    const byUrl = await purge({ urls: ["https://gw.example/c/q/three"] });
    expect(JSON.parse(byUrl.body)).toEqual({ removed: 1 });
    expect((await g.call("/c/q/three")).cache).toBe("MISS");
  });
});
