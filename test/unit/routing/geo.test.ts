// Geo steering as a pure function: precedence and failover order.
import { describe, expect, it } from "vitest";
import { parseGateway } from "../../../src/config/normalize";
import type { ClientInfo } from "../../../src/routing/client";
import { distanceKm } from "../../../src/routing/distance";
import { geoPools } from "../../../src/routing/geo";

const parsed = parseGateway({
  pools: {
    eu: {
      location: { lat: 50.11, lon: 8.68 },
      fallback: ["backup"],
      backends: [{ id: "e", url: "https://e.example" }],
    },
    us: { location: { lat: 39.04, lon: -77.49 }, backends: [{ id: "u", url: "https://u.example" }] },
    ap: { location: { lat: 1.35, lon: 103.82 }, backends: [{ id: "a", url: "https://a.example" }] },
    backup: { backends: [{ id: "b", url: "https://b.example" }] },
  },
});
if (!parsed.ok) throw new Error(parsed.errors.join());
const pools = parsed.config.pools;
const geo = {
  countries: { DE: "eu" },
  continents: { NA: "us" } as Record<string, string>,
  colos: { NRT: "ap" },
  proximity: true,
  default: "us",
};
const client = (c: Partial<ClientInfo>): ClientInfo => ({ ip: "", ...c });

describe("geoPools", () => {
  it("puts colo before country before continent before proximity before default", () => {
    expect(geoPools(geo, client({ colo: "NRT", country: "DE" }), pools)[0]).toBe("ap");
    expect(geoPools(geo, client({ country: "DE", continent: "NA" }), pools)[0]).toBe("eu");
    expect(geoPools(geo, client({ country: "MX", continent: "NA", lat: 1, lon: 103 }), pools)[0]).toBe("us");
    expect(geoPools(geo, client({ lat: -33.9, lon: 151.2 }), pools)[0]).toBe("ap");
    expect(geoPools(geo, client({}), pools)[0]).toBe("us");
  });

  it("orders failover: next nearest by location, then fallback, then default", () => {
    expect(geoPools(geo, client({ country: "DE", lat: 52.5, lon: 13.4 }), pools)).toEqual([
      "eu",
      "us",
      "ap",
      "backup",
    ]);
    expect(geoPools(geo, client({ lat: 35.7, lon: 139.7 }), pools)).toEqual(["ap", "eu", "us"]);
  });

  it("measures great-circle distance", () => {
    // Frankfurt to New York is about 6,200 km.
    expect(distanceKm({ lat: 50.11, lon: 8.68 }, { lat: 40.71, lon: -74.0 })).toBeGreaterThan(6100);
    expect(distanceKm({ lat: 50.11, lon: 8.68 }, { lat: 40.71, lon: -74.0 })).toBeLessThan(6300);
    expect(distanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 0 })).toBe(0);
  });
});
