// The isolate's snapshot of BackendState objects, through the real app with a fake clock: a
// backend that dies is taken out of rotation once its probes say so and brought back once they
// pass again; Durable Object calls stay far below one per request; an unreachable object
// does not stop the gateway.
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { relayLink } from "../../src/replication/links";
import { MemoryLocation } from "../../src/replication/location";
import { isolateState } from "../../src/state/isolate";
import { Replication } from "../../src/state/sync";
import { clockedGateway } from "../support/clocked";
import { clockedRelays } from "../support/clocked-relays";
import { info, origin, start, stop } from "../support/farm";

function harness(config: unknown, relays?: unknown) {
  const h = clockedGateway(config, relays);
  return {
    ...h,
    call: (path: string, headers: Record<string, string> = {}) => h.call(path, { headers }),
    async cron() {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ cron: "* * * * *" }),
        { ...env, GATEWAY: config } as never,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    },
  };
}

describe("a backend dies and comes back", () => {
  it("leaves rotation after unhealthyThreshold probes and returns after healthyThreshold", async () => {
    const backends = [await origin("dies-1"), await origin("dies-2")];
    const h = harness({
      debugHeaders: true,
      pools: {
        p: {
          strategy: "round-robin",
          backends,
          // A 10 s interval: probes run from each object's alarm, fired here on demand.
          healthCheck: {
            path: "/healthz",
            intervalSeconds: 10,
            unhealthyThreshold: 2,
            healthyThreshold: 2,
            timeoutMs: 500,
          },
          // Keep the circuit out of this scenario: it is about probes.
          circuitBreaker: { enabled: false },
        },
      },
      routes: [{ path: "/*", pool: "p" }],
    });
    await h.cron();
    const seen = new Set<string | null>();
    for (let i = 0; i < 4; i++) seen.add((await h.call("/a")).backend);
    expect(seen).toEqual(new Set(["dies-1", "dies-2"]));

    const probe = () => runDurableObjectAlarm(env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName("dies-1")));
    await stop("dies-1");
    await probe();
    await probe();
    // The next snapshot refresh carries the verdict to this isolate.
    h.advance(1500);
    await h.call("/refresh");
    const status = await h.call("/__aya/status", { authorization: "Bearer test-admin-token" });
    const pools = JSON.parse(status.body).pools as { backends: { id: string; healthy: boolean }[] }[];
    expect(pools[0]?.backends.find((b) => b.id === "dies-1")?.healthy).toBe(false);
    for (let i = 0; i < 6; i++) {
      const r = await h.call(`/b${i}`);
      expect(r.status).toBe(200);
      expect(r.backend).toBe("dies-2");
      // Not even tried: the dead backend is out of rotation, not failed over from.
      expect(r.attempts).toBe("1");
    }

    await start("dies-1");
    const hitsBefore = (await info("dies-1")).hits;
    await probe();
    await probe();
    h.advance(1500);
    await h.call("/refresh");
    const after = new Set<string | null>();
    for (let i = 0; i < 4; i++) after.add((await h.call(`/c${i}`)).backend);
    expect(after.has("dies-1")).toBe(true);
    expect((await info("dies-1")).hits).toBeGreaterThan(hitsBefore);
  });
});

describe("a local circuit that opens", () => {
  it("is reported to the backend's object at once, not at the next refresh", async () => {
    const a = await origin("trip-1");
    const b = await origin("trip-2");
    const h = harness({
      debugHeaders: true,
      pools: {
        p: {
          strategy: "round-robin",
          backends: [a, b],
          healthCheck: { enabled: false },
          circuitBreaker: { consecutiveFailures: 3, openSeconds: 60 },
        },
      },
      routes: [{ path: "/*", pool: "p" }],
    });
    await h.call("/warm");
    const { setMode } = await import("../support/farm");
    await setMode("trip-1", "status:503");
    // No clock movement: only the circuit can trigger a sync now. The request that opens it (the
    // third failure, the last request of the burst here) sends it; nothing comes after it.
    for (let i = 0; i < 6; i++) expect((await h.call(`/t${i}`)).status).toBe(200);
    const stub = env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName("trip-1"));
    const status = await stub.status();
    expect(status.failures).toBeGreaterThanOrEqual(3);
    expect(status.circuit).toBe("open");
    await setMode("trip-1", "ok");
  });
});

