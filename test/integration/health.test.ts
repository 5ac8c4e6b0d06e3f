// Active health checks for real: the cron handler probes local origins that are healthy, answer
// 500, answer the wrong body, refuse connections or are too slow; alarms drive short intervals.
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { healthCheckSchema } from "../../src/config/schema";
import { probe } from "../../src/health/probe";
import worker from "../../src/index";
import { info, origin, setMode, stop } from "../support/farm";
import { gatewayFor, json } from "../support/gateway";
import { ManualClock } from "../support/manual-clock";

const admin = { authorization: "Bearer test-admin-token" };

interface StatusBackend {
  id: string;
  url: string;
  healthy: boolean;
  circuit: string;
  lastProbe: { ok: boolean; status?: number; error?: string } | null;
}

async function cron(config: unknown) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }),
    { ...env, GATEWAY: config } as never,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function statusOf(call: ReturnType<typeof gatewayFor>): Promise<Map<string, StatusBackend>> {
  const res = await call("/__aya/status", { headers: admin });
  expect(res.status).toBe(200);
  const body = (await json(res)) as { pools: { backends: StatusBackend[] }[] };
  return new Map(body.pools.flatMap((p) => p.backends).map((b) => [b.id, b]));
}

describe("cron probes", () => {
  let config: Record<string, unknown>;
  let call: ReturnType<typeof gatewayFor>;

  beforeAll(async () => {
    const backends = [
      await origin("hc-good"),
      await origin("hc-500"),
      await origin("hc-body"),
      await origin("hc-refused"),
      await origin("hc-slow"),
    ];
    await setMode("hc-500", "status:500");
    await setMode("hc-body", "health-body:nope");
    await stop("hc-refused");
    await setMode("hc-slow", "delay:3000");
    config = {
      pools: {
        p: {
          backends,
          healthCheck: {
            path: "/healthz",
            expectedBody: "ok",
            timeoutMs: 300,
            unhealthyThreshold: 1,
            healthyThreshold: 1,
          },
        },
      },
      routes: [{ path: "/*", pool: "p" }],
    };
    call = gatewayFor(config);
  });

  it("records each kind of failure with its reason, and the healthy one as healthy", async () => {
    await cron(config);
    const s = await statusOf(call);
    expect(s.get("hc-good")).toMatchObject({ healthy: true, lastProbe: { ok: true, status: 200 } });
    expect(s.get("hc-500")).toMatchObject({ healthy: false, lastProbe: { ok: false, status: 500 } });
    expect(s.get("hc-500")?.lastProbe?.error).toMatch(/unexpected status 500/);
    expect(s.get("hc-body")?.lastProbe?.error).toMatch(/expected text/);
    expect(s.get("hc-refused")).toMatchObject({ healthy: false, lastProbe: { ok: false } });
    expect(s.get("hc-slow")?.lastProbe?.error).toMatch(/timeout/);
    expect(s.get("hc-slow")?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("sends no client request to a backend its probes found unhealthy", async () => {
    await cron(config);
    // A cold isolate waits at most 50 ms for the verdicts, then assumes healthy: the first request
    // lets them arrive (its background refresh is awaited), whatever the machine's load.
    await call("/warm");
    const before = (await info("hc-500")).hits;
    for (let i = 0; i < 10; i++) {
      const res = await call(`/x?i=${i}`);
      expect(res.status).toBe(200);
      expect((await json(res)).backend).toBe("hc-good");
    }
    expect((await info("hc-500")).hits).toBe(before);
  });
});

describe("probe timeouts", () => {
  it("fail a probe once timeoutMs of the caller's clock have passed, not before", async () => {
    const slow = await origin("hc-clock-slow");
    await setMode("hc-clock-slow", "delay:5000");
    const clock = new ManualClock();
    const healthCheck = healthCheckSchema.parse({ path: "/healthz", timeoutMs: 300 });
    let settled = false;
    const result = probe({ url: slow.url, healthCheck }, () => clock.now(), clock).finally(() => {
      settled = true;
    });
    await clock.timerSet();
    clock.advance(299);
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await result).toMatchObject({ ok: false, latencyMs: 300, error: "timeout after 300 ms" });
  });
});

describe("alarms for intervals under a minute", () => {
  it("probes from the object's alarm and re-arms it", async () => {
    const b = await origin("alarm-1");
    const config = {
      pools: {
        p: { backends: [b], healthCheck: { path: "/healthz", intervalSeconds: 10, unhealthyThreshold: 1 } },
      },
      routes: [{ path: "/*", pool: "p" }],
    };
    await cron(config);
    const stub = env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName("alarm-1"));
    const probesBefore = (await info("alarm-1")).healthHits;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await info("alarm-1")).healthHits).toBe(probesBefore + 1);
    await setMode("alarm-1", "status:503");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const status = await stub.status();
    expect(status.healthy).toBe(false);
    expect(status.lastProbe?.status).toBe(503);
    // Re-armed: another alarm is pending.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
  });
});

describe("tcp probes", () => {
  it("passes when the port accepts a connection and fails when it is refused", async () => {
    const up = await origin("tcp-up");
    const down = await origin("tcp-down");
    await stop("tcp-down");
    const config = {
      pools: {
        p: { backends: [up, down], healthCheck: { type: "tcp", timeoutMs: 1000, unhealthyThreshold: 1 } },
      },
      routes: [{ path: "/*", pool: "p" }],
    };
    await cron(config);
    const s = await statusOf(gatewayFor(config));
    expect(s.get("tcp-up")).toMatchObject({ healthy: true, lastProbe: { ok: true } });
    expect(s.get("tcp-down")).toMatchObject({ healthy: false, lastProbe: { ok: false } });
  });
});
