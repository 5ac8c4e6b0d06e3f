// The location tier (Cache API) by the gateway's clock: how long a copy may answer.
import { describe, expect, it } from "vitest";
import { routeScope } from "../../../src/cache/key";
import { locationTier, TIER_MAX_SECONDS } from "../../../src/cache/tier";

const bytes = new TextEncoder().encode("entry");
const tier = locationTier("https://gw.example");
let n = 0;
const key = () => `c:unit:/tier/${++n}`;

describe("Cache API tier", () => {
  it("answers for at most TIER_MAX_SECONDS after the copy was made", async () => {
    const k = key();
    await tier.write(k, bytes, { at: 0, ttl: 600, swr: 0, sie: 0 }, 1_000);
    expect(await tier.read(k, 1_000 + TIER_MAX_SECONDS * 1000 - 1)).toBeDefined();
    expect(await tier.read(k, 1_000 + TIER_MAX_SECONDS * 1000)).toBeUndefined();
  });

  it("never past the entry's own freshness, and keeps nothing already stale", async () => {
    const k = key();
    await tier.write(k, bytes, { at: 0, ttl: 5, swr: 60, sie: 600 }, 2_000);
    const found = await tier.read(k, 4_999);
    expect(found?.meta).toEqual({ at: 0, ttl: 5, swr: 60, sie: 600 });
    expect(new TextDecoder().decode(found?.value)).toBe("entry");
    expect(await tier.read(k, 5_000)).toBeUndefined();

    const stale = key();
    await tier.write(stale, bytes, { at: 0, ttl: 5, swr: 60, sie: 0 }, 4_500);
    expect(await tier.read(stale, 4_600)).toBeUndefined();
  });

  it("keeps copies per hostname", async () => {
    const k = key();
    await tier.write(k, bytes, { at: 0, ttl: 60, swr: 0, sie: 0 }, 0);
    expect(await locationTier("https://other.example").read(k, 1)).toBeUndefined();
    expect(await tier.read(k, 1)).toBeDefined();
  });

  it("forgets a deleted copy", async () => {
    const k = key();
    await tier.write(k, bytes, { at: 0, ttl: 60, swr: 0, sie: 0 }, 0);
    await tier.delete(k);
    expect(await tier.read(k, 1)).toBeUndefined();
  });
});

describe("route scope", () => {
  it("depends on the route's host and pattern, not its position", async () => {
    const a = await routeScope({ path: "/a/*" });
    expect(a).toMatch(/^c:[0-9a-f]{8}:$/);
    expect(await routeScope({ path: "/a/*" })).toBe(a);
    expect(await routeScope({ path: "/b/*" })).not.toBe(a);
    expect(await routeScope({ path: "/a/*", host: "api.example.com" })).not.toBe(a);
  });
});
