// The cron trigger probes the effective config's backends: one added at run time is probed like
// a deployed one, and one removed at run time is not.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseGateway } from "../../src/config/normalize";
import { runHealthChecks } from "../../src/health/cron";
import { effectiveForCron } from "../../src/overlay/cron";
import { origin } from "../support/farm";
import { operatedGateway } from "../support/operated";

describe("cron with runtime changes", () => {
  it("probes a backend added at run time, and not one removed", async () => {
    const kept = await origin("cron-ov-1");
    const removed = await origin("cron-ov-2");
    const added = await origin("cron-ov-3");
    const config = {
      pools: { p: { backends: [kept, removed], healthCheck: { path: "/healthz" } } },
      routes: [{ path: "/*", pool: "p" }],
    };
    const gw = await operatedGateway(config, "cron-overlay");
    expect((await gw.admin("PUT", "/pools/p/backends/cron-ov-3", { url: added.url })).status).toBe(200);
    expect((await gw.admin("DELETE", "/pools/p/backends/cron-ov-2")).status).toBe(200);

    const deployed = parseGateway(config);
    if (!deployed.ok) throw new Error(deployed.errors.join("; "));
    const gateway = await effectiveForCron(deployed, config, env.OVERLAY, "cron-overlay");
    expect([...gateway.backends.keys()]).toEqual(["cron-ov-1", "cron-ov-3"]);
    const probed = await runHealthChecks(gateway, env.BACKEND_STATE);
    expect(probed).toEqual({ ticked: 2, failed: 0 });
    const status = await env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName("cron-ov-3")).status();
    expect(status.lastProbe).toMatchObject({ ok: true });
  });
});
