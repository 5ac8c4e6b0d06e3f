// Alerts through the real BackendState objects: a backend that probes mark unhealthy, that
// recovers, whose circuit opens, is one signed JSON POST each, sent once for the whole edge by
// the backend's own object and retried from its alarm when the receiver fails; the change is
// logged once, there too.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackendState } from "../../durable-objects/backend-state";
import { parseGateway } from "../../src/config/normalize";
import { signature } from "../../src/observability/alerts/webhook";
import { type BackendSpec, specOf } from "../../src/state/protocol";
import { info, origin, setMode } from "../support/farm";
import { captureLogLines, type LogLines } from "../support/log-lines";
import { hookMode, hookUrl, receivedAlerts } from "../support/webhooks";

const SECRET = "test-alert-secret"; // ALERT_TEST_SECRET in vitest.config.ts

let logs: LogLines;
beforeEach(() => {
  logs = captureLogLines();
});
afterEach(() => logs.restore());

/** A config with one backend and alerts to `hook`, and the object that owns the backend, told to use it. */
async function backendWithAlerts(id: string, hook: string, alerts: Record<string, unknown> = {}) {
  const o = await origin(id);
  const parsed = parseGateway({
    alerts: { webhookUrl: hookUrl(hook), secretName: "ALERT_TEST_SECRET", ...alerts },
    pools: {
      [`pool-${id}`]: {
        backends: [o],
        healthCheck: { path: "/healthz", unhealthyThreshold: 1, healthyThreshold: 1, intervalSeconds: 10 },
        circuitBreaker: { consecutiveFailures: 2, openSeconds: 30 },
      },
    },
  });
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  const gateway = parsed.config;
  const spec = specOf(gateway.backends.get(id) as never) as BackendSpec;
  const stub = env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName(id));
  let t = Date.now();
  await runInDurableObject(stub, (obj: BackendState) => {
    obj.gateway = () => gateway;
    obj.now = () => t;
  });
  await stub.sync(spec, null);
  return {
    stub,
    spec,
    advance: (ms: number) => {
      t += ms;
    },
    /** Runs one probe and waits for the alerts it raised to be delivered (or fail). */
    probe: () =>
      runInDurableObject(stub, async (obj: BackendState) => {
        await obj.probe();
        await obj.alerts.idle();
      }),
  };
}

const bodies = async (hook: string) =>
  (await receivedAlerts(hook)).map((r) => JSON.parse(r.body) as Record<string, unknown>);
const eventLines = (kind: string, backend: string) =>
  logs.raw.filter((l) => l.startsWith(`{"event":"${kind}"`) && l.includes(`"backend":"${backend}"`));

