// A runtime change reaches an isolate in another location, behind another relay, within 2 s,
// through the real objects (the ConfigOverlay object, relays, the Cache API), on one test clock:
// the drained backend gets no more of that isolate's requests.
import { describe, expect, it } from "vitest";
import { origin } from "../support/farm";
import { operatedGateway } from "../support/operated";

describe("a runtime change made in one location", () => {
  it("is applied by an isolate in another location within 2 s", async () => {
    const backends = [await origin("prop-1"), await origin("prop-2")];
    const config = {
      debugHeaders: true,
      pools: { p: { strategy: "round-robin", healthCheck: { enabled: false }, backends } },
      routes: [{ path: "/*", pool: "p" }],
    };
    // Isolate A (the operator's request lands here); isolate B in Frankfurt, its relay a weur one.
    const a = await operatedGateway(config, "propagation");
    const b = a.isolate({ host: "fra.gw.example", cf: { continent: "EU", colo: "FRA", country: "DE" } });
    // Both serve traffic: B has its overlay record, and its relay asked the overlay object.
    await a.call("/warm");
    const warm = new Set<string | null>();
    for (let i = 0; i < 4; i++) warm.add((await b.call(`/warm${i}`)).backend);
    expect(warm).toEqual(new Set(["prop-1", "prop-2"]));

    expect((await a.admin("POST", "/pools/p/backends/prop-1/drain")).json).toMatchObject({ version: 1 });
    const changed = a.clock.now();

    // B keeps serving, a request every 100 ms: when does it stop sending any to prop-1?
    let lastOld = 0;
    for (let ms = 100; ms <= 3000; ms += 100) {
      a.advance(100);
      const res = await b.call(`/r${ms}`);
      expect(res.status).toBe(200);
      if (res.backend === "prop-1") lastOld = a.clock.now() - changed;
    }
    expect(b.deps?.overlay.overlay()?.version).toBe(1);
    expect(lastOld).toBeLessThanOrEqual(2000);
    console.log(
      `propagation to another location: last request to the drained backend ${lastOld} ms after the change`,
    );
  });
});
