// The overlay on a redeployed config: a change that no longer fits is set aside with the
// problems the parser found, and the rest still applies.
import { describe, expect, it } from "vitest";
import { parseGateway } from "../../../src/config/normalize";
import { applyOverlay } from "../../../src/overlay/apply";
import { applyChange } from "../../../src/overlay/change";
import { type ChangeRequest, emptyOverlay, type Overlay } from "../../../src/overlay/types";

const v1 = {
  pools: {
    eu: { backends: [{ id: "eu-1", url: "https://eu1.example" }] },
    canary: { backends: [{ id: "c-1", url: "https://c1.example" }] },
  },
  routes: [{ path: "/*", pool: "eu" }],
};

function overlayOf(...ops: ChangeRequest[]): Overlay {
  let overlay = emptyOverlay();
  for (const op of ops) {
    const result = applyChange(overlay, op, v1, 1_000 + overlay.version);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    if (result.changed) overlay = result.overlay;
  }
  return overlay;
}

const apply = (raw: unknown, overlay: Overlay) => applyOverlay(parseGateway(raw), raw, overlay);

describe("the overlay on a redeployed config", () => {
  const overlay = overlayOf(
    { op: "put-backend", pool: "canary", id: "c-2", body: { url: "https://c2.example" }, endpoint: "t" },
    { op: "drain", pool: "eu", id: "eu-1", endpoint: "t" },
    { op: "put-backend", pool: "eu", id: "eu-2", body: { url: "https://eu2.example" }, endpoint: "t" },
  );

  it("applies every change while they fit", () => {
    const applied = apply(v1, overlay);
    expect(applied.notApplied).toEqual([]);
    expect(applied.applied).toHaveLength(3);
    const config = applied.result.ok ? applied.result.config : undefined;
    expect(config?.pools.get("canary")?.backends.map((b) => b.id)).toEqual(["c-1", "c-2"]);
    expect(config?.backends.get("eu-1")?.rotation).toEqual({ state: "draining", since: 1_001 });
  });

  it("sets aside a change whose pool the new deploy removed, and applies the rest", () => {
    const v2 = { ...v1, pools: { eu: v1.pools.eu } };
    const applied = apply(v2, overlay);
    expect(applied.notApplied).toEqual([
      { change: "pools/canary/backends/c-2", problems: ['pools: unknown pool "canary" (pools: eu)'] },
    ]);
    const config = applied.result.ok ? applied.result.config : undefined;
    expect(config?.pools.get("eu")?.backends.map((b) => b.id)).toEqual(["eu-1", "eu-2"]);
    expect(config?.backends.get("eu-1")?.rotation?.state).toBe("draining");
  });

  it("sets aside a change that clashes with the new deploy (a backend id it now uses), with the parser's problem", () => {
    const v3 = {
      ...v1,
      pools: { ...v1.pools, us: { backends: [{ id: "eu-2", url: "https://us.example" }] } },
    };
    const applied = apply(v3, overlay);
    expect(applied.notApplied).toEqual([
      { change: "pools/eu/backends/eu-2", problems: [expect.stringContaining('duplicate id "eu-2"')] },
    ]);
    expect(applied.applied).toEqual(["pools/canary/backends/c-2", "pools/eu/backends/eu-1"]);
  });

  it("reports a drain of a backend the new deploy removed", () => {
    const v4 = {
      ...v1,
      pools: { ...v1.pools, eu: { backends: [{ id: "eu-9", url: "https://eu9.example" }] } },
    };
    const applied = apply(v4, overlay);
    expect(applied.notApplied.map((n) => n.change)).toEqual(["pools/eu/backends/eu-1"]);
    expect(applied.notApplied[0]?.problems).toEqual([
      'pools.eu.backends: unknown backend "eu-1" (did you mean "eu-9"?)',
    ]);
  });

  it("reads a deployed config given as a JSON string, and leaves the deployed backends untouched", () => {
    const deployed = parseGateway(JSON.stringify(v1));
    const applied = applyOverlay(deployed, JSON.stringify(v1), overlay);
    expect(applied.notApplied).toEqual([]);
    expect(deployed.ok && deployed.config.backends.get("eu-1")?.rotation).toBeUndefined();
  });

  it("changes nothing of an invalid deploy (it answers 500 whatever the overlay says)", () => {
    const broken = parseGateway({ pools: {}, routes: [{ path: "/*", pool: "nope" }] });
    const applied = applyOverlay(broken, {}, overlay);
    expect(applied.result).toBe(broken);
    expect(applied.notApplied).toEqual([]);
  });
});
