// What the cache stores and for how long, as pure functions of headers and time.
import { describe, expect, it } from "vitest";
import { freshness, kvLifetime } from "../../../src/cache/freshness";
import { normalisedUrl } from "../../../src/cache/key";
import { storeDecision } from "../../../src/cache/policy";

const policy = {
  ttlSeconds: 60,
  staleWhileRevalidateSeconds: 0,
  staleIfErrorSeconds: 0,
  methods: ["GET" as const],
  varyHeaders: [],
  maxBodyBytes: 100,
  honorClientNoCache: false,
};
const h = (init: Record<string, string>) => new Headers(init);

describe("store decision", () => {
  it("follows the origin's Cache-Control", () => {
    expect(storeDecision(200, h({}), policy)).toEqual({ store: true, ttlSeconds: 60 });
    expect(storeDecision(200, h({ "cache-control": "max-age=5" }), policy)).toEqual({
      store: true,
      ttlSeconds: 5,
    });
    expect(storeDecision(200, h({ "cache-control": "max-age=5, s-maxage=30" }), policy)).toEqual({
      store: true,
      ttlSeconds: 30,
    });
    expect(storeDecision(200, h({ "cache-control": "no-cache" }), policy)).toEqual({
      store: true,
      ttlSeconds: 0,
    });
    expect(storeDecision(200, h({ "cache-control": "no-store" }), policy).store).toBe(false);
    expect(storeDecision(200, h({ "cache-control": "private, max-age=60" }), policy).store).toBe(false);
  });

  it("refuses Set-Cookie, large bodies and uncacheable statuses", () => {
    expect(storeDecision(200, h({ "set-cookie": "a=1" }), policy).store).toBe(false);
    expect(storeDecision(200, h({ "content-length": "101" }), policy).store).toBe(false);
    for (const status of [206, 302, 500, 503]) expect(storeDecision(status, h({}), policy).store).toBe(false);
    for (const status of [200, 301, 404, 410]) expect(storeDecision(status, h({}), policy).store).toBe(true);
  });
});

describe("store decision for what is not everyone's", () => {
  const authed = { credentialed: true };
  it("keeps an answer to a request with credentials only when the origin marks it shared", () => {
    expect(storeDecision(200, h({}), policy, authed)).toEqual({ store: false, reason: "credentials" });
    expect(storeDecision(200, h({ "cache-control": "max-age=60" }), policy, authed).store).toBe(false);
    for (const cc of ["public", "s-maxage=30", "must-revalidate", "Public, max-age=5"])
      expect(storeDecision(200, h({ "cache-control": cc }), policy, authed).store, cc).toBe(true);
    expect(storeDecision(200, h({ "cache-control": "public, private" }), policy, authed).store).toBe(false);
  });

  it("refuses answers that vary on a header outside the key, or on *", () => {
    const keyed = { ...policy, varyHeaders: ["Accept-Language"] };
    for (const vary of ["Cookie", "*", "accept-language, Origin", "Accept"])
      expect(storeDecision(200, h({ vary }), keyed).store, vary).toBe(false);
    for (const vary of ["Accept-Encoding", "accept-language", "Accept-Language,Accept-Encoding", ""])
      expect(storeDecision(200, h({ vary }), keyed).store, vary).toBe(true);
  });
});

describe("freshness", () => {
  const meta = { at: 0, ttl: 10, swr: 20, sie: 100 };
  it("moves from fresh through the stale windows to expired", () => {
    expect(freshness(meta, 9_999)).toBe("fresh");
    expect(freshness(meta, 10_000)).toBe("stale-while-revalidate");
    expect(freshness(meta, 29_999)).toBe("stale-while-revalidate");
    expect(freshness(meta, 30_000)).toBe("stale-if-error");
    expect(freshness(meta, 110_000)).toBe("expired");
  });
  it("keeps entries in KV past the 60 s floor and every window", () => {
    expect(kvLifetime({ ttl: 5, swr: 0, sie: 0 })).toBe(60);
    expect(kvLifetime({ ttl: 10, swr: 20, sie: 100 })).toBe(110);
  });
});

describe("cache key URL", () => {
  it("sorts the query by name so parameter order does not split entries, keeping repeated values in order", () => {
    expect(normalisedUrl("/a", "?b=2&a=1&a=0")).toBe("/a?a=1&a=0&b=2");
    expect(normalisedUrl("/a", "?a=2&a=1")).not.toBe(normalisedUrl("/a", "?a=1&a=2"));
    expect(normalisedUrl("/a", "")).toBe("/a");
  });
});