describe("a circuit opened by the last request of a burst", () => {
  it("reaches the backend's object from that request, with no request after it", async () => {
    const only = await origin("last-1");
    const h = harness({
      pools: {
        p: {
          backends: [only],
          healthCheck: { enabled: false },
          circuitBreaker: { consecutiveFailures: 3, openSeconds: 60 },
        },
      },
      routes: [{ path: "/*", pool: "p" }],
    });
    await h.call("/warm");
    const { setMode } = await import("../support/farm");
    await setMode("last-1", "status:503");
    // Three failures in a row: the third opens the circuit, and it is the last request.
    for (let i = 0; i < 3; i++) await h.call(`/burst${i}`);
    await setMode("last-1", "ok");
    const status = await env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName("last-1")).status();
    expect(status.circuit).toBe("open");
  });
});

describe("a cool-down (a provider's Retry-After)", () => {
  it("takes the backend out of rotation here at once and in every other isolate after its next sync", async () => {
    const a = await origin("cool-1");
    const b = await origin("cool-2");
    const config = {
      debugHeaders: true,
      pools: { p: { strategy: "round-robin", backends: [a, b], healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    };
    const h = harness(config);
    await h.call("/warm");
    const parsed = (await import("../../src/config/normalize")).parseGateway(config);
    if (!parsed.ok) throw new Error("config");
    const cool1 = parsed.config.backends.get("cool-1");
    if (!cool1) throw new Error("backend");
    isolateState.coolDown(cool1, Date.now() + 60_000);
    for (let i = 0; i < 4; i++) expect((await h.call(`/c${i}`)).backend).toBe("cool-2");

    // Another isolate, in another location, which never saw the 429, learns it from the object.
    const { IsolateState } = await import("../../src/state/isolate");
    const elsewhere = new IsolateState();
    const replication = new Replication(h.clock, elsewhere);
    const background: Promise<unknown>[] = [];
    await replication.prepare([cool1], {
      location: new MemoryLocation(),
      relay: relayLink(clockedRelays(h.clock), undefined),
      waitUntil: (p) => background.push(p),
    });
    await Promise.all(background);
    const now = h.clock.now();
    expect(elsewhere.view(cool1, now).circuit).toBe("open");
    expect(elsewhere.view(cool1, now + 61_000).circuit).toBe("closed");
  });
});

describe("least connections is global", () => {
  it("counts requests other isolates have in flight", async () => {
    const a = await origin("glc-1");
    const b = await origin("glc-2");
    const config = {
      debugHeaders: true,
      pools: { p: { strategy: "least-connections", backends: [a, b], healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    };
    const h = harness(config);
    await h.call("/warm");
    // Another isolate somewhere reports 40 requests in flight to glc-1.
    const parsed = (await import("../../src/config/normalize")).parseGateway(config);
    if (!parsed.ok) throw new Error("config");
    const { specOf } = await import("../../src/state/protocol");
    const spec = specOf(parsed.config.backends.get("glc-1") as never);
    await env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName("glc-1")).sync(spec, {
      isolate: "far-away",
      inflight: 40,
      requests: 0,
      failures: 0,
      tailFailures: 0,
      latencySumMs: 0,
      latencyCount: 0,
    });
    h.advance(1500);
    await h.call("/refresh");
    for (let i = 0; i < 6; i++) expect((await h.call(`/g${i}`)).backend).toBe("glc-2");
  });
});

describe("Durable Object calls per request", () => {
  it("costs at most one call per 100 requests at steady state", async () => {
    const backends = [await origin("steady-1"), await origin("steady-2")];
    const h = harness({
      pools: { p: { backends, healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    // Warm up, then 1,000 requests a second for three seconds of (fake) time.
    await h.call("/warm");
    const callsBefore = h.sync.calls;
    const requests = 3000;
    for (let i = 0; i < requests; i++) {
      h.advance(1);
      const r = await h.call(`/s${i}`);
      expect(r.status).toBe(200);
    }
    const perRequest = (h.sync.calls - callsBefore) / requests;
    expect(perRequest).toBeLessThanOrEqual(0.01);
    expect(h.sync.calls - callsBefore).toBeGreaterThan(0);
  }, 60_000);
});

describe("an unreachable Durable Object", () => {
  it("keeps the gateway serving from its last snapshot", async () => {
    const b = await origin("no-do-1");
    const broken = {
      idFromName: (name: string) => env.RELAY.idFromName(name),
      get: () => ({
        exchange: async () => {
          throw new Error("object unreachable");
        },
      }),
    };
    const h = harness(
      {
        pools: { p: { backends: [b], healthCheck: { enabled: false } } },
        routes: [{ path: "/*", pool: "p" }],
      },
      broken,
    );
    for (let i = 0; i < 3; i++) {
      h.advance(2000);
      expect((await h.call(`/x${i}`)).status).toBe(200);
    }
  });
});