describe("alerts", () => {
  it("a backend marked unhealthy is one signed JSON POST with a Slack-compatible text, and one log line", async () => {
    const b = await backendWithAlerts("al-down", "al-down");
    await setMode("al-down", "status:500");
    await b.probe();
    await b.probe();
    const received = await receivedAlerts("al-down");
    expect(received).toHaveLength(1);
    const [alert] = received;
    const body = JSON.parse(alert?.body ?? "{}") as Record<string, unknown>;
    expect(body).toMatchObject({
      event: "backend_unhealthy",
      backend: "al-down",
      pool: "pool-al-down",
      detail: "unexpected status 500",
    });
    expect(body.text).toMatch(/backend al-down \(pool pool-al-down\) is unhealthy: unexpected status 500/);
    expect(alert?.headers["content-type"]).toBe("application/json");
    expect(alert?.headers["x-aya-event"]).toBe("backend_unhealthy");
    expect(alert?.headers["x-aya-signature"]).toBe(await signature(alert?.body ?? "", SECRET));
    expect(eventLines("backend_unhealthy", "al-down")).toHaveLength(1);
    expect(JSON.parse(eventLines("backend_unhealthy", "al-down")[0] as string)).toMatchObject({
      pool: "pool-al-down",
      detail: "unexpected status 500",
    });

    // It recovers: one more alert, the other way.
    await setMode("al-down", "ok");
    await b.probe();
    expect((await bodies("al-down")).map((a) => a.event)).toEqual(["backend_unhealthy", "backend_healthy"]);
    expect(eventLines("backend_healthy", "al-down")).toHaveLength(1);
  });

  it("a circuit opened by failures reported from isolates is one alert, not one per re-open", async () => {
    const b = await backendWithAlerts("al-circuit", "al-circuit");
    const fail = {
      isolate: "relay-x",
      inflight: 0,
      requests: 2,
      failures: 2,
      tailFailures: 2,
      latencySumMs: 0,
      latencyCount: 0,
    };
    await b.stub.sync(b.spec, fail);
    await runInDurableObject(b.stub, (obj: BackendState) => obj.alerts.idle());
    // Half-open after 30 s, a failed trial opens it again: the same episode.
    b.advance(31_000);
    await b.stub.sync(b.spec, null);
    await b.stub.sync(b.spec, { ...fail, requests: 1, failures: 1, tailFailures: 1 });
    await runInDurableObject(b.stub, (obj: BackendState) => obj.alerts.idle());
    const alerts = await bodies("al-circuit");
    expect(alerts.map((a) => a.event)).toEqual(["circuit_open"]);
    expect(alerts[0]?.text).toMatch(/circuit breaker opened: open for 30 s/);
    expect(eventLines("circuit_open", "al-circuit")).toHaveLength(1);
  });

  it("a failed delivery is retried with backoff from the object's alarm, once delivered never again", async () => {
    const b = await backendWithAlerts("al-retry", "al-retry");
    await hookMode("al-retry", "fail:2");
    await setMode("al-retry", "status:503");
    await b.probe();
    expect(await receivedAlerts("al-retry")).toHaveLength(1);
    // Not due yet: the alarm (set for the retry) leaves it.
    await runDurableObjectAlarm(b.stub);
    expect(await receivedAlerts("al-retry")).toHaveLength(1);
    b.advance(10_000);
    await runDurableObjectAlarm(b.stub);
    await runInDurableObject(b.stub, (obj: BackendState) => obj.alerts.idle());
    expect(await receivedAlerts("al-retry")).toHaveLength(2);
    b.advance(30_000);
    await runDurableObjectAlarm(b.stub);
    await runInDurableObject(b.stub, (obj: BackendState) => obj.alerts.idle());
    b.advance(600_000);
    await runDurableObjectAlarm(b.stub);
    await runInDurableObject(b.stub, (obj: BackendState) => obj.alerts.idle());
    const received = await receivedAlerts("al-retry");
    expect(received).toHaveLength(3);
    // Every attempt is the same alert: the same body and delivery id, each signed.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(new Set(received.map((r) => r.headers["x-aya-delivery"])).size).toBe(1);
    for (const r of received) expect(r.headers["x-aya-signature"]).toBe(await signature(r.body, SECRET));
  });

  it("sends only the events the config names", async () => {
    const b = await backendWithAlerts("al-some", "al-some", { events: ["backend_healthy"] });
    await setMode("al-some", "status:500");
    await b.probe();
    await setMode("al-some", "ok");
    await b.probe();
    expect((await bodies("al-some")).map((a) => a.event)).toEqual(["backend_healthy"]);
    // Logged all the same: logs are not alerts.
    expect(eventLines("backend_unhealthy", "al-some")).toHaveLength(1);
  });

  it("the probe alarm still probes on time while an alert waits for its retry", async () => {
    const b = await backendWithAlerts("al-alarm", "al-alarm");
    await hookMode("al-alarm", "status:503");
    await setMode("al-alarm", "status:500");
    await b.probe();
    const probes = (await info("al-alarm")).healthHits;
    // The retry is due in 10 s, the probe (intervalSeconds 10) too: one alarm does both.
    b.advance(10_000);
    await runDurableObjectAlarm(b.stub);
    await runInDurableObject(b.stub, (obj: BackendState) => obj.alerts.idle());
    expect((await receivedAlerts("al-alarm")).length).toBe(2);
    expect((await info("al-alarm")).healthHits).toBe(probes + 1);
    // And the alarm stays set, for the next probe and the next retry.
    expect(await runDurableObjectAlarm(b.stub)).toBe(true);
  });
});
