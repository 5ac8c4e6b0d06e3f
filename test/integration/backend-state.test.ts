// The BackendState object from inside: the circuit state machine with an injected clock, the
// global in-flight sum with stale reports expiring, probe thresholds, and state surviving
// the object's eviction.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BackendState } from "../../durable-objects/backend-state";
import { parseGateway } from "../../src/config/normalize";
import type { BackendSpec, Report } from "../../src/state/protocol";

function spec(
  id: string,
  circuitBreaker: Record<string, unknown> = {},
  healthCheck: Record<string, unknown> = {},
): BackendSpec {
  const parsed = parseGateway({
    pools: { p: { backends: [{ id, url: "http://127.0.0.1:9" }], circuitBreaker, healthCheck } },
  });
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  const b = parsed.config.backends.get(id);
  if (!b) throw new Error("no backend");
  return { id, url: b.url, healthCheck: b.healthCheck, circuitBreaker: b.circuitBreaker };
}

const report = (over: Partial<Report>): Report => ({
  isolate: "iso-a",
  inflight: 0,
  requests: 0,
  failures: 0,
  tailFailures: 0,
  latencySumMs: 0,
  latencyCount: 0,
  ...over,
});

function stubFor(name: string) {
  return env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName(name));
}

describe("circuit breaker", () => {
  it("opens after consecutiveFailures, half-opens after openSeconds, closes after a success", async () => {
    const s = spec("cb-1", { consecutiveFailures: 3, openSeconds: 10 });
    await runInDurableObject(stubFor("cb-1"), async (obj: BackendState) => {
      let t = 1_000_000;
      obj.now = () => t;
      let snap = await obj.sync(s, report({ requests: 2, failures: 2, tailFailures: 2 }));
      expect(snap.circuit).toBe("closed");
      snap = await obj.sync(s, report({ requests: 1, failures: 1, tailFailures: 1 }));
      expect(snap.circuit).toBe("open");
      t += 9_999;
      expect((await obj.sync(s, null)).circuit).toBe("open");
      t += 1;
      expect((await obj.sync(s, null)).circuit).toBe("half-open");
      snap = await obj.sync(s, report({ requests: 1 }));
      expect(snap.circuit).toBe("closed");
    });
  });

  it("re-opens on a failure while half-open, for twice as long, capped at maxOpenSeconds", async () => {
    const s = spec("cb-2", { consecutiveFailures: 1, openSeconds: 10, maxOpenSeconds: 30 });
    await runInDurableObject(stubFor("cb-2"), async (obj: BackendState) => {
      let t = 5_000_000;
      obj.now = () => t;
      const fail = report({ requests: 1, failures: 1, tailFailures: 1 });
      let snap = await obj.sync(s, fail);
      expect(snap.openUntil - t).toBe(10_000);
      t = snap.openUntil;
      snap = await obj.sync(s, fail);
      expect(snap.circuit).toBe("open");
      expect(snap.openUntil - t).toBe(20_000);
      t = snap.openUntil;
      snap = await obj.sync(s, fail);
      expect(snap.openUntil - t).toBe(30_000);
      t = snap.openUntil;
      snap = await obj.sync(s, fail);
      expect(snap.openUntil - t).toBe(30_000);
    });
  });

  it("opens on the failure rate over the window once minRequests is reached", async () => {
    const s = spec("cb-3", {
      consecutiveFailures: 100,
      failureRate: 0.5,
      minRequests: 10,
      windowSeconds: 30,
    });
    await runInDurableObject(stubFor("cb-3"), async (obj: BackendState) => {
      const t = 9_000_000;
      obj.now = () => t;
      // 4 failures in 8: below minRequests, stays closed.
      let snap = await obj.sync(s, report({ requests: 8, failures: 4, tailFailures: 0 }));
      expect(snap.circuit).toBe("closed");
      snap = await obj.sync(s, report({ requests: 2, failures: 2, tailFailures: 0 }));
      expect(snap.circuit).toBe("open");
    });
  });
});

describe("global in-flight", () => {
  it("sums fresh isolate reports and forgets isolates that went quiet", async () => {
    const s = spec("inflight-1");
    await runInDurableObject(stubFor("inflight-1"), async (obj: BackendState) => {
      let t = 1_000;
      obj.now = () => t;
      await obj.sync(s, report({ isolate: "a", inflight: 3 }));
      const snap = await obj.sync(s, report({ isolate: "b", inflight: 4 }));
      expect(snap.inflight).toBe(7);
      t += 20_000;
      const later = await obj.sync(s, report({ isolate: "b", inflight: 1 }));
      expect(later.inflight).toBe(1);
    });
  });
});

describe("probe results", () => {
  it("needs unhealthyThreshold failures to go down and healthyThreshold successes to come back", async () => {
    const s = spec("probe-1", {}, { healthyThreshold: 2, unhealthyThreshold: 3 });
    await runInDurableObject(stubFor("probe-1"), async (obj: BackendState) => {
      await obj.sync(s, null);
      const ok = { at: 1, ok: true, status: 200, latencyMs: 3 };
      const bad = { at: 2, ok: false, latencyMs: 3, error: "unexpected status 500" };
      obj.recordProbe(ok);
      expect((await obj.status()).healthy).toBe(true);
      obj.recordProbe(bad);
      obj.recordProbe(bad);
      expect((await obj.status()).healthy).toBe(true);
      obj.recordProbe(bad);
      expect((await obj.status()).healthy).toBe(false);
      obj.recordProbe(ok);
      expect((await obj.status()).healthy).toBe(false);
      obj.recordProbe(ok);
      const status = await obj.status();
      expect(status.healthy).toBe(true);
      expect(status.lastProbe).toMatchObject({ ok: true, status: 200 });
    });
  });
});

describe("eviction", () => {
  it("keeps health, circuit and counters when the object is evicted and restarted", async () => {
    const s = spec("evict-1", { consecutiveFailures: 2, openSeconds: 60 });
    const stub = stubFor("evict-1");
    const t = Date.now();
    await runInDurableObject(stub, async (obj: BackendState) => {
      obj.now = () => t;
      await obj.sync(
        s,
        report({ requests: 5, failures: 2, tailFailures: 2, latencySumMs: 50, latencyCount: 3 }),
      );
      obj.recordProbe({ at: t, ok: false, latencyMs: 1, error: "x" });
    });
    // A fresh instance over the same storage, as after eviction.
    await runInDurableObject(stub, async (_obj: BackendState, state: DurableObjectState) => {
      const { BackendState: Fresh } = await import("../../durable-objects/backend-state");
      const fresh = new Fresh(state, env);
      fresh.now = () => t + 1;
      const status = await fresh.status();
      expect(status.circuit).toBe("open");
      expect(status.requests).toBe(5);
      expect(status.failures).toBe(2);
      expect(status.consecutiveDown).toBe(1);
      expect(status.ewmaLatencyMs).toBeGreaterThan(0);
    });
  });
});
