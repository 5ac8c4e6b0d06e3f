// Replication through the real objects (relays and BackendState) in workerd: two isolates in two
// locations, each with its own relay and Cache API copies, on one test clock. What one isolate
// learns the hard way (a backend failing until its circuit opens) the other sees within 2 s
// without ever sending that backend a request. (That the owner's push is what keeps a relay shared
// by many locations from adding its own second is shown in test/unit/replication.)
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp, replicatedDeps } from "../../src/app";
import { parseGateway } from "../../src/config/normalize";
import { cacheApiLocation, relayLink } from "../../src/replication/links";
import { IsolateState } from "../../src/state/isolate";
import { Replication } from "../../src/state/sync";
import { clockedGateway } from "../support/clocked";
import { clockedRelays } from "../support/clocked-relays";
import { origin, setMode } from "../support/farm";
import { adminCall, makeKey } from "../support/keys";

describe("a circuit opened in one location", () => {
  it("is seen open by an isolate in another location, behind another relay, within 2 s", async () => {
    const failing = await origin("rep-1");
    const healthy = await origin("rep-2");
    const config = {
      debugHeaders: true,
      pools: {
        p: {
          strategy: "round-robin",
          backends: [failing, healthy],
          healthCheck: { enabled: false },
          circuitBreaker: { consecutiveFailures: 3, openSeconds: 60 },
        },
      },
      routes: [{ path: "/*", pool: "p" }],
    };
    // Isolate A: the app, in the placeholder location (its relay is an enam one).
    const a = clockedGateway(config);
    // Isolate B: in Frankfurt (relay weur), with its own location copies (another hostname).
    const parsed = parseGateway(config);
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    const backend = parsed.config.backends.get("rep-1");
    if (!backend) throw new Error("no backend");
    const stateB = new IsolateState();
    const b = new Replication(a.clock, stateB);
    const background: Promise<unknown>[] = [];
    const linksB = {
      location: cacheApiLocation("https://fra.gw.example"),
      relay: relayLink(clockedRelays(a.clock), { continent: "EU", colo: "FRA" }),
      waitUntil: (p: Promise<unknown>) => background.push(p),
    };
    const requestB = async () => {
      await b.prepare([backend], linksB);
      await Promise.all(background.splice(0));
    };

    // Both locations use the backend; B's relay has asked its object about it.
    await a.call("/warm");
    await requestB();
    expect(stateB.view(backend, a.clock.now()).circuit).toBe("closed");

    // The backend fails; A's requests open its local circuit (clients see no error: retried).
    await setMode("rep-1", "status:503");
    for (let i = 0; i < 8; i++) expect((await a.call(`/fail${i}`)).status).toBe(200);
    await setMode("rep-1", "ok");
    const opened = a.clock.now();

    // B keeps serving requests (none to the failing backend); how long until it knows?
    let seenAfter: number | undefined;
    for (let ms = 0; ms <= 3000 && seenAfter === undefined; ms += 100) {
      a.advance(100);
      await requestB();
      if (stateB.view(backend, a.clock.now()).circuit === "open") seenAfter = a.clock.now() - opened;
    }
    expect(seenAfter).toBeDefined();
    expect(seenAfter).toBeLessThanOrEqual(2000);
  });
});

describe("a key revoked by an operator", () => {
  it("is refused by an isolate in another location, behind another relay, within 2 s", async () => {
    const backend = await origin("rev-1");
    const config = {
      pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
      routes: [{ path: "/api/*", pool: "p", auth: {} }],
    };
    const a = clockedGateway(config);
    // Isolate B, in Frankfurt: its own state, replica and location copies, on A's clock.
    const stateB = new IsolateState();
    const b = createApp(replicatedDeps(a.clock, stateB, new Replication(a.clock, stateB)));
    const envB = { ...env, RELAY: clockedRelays(a.clock), GATEWAY: config };
    const callB = async (key: string) => {
      const ctx = createExecutionContext();
      const res = await b.fetch(
        new Request("https://fra.gw.example/api/x", {
          headers: { authorization: `Bearer ${key}`, "cf-connecting-ip": "192.0.2.44" },
          cf: { continent: "EU", colo: "FRA", country: "DE" },
        } as RequestInit),
        envB,
        ctx,
      );
      await res.text();
      await waitOnExecutionContext(ctx);
      return res.status;
    };

    const made = await makeKey(a.call, { consumer: "leaver" });
    expect((await a.call("/api/x", { headers: { authorization: `Bearer ${made.key}` } })).status).toBe(200);
    expect(await callB(made.key)).toBe(200);

    expect((await adminCall(a.call, "DELETE", `/__aya/keys/${made.id}`)).status).toBe(200);
    const revoked = a.clock.now();
    let refusedAfter: number | undefined;
    for (let ms = 0; ms <= 3000 && refusedAfter === undefined; ms += 100) {
      if ((await callB(made.key)) === 401) refusedAfter = a.clock.now() - revoked;
      a.advance(100);
    }
    expect(refusedAfter).toBeDefined();
    expect(refusedAfter).toBeLessThanOrEqual(2000);
  });
});
