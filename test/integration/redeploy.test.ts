// Runtime changes outlive a redeploy: each still applies while it fits the new deployed config;
// one that no longer fits (its pool is gone) is reported in status and GET /__aya/config, not
// applied, and the others still are. Reverting it (or a deploy that brings the pool back) ends
// the report.
import { describe, expect, it } from "vitest";
import { origin } from "../support/farm";
import { operatedGateway } from "../support/operated";

const pool = async (...ids: string[]) => ({
  strategy: "round-robin",
  healthCheck: { enabled: false },
  backends: await Promise.all(ids.map((id) => origin(id))),
});

describe("a redeploy", () => {
  it("reports a change whose pool the new deploy removed, and applies the rest", async () => {
    const eu = await pool("rd-eu-1", "rd-eu-2");
    const canary = { ...(await pool("rd-c-1")), slowStartSeconds: 0 };
    const extra = await origin("rd-c-2");
    const v1 = {
      debugHeaders: true,
      pools: { eu, canary },
      routes: [
        { path: "/canary/*", pool: "canary" },
        { path: "/*", pool: "eu" },
      ],
    };
    const before = await operatedGateway(v1, "redeploy");
    expect((await before.admin("PUT", "/pools/canary/backends/rd-c-2", { url: extra.url })).status).toBe(200);
    expect((await before.admin("POST", "/pools/eu/backends/rd-eu-1/drain")).status).toBe(200);

    // The new deploy has no canary pool (nor its route).
    const v2 = { debugHeaders: true, pools: { eu }, routes: [{ path: "/*", pool: "eu" }] };
    const after = await operatedGateway(v2, "redeploy");
    const status = await after.admin("GET", "/status");
    expect(status.json.overlay).toEqual({
      version: 2,
      applied: 1,
      notApplied: [
        { change: "pools/canary/backends/rd-c-2", problems: ['pools: unknown pool "canary" (pools: eu)'] },
      ],
    });
    // The drain still applies.
    for (let i = 0; i < 4; i++) expect((await after.call(`/x${i}`)).backend).toBe("rd-eu-2");
    const pools = status.json.pools as { name: string; backends: { id: string; state: string }[] }[];
    expect(pools.map((p) => p.name)).toEqual(["eu"]);
    expect(pools[0]?.backends.map((b) => [b.id, b.state])).toEqual([
      ["rd-eu-1", "draining"],
      ["rd-eu-2", "active"],
    ]);
    const effective = await after.admin("GET", "/config");
    expect(effective.json.changes).toEqual([
      expect.objectContaining({ change: "pools/canary/backends/rd-c-2", applied: false }),
      expect.objectContaining({ change: "pools/eu/backends/rd-eu-1", applied: true }),
    ]);

    // A deploy that brings the pool back applies the change again: it outlived both deploys.
    const v3 = await operatedGateway(v1, "redeploy");
    expect((await v3.admin("GET", "/status")).json.overlay).toMatchObject({ applied: 2, notApplied: [] });
    const served = new Set<string | null>();
    for (let i = 0; i < 4; i++) served.add((await v3.call(`/canary/x${i}`)).backend);
    expect(served).toEqual(new Set(["rd-c-1", "rd-c-2"]));

    // Removed, it is reported no more.
    const revert = await after.admin("DELETE", "/changes/pools/canary/backends/rd-c-2");
    expect(revert.json).toMatchObject({ changed: true, version: 3 });
    expect((await after.admin("GET", "/status")).json.overlay).toEqual({
      version: 3,
      applied: 1,
      notApplied: [],
    });
  });
});
