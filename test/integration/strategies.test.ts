// Every balancing strategy through the real Worker and real origins: what a client sees.
import { describe, expect, it } from "vitest";
import { info, origin } from "../support/farm";
import { gatewayFor } from "../support/gateway";

async function poolOf(prefix: string, weights: number[]) {
  const backends = [];
  for (const [i, weight] of weights.entries())
    backends.push({ ...(await origin(`${prefix}-${i + 1}`)), weight });
  return backends;
}

function counter() {
  const counts: Record<string, number> = {};
  return {
    counts,
    add: async (res: Response) => {
      const id = res.headers.get("x-aya-backend") as string;
      counts[id] = (counts[id] ?? 0) + 1;
      await res.body?.cancel();
      return id;
    },
  };
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await scheduler.wait(5);
  }
}

function gateway(strategy: string, backends: unknown[], extra: Record<string, unknown> = {}) {
  return gatewayFor({
    debugHeaders: true,
    pools: { p: { strategy, backends, healthCheck: { enabled: false }, ...extra } },
    routes: [{ path: "/*", pool: "p" }],
  });
}

describe("strategies through the Worker", () => {
  it("round-robin alternates evenly", async () => {
    const call = gateway("round-robin", await poolOf("st-rr", [1, 1]));
    const c = counter();
    for (let i = 0; i < 20; i++) await c.add(await call("/x"));
    expect(c.counts).toEqual({ "st-rr-1": 10, "st-rr-2": 10 });
  });

  it("weighted-round-robin follows the weights exactly", async () => {
    const call = gateway("weighted-round-robin", await poolOf("st-wrr", [3, 1]));
    const c = counter();
    for (let i = 0; i < 40; i++) await c.add(await call("/x"));
    expect(c.counts).toEqual({ "st-wrr-1": 30, "st-wrr-2": 10 });
  });

  it("least-connections sends new requests away from the backend holding a slow one", async () => {
    const backends = await poolOf("st-lc", [1, 1]);
    const call = gateway("least-connections", backends);
    const slow = call("/slow?delay=500");
    // Wait (by polling the origins, not by sleeping) until the slow request is being served.
    const busy = await until(async () => {
      for (const b of backends) if ((await info(b.id)).hits > 0) return b.id;
      return undefined;
    });
    const c = counter();
    for (let i = 0; i < 4; i++) await c.add(await call("/fast"));
    const idle = backends.find((b) => b.id !== busy)?.id as string;
    // Round robin would alternate; least connections keeps off the busy backend.
    expect(c.counts).toEqual({ [idle]: 4 });
    expect(await c.add(await slow)).toBe(busy);
  });

  it("weighted-least-connections spreads concurrent requests by weight", async () => {
    const call = gateway("weighted-least-connections", await poolOf("st-wlc", [3, 1]));
    const c = counter();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => call(`/c${i}?delay=300`)));
    for (const r of results) await c.add(r);
    expect(c.counts["st-wlc-1"]).toBe(6);
    expect(c.counts["st-wlc-2"]).toBe(2);
  });

  it("weighted-least-connections follows the weights for sequential requests too", async () => {
    const call = gateway("weighted-least-connections", await poolOf("st-wlc-seq", [3, 1]));
    const c = counter();
    for (let i = 0; i < 40; i++) await c.add(await call("/x"));
    expect(c.counts).toEqual({ "st-wlc-seq-1": 30, "st-wlc-seq-2": 10 });
  });

  it("ip-hash keeps each client IP on one backend and spreads IPs", async () => {
    const call = gateway("ip-hash", await poolOf("st-ip", [1, 1, 1]));
    const byIp = new Map<string, Set<string>>();
    for (let n = 0; n < 30; n++) {
      const ip = `198.51.100.${n}`;
      for (let k = 0; k < 3; k++) {
        const res = await call("/x", { ip });
        const set = byIp.get(ip) ?? new Set();
        set.add(res.headers.get("x-aya-backend") as string);
        byIp.set(ip, set);
        await res.body?.cancel();
      }
    }
    for (const set of byIp.values()) expect(set.size).toBe(1);
    const used = new Set([...byIp.values()].flatMap((s) => [...s]));
    expect(used.size).toBe(3);
  });

  it("consistent-hash on a header keeps a user on one backend", async () => {
    const call = gateway("consistent-hash", await poolOf("st-ch", [1, 1, 1]), { hashKey: "header:x-user" });
    const owners = new Map<string, string>();
    for (let u = 0; u < 20; u++) {
      for (let k = 0; k < 3; k++) {
        const res = await call("/x", { headers: { "x-user": `user-${u}` } });
        const id = res.headers.get("x-aya-backend") as string;
        await res.body?.cancel();
        if (owners.has(`user-${u}`)) expect(id).toBe(owners.get(`user-${u}`));
        owners.set(`user-${u}`, id);
      }
    }
    expect(new Set(owners.values()).size).toBeGreaterThan(1);
  });

  it("least-response-time sends little traffic to a slow backend", async () => {
    const backends = await poolOf("st-lrt", [1, 1, 1]);
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: { strategy: "least-response-time", backends, healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p", methods: ["GET"] }],
    });
    const c = counter();
    // st-lrt-3 is slow: the delay goes in the query only when that backend serves it, so use
    // the origin's own delay mode instead.
    const { setMode } = await import("../support/farm");
    await setMode("st-lrt-3", "delay:60");
    for (let i = 0; i < 60; i++) await c.add(await call("/x"));
    await setMode("st-lrt-3", "ok");
    expect(c.counts["st-lrt-3"] ?? 0).toBeLessThan(10);
  });

  it("random uses every backend, weighted", async () => {
    const call = gateway("random", await poolOf("st-rand", [4, 1]));
    const c = counter();
    for (let i = 0; i < 200; i++) await c.add(await call("/x"));
    expect(c.counts["st-rand-1"]).toBeGreaterThan(c.counts["st-rand-2"] as number);
    expect(c.counts["st-rand-2"]).toBeGreaterThan(10);
  });
});
