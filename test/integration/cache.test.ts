// The KV response cache against real origins, with a clock the test moves: what a client sees
// on a hit, a miss, a stale answer, a dead origin, and after a purge.
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
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
const backendOf = (body: string) => (JSON.parse(body) as { backend: string }).backend;

/**
 * Purges, then lets a second pass: the gateway writes a key at most once a second (KV's own
 * limit), so an entry purged and asked for again within the second it was stored is not stored.
 */
async function purge(g: ReturnType<typeof clockedGateway>, body: unknown, token = "test-admin-token") {
  const res = await g.call("/__aya/cache/purge", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  g.advance(1_000);
  return res;
}

/** Deletes the KV entries stored for this upstream path behind the gateway's back. */
async function dropFromKv(path: string): Promise<number> {
  const kv = env.CACHE as KVNamespace;
  const { keys } = await kv.list({ prefix: "c:" });
  const names = keys.map((k) => k.name).filter((name) => name.split("#")[0]?.endsWith(`:${path}`));
  await Promise.all(names.map((name) => kv.delete(name)));
  return names.length;
}

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

  it("sorts query parameters by name only: a repeated parameter's order is its own entry", async () => {
    const g = await cachedGateway("cache-repeated", { ttlSeconds: 60 });
    const twoOne = await g.call("/c/r?a=2&a=1");
    const oneTwo = await g.call("/c/r?a=1&a=2");
    expect(oneTwo.cache).toBe("MISS");
    expect(JSON.parse(oneTwo.body).query).toBe("?a=1&a=2");
    const again = await g.call("/c/r?a=2&b=0&a=1");
    expect(again.cache).toBe("MISS");
    expect((await g.call("/c/r?b=0&a=2&a=1")).cache).toBe("HIT");
    expect(hitOf((await g.call("/c/r?a=2&a=1")).body)).toBe(hitOf(twoOne.body));
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

  it("never shares an answer to a request with Authorization or x-api-key that the origin did not mark shared", async () => {
    const g = await cachedGateway("cache-auth", { ttlSeconds: 600 });
    const asA = { authorization: "Bearer token-of-a" };
    const a = await g.call("/c/auth-me", { headers: asA });
    expect(a.status).toBe(200);
    // Neither an anonymous client nor client B, nor A again, gets A's answer from the cache.
    const clients: Record<string, string>[] = [
      {},
      { authorization: "Bearer token-of-b" },
      asA,
      { "x-api-key": "c" },
    ];
    for (const headers of clients) {
      const res = await g.call("/c/auth-me", { headers });
      expect(res.cache).not.toBe("HIT");
      expect(hitOf(res.body)).not.toBe(hitOf(a.body));
    }
    // The anonymous answer just stored is not served to a client that sends credentials either:
    // the origin may answer it otherwise.
    const key = await g.call("/c/auth-me", { headers: { "x-api-key": "c" } });
    expect(key.cache).not.toBe("HIT");
    expect((await g.call("/c/auth-me")).cache).toBe("HIT");
  });

  it("shares an answer to a request with credentials when the origin says public, s-maxage or must-revalidate", async () => {
    const g = await cachedGateway("cache-auth-shared", { ttlSeconds: 600 });
    for (const cc of ["public", "s-maxage%3D60", "must-revalidate"]) {
      const path = `/c/shared?cache-control=${cc}`;
      const first = await g.call(path, { headers: { authorization: "Bearer token-of-a" } });
      const clients: Record<string, string>[] = [
        { authorization: "Bearer token-of-b" },
        { "x-api-key": "k" },
        {},
      ];
      for (const headers of clients) {
        const res = await g.call(path, { headers });
        expect(res.cache, cc).toBe("HIT");
        expect(hitOf(res.body)).toBe(hitOf(first.body));
      }
    }
  });

  it("honours the origin's Vary: stores only variants the route keys on (Accept-Encoding aside), never Vary: *", async () => {
    const g = await cachedGateway("cache-origin-vary", { ttlSeconds: 600, varyHeaders: ["Accept-Language"] });
    for (const vary of ["Cookie", "Origin", "Accept", "*", "Accept-Language%2C%20Cookie"]) {
      await g.call(`/c/ov?vary=${vary}`, { headers: { cookie: "sid=a", origin: "https://a.example" } });
      const other = await g.call(`/c/ov?vary=${vary}`, {
        headers: { cookie: "sid=b", origin: "https://b.example" },
      });
      expect(other.cache, vary).not.toBe("HIT");
    }
    for (const vary of ["Accept-Encoding", "accept-language", "Accept-Language%2C%20Accept-Encoding"]) {
      await g.call(`/c/ok?vary=${vary}`, { headers: { "accept-language": "de" } });
      expect((await g.call(`/c/ok?vary=${vary}`, { headers: { "accept-language": "de" } })).cache, vary).toBe(
        "HIT",
      );
      expect((await g.call(`/c/ok?vary=${vary}`, { headers: { "accept-language": "fr" } })).cache, vary).toBe(
        "MISS",
      );
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
      // Past the window, the documented error: the pool is down, no healthy backend.
      g.advance(600_000);
      const late = await g.call("/c/e");
      expect(late.status).toBe(503);
      expect(JSON.parse(late.body).error.code).toBe("no_healthy_backend");
      // And with no entry at all.
      const never = await g.call("/c/never-cached");
      expect(never.status).toBe(503);
      expect(JSON.parse(never.body).error.code).toBe("no_healthy_backend");
    } finally {
      await start("cache-sie");
    }
  });

  it("labels the stale answer STALE once probes mark the pool down, never stores it again, and lets it run out", async () => {
    const backend = await origin("cache-sie-down");
    const config = {
      debugHeaders: true,
      pools: {
        p: {
          backends: [backend],
          // Probes from the backend's object alarm, fired here on demand.
          healthCheck: { path: "/healthz", intervalSeconds: 10, unhealthyThreshold: 1, timeoutMs: 500 },
          circuitBreaker: { enabled: false },
          retry: { retries: 0 },
        },
      },
      routes: [
        {
          path: "/c/*",
          pool: "p",
          rewrite: { stripPrefix: "/c" },
          cache: { ttlSeconds: 5, staleIfErrorSeconds: 600 },
        },
      ],
    };
    const g = clockedGateway(config);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "* * * * *" }),
      { ...env, GATEWAY: config } as never,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const good = await g.call("/c/down");
    expect(good.cache).toBe("MISS");
    await stop("cache-sie-down");
    try {
      await runDurableObjectAlarm(env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName("cache-sie-down")));
      g.advance(60_000);
      // This request fails over to nothing and carries the probe's verdict to the isolate.
      expect((await g.call("/c/down")).cache).toBe("STALE");
      for (const wait of [1_000, 100_000, 200_000]) {
        g.advance(wait);
        const res = await g.call("/c/down");
        expect(res.status).toBe(200);
        expect(res.cache).toBe("STALE");
        expect(hitOf(res.body)).toBe(hitOf(good.body));
      }
      // The age counts from the origin's answer, not from the last time the stale copy was served.
      expect(Number((await g.call("/c/down")).headers.get("age"))).toBe(361);
      // Past ttl + staleIfErrorSeconds: the documented error, not the old answer.
      g.advance(300_000);
      const late = await g.call("/c/down");
      expect(late.status).toBe(503);
      expect(JSON.parse(late.body).error.code).toBe("no_healthy_backend");
    } finally {
      await start("cache-sie-down");
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

  it("answers a client's no-cache from the cache, unless the route sets honorClientNoCache", async () => {
    const g = await cachedGateway("cache-no-cache", { ttlSeconds: 60 });
    const first = await g.call("/c/b");
    const clients: Record<string, string>[] = [
      { "cache-control": "no-cache" },
      { pragma: "no-cache" },
      { "cache-control": "max-age=0" },
    ];
    for (const headers of clients) {
      const res = await g.call("/c/b", { headers });
      expect(res.cache).toBe("HIT");
      expect(hitOf(res.body)).toBe(hitOf(first.body));
    }
    const honoured = await cachedGateway("cache-honour", { ttlSeconds: 60, honorClientNoCache: true });
    const before = await honoured.call("/c/honour");
    honoured.advance(1_000);
    const refreshed = await honoured.call("/c/honour", { headers: { "cache-control": "no-cache" } });
    expect(refreshed.cache).toBe("BYPASS");
    expect(hitOf(refreshed.body)).toBeGreaterThan(hitOf(before.body));
    // The refreshed answer was stored.
    expect(hitOf((await honoured.call("/c/honour")).body)).toBe(hitOf(refreshed.body));
  });

  it("with honorClientNoCache, lets no client cause more than one KV write per key per second", async () => {
    const backend = await origin("cache-no-cache-flood");
    const puts: string[] = [];
    const kv = env.CACHE as KVNamespace;
    const counting = new Proxy(kv, {
      get(target, prop) {
        if (prop === "put")
          return (
            key: string,
            ...rest: Parameters<KVNamespace["put"]> extends [string, ...infer R] ? R : never
          ) => {
            puts.push(key);
            return target.put(key, ...rest);
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const g = clockedGateway(
      {
        debugHeaders: true,
        pools: { p: { backends: [backend], healthCheck: { enabled: false }, retry: { retries: 0 } } },
        routes: [{ path: "/c/*", pool: "p", cache: { ttlSeconds: 60, honorClientNoCache: true } }],
      },
      undefined,
      { CACHE: counting },
    );
    for (let i = 0; i < 5; i++) {
      const res = await g.call("/c/flood", { headers: { "cache-control": "no-cache" } });
      expect(res.cache).toBe("BYPASS");
      g.advance(100);
    }
    expect(puts.filter((k) => k.includes("/flood"))).toHaveLength(1);
    g.advance(600);
    await g.call("/c/flood", { headers: { pragma: "no-cache" } });
    expect(puts.filter((k) => k.includes("/flood"))).toHaveLength(2);
  });

  it("answers a request with Cache-Control: no-store from the cache, but never stores its answer", async () => {
    const g = await cachedGateway("cache-client-nostore", { ttlSeconds: 60 });
    const res = await g.call("/c/private-once", { headers: { "cache-control": "no-store" } });
    expect(res.status).toBe(200);
    expect((await g.call("/c/private-once")).cache).toBe("MISS");
    expect((await g.call("/c/private-once", { headers: { "cache-control": "no-store" } })).cache).toBe("HIT");
    // With honorClientNoCache it skips the lookup too.
    const honoured = await cachedGateway("cache-client-nostore-h", {
      ttlSeconds: 60,
      honorClientNoCache: true,
    });
    await honoured.call("/c/private-twice");
    const skipped = await honoured.call("/c/private-twice", { headers: { "cache-control": "no-store" } });
    expect(skipped.cache).toBe("BYPASS");
  });

  it("purges by prefix and by URL, behind the admin token", async () => {
    const g = await cachedGateway("cache-purge", { ttlSeconds: 600 });
    await g.call("/c/p/one");
    await g.call("/c/p/two");
    await g.call("/c/q/three");
    expect((await purge(g, { prefix: "/c/p/" }, "wrong")).status).toBe(401);
    expect((await purge(g, { nothing: true })).status).toBe(400);
    const byPrefix = await purge(g, { prefix: "/c/p/" });
    expect(JSON.parse(byPrefix.body)).toEqual({ removed: 2 });
    expect((await g.call("/c/p/one")).cache).toBe("MISS");
    expect((await g.call("/c/q/three")).cache).toBe("HIT");
    const byUrl = await purge(g, { urls: ["https://gw.example/c/q/three"] });
    expect(JSON.parse(byUrl.body)).toEqual({ removed: 1 });
    expect((await g.call("/c/q/three")).cache).toBe("MISS");
  });

  it("keeps each hostname's entries apart on a route without host, and purges them by URL apart", async () => {
    const g = await cachedGateway("cache-hosts", { ttlSeconds: 600 });
    const a = await g.call("https://tenant-a.example/c/me");
    expect(JSON.parse(a.body).headers["x-forwarded-host"]).toBe("tenant-a.example");
    const b = await g.call("https://tenant-b.example/c/me");
    expect(b.cache).toBe("MISS");
    expect(JSON.parse(b.body).headers["x-forwarded-host"]).toBe("tenant-b.example");
    expect(hitOf((await g.call("https://tenant-a.example/c/me")).body)).toBe(hitOf(a.body));
    expect(hitOf((await g.call("https://tenant-b.example/c/me")).body)).toBe(hitOf(b.body));
    // A URL with a host purges that host's entry; a path purges every host's.
    expect(JSON.parse((await purge(g, { urls: ["https://tenant-a.example/c/me"] })).body)).toEqual({
      removed: 1,
    });
    expect((await g.call("https://tenant-a.example/c/me")).cache).toBe("MISS");
    expect((await g.call("https://tenant-b.example/c/me")).cache).toBe("HIT");
    expect(JSON.parse((await purge(g, { urls: ["/c/me"] })).body)).toEqual({ removed: 2 });
    expect((await g.call("https://tenant-b.example/c/me")).cache).toBe("MISS");
  });

  it("keeps each hostname's entries apart on a *.example route", async () => {
    const g = await cachedGateway("cache-wildcard", { ttlSeconds: 600 }, { host: "*.example" });
    const a = await g.call("https://tenant-a.example/c/me");
    expect(a.cache).toBe("MISS");
    const b = await g.call("https://tenant-b.example/c/me");
    expect(b.cache).toBe("MISS");
    expect(hitOf(b.body)).toBeGreaterThan(hitOf(a.body));
    const again = await g.call("https://tenant-a.example/c/me");
    expect(again.cache).toBe("HIT");
    expect(hitOf(again.body)).toBe(hitOf(a.body));
    expect(JSON.parse((await purge(g, { prefix: "/c/" })).body)).toEqual({ removed: 2 });
  });

  it("keeps apart two routes that rewrite to the same path, and purges them apart", async () => {
    const [a, b] = [await origin("cache-route-a"), await origin("cache-route-b")];
    const pool = (backend: { id: string; url: string }) => ({
      backends: [backend],
      healthCheck: { enabled: false },
      retry: { retries: 0 },
    });
    const g = clockedGateway({
      debugHeaders: true,
      pools: { pa: pool(a), pb: pool(b) },
      routes: [
        { path: "/a/*", pool: "pa", rewrite: { stripPrefix: "/a" }, cache: { ttlSeconds: 600 } },
        { path: "/b/*", pool: "pb", rewrite: { stripPrefix: "/b" }, cache: { ttlSeconds: 600 } },
      ],
    });
    expect(backendOf((await g.call("/a/shared")).body)).toBe("cache-route-a");
    const fromB = await g.call("/b/shared");
    expect(fromB.cache).toBe("MISS");
    expect(backendOf(fromB.body)).toBe("cache-route-b");
    const againA = await g.call("/a/shared");
    expect(againA.cache).toBe("HIT");
    expect(backendOf(againA.body)).toBe("cache-route-a");

    expect(JSON.parse((await purge(g, { prefix: "/a/" })).body)).toEqual({ removed: 1 });
    expect((await g.call("/b/shared")).cache).toBe("HIT");
    expect((await g.call("/a/shared")).cache).toBe("MISS");
    expect(JSON.parse((await purge(g, { urls: ["/b/shared"] })).body)).toEqual({ removed: 1 });
    expect((await g.call("/a/shared")).cache).toBe("HIT");
  });
});

describe("Cache API tier in front of KV", () => {
  it("answers a fresh hit from this location's copy without KV, for at most 10 s", async () => {
    const g = await cachedGateway("tier-basic", { ttlSeconds: 600 });
    const first = await g.call("/c/tier-basic");
    expect(await dropFromKv("/tier-basic")).toBe(1);
    const near = await g.call("/c/tier-basic");
    expect(near.cache).toBe("HIT");
    expect(hitOf(near.body)).toBe(hitOf(first.body));
    // By the gateway's clock, not the Cache API's own expiry (which has not run out in real time).
    g.advance(10_000);
    expect((await g.call("/c/tier-basic")).cache).toBe("MISS");
  });

  it("leaves a copy behind when it had to read KV", async () => {
    const g = await cachedGateway("tier-fill", { ttlSeconds: 600 });
    const first = await g.call("/c/tier-fill");
    g.advance(11_000);
    // The copy is too old; KV answers and a new copy is left here.
    expect((await g.call("/c/tier-fill")).cache).toBe("HIT");
    await dropFromKv("/tier-fill");
    const near = await g.call("/c/tier-fill");
    expect(near.cache).toBe("HIT");
    expect(hitOf(near.body)).toBe(hitOf(first.body));
  });

  it("never stretches freshness: a copy ends with its entry's ttl, stale answers come from KV", async () => {
    const g = await cachedGateway("tier-ttl", { ttlSeconds: 5, staleWhileRevalidateSeconds: 60 });
    const first = await g.call("/c/tier-swr");
    g.advance(6_000);
    const stale = await g.call("/c/tier-swr");
    expect(stale.cache).toBe("STALE");
    expect(hitOf(stale.body)).toBe(hitOf(first.body));
    // The background refresh stored the new answer in both tiers: with KV emptied, the copy answers.
    await dropFromKv("/tier-swr");
    const refreshed = await g.call("/c/tier-swr");
    expect(refreshed.cache).toBe("HIT");
    expect(hitOf(refreshed.body)).toBeGreaterThan(hitOf(first.body));
  });

  it("loses this location's copy on a purge, even one KV no longer lists", async () => {
    const g = await cachedGateway("tier-purge", { ttlSeconds: 600 });
    await g.call("/c/tier-x/one");
    await g.call("/c/tier-x/two");
    expect(JSON.parse((await purge(g, { prefix: "/c/tier-x/" })).body)).toEqual({ removed: 2 });
    expect((await g.call("/c/tier-x/one")).cache).toBe("MISS");
    // Deleted from KV elsewhere (or expired there) while this location still holds a copy:
    // the URL purge finds nothing to list in KV, and still drops the copy here.
    expect((await g.call("/c/tier-x/two")).cache).toBe("MISS");
    expect(await dropFromKv("/tier-x/two")).toBe(1);
    expect((await g.call("/c/tier-x/two")).cache).toBe("HIT");
    expect(JSON.parse((await purge(g, { urls: ["/c/tier-x/two"] })).body)).toEqual({ removed: 0 });
    expect((await g.call("/c/tier-x/two")).cache).toBe("MISS");
  });
});
