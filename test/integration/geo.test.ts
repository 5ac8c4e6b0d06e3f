// Geography: the client's country, continent, colo or position picks the pool; a pool that is
// down hands its traffic to the next nearest one without the client noticing.
import { beforeAll, describe, expect, it } from "vitest";
import { origin, start, stop } from "../support/farm";
import { gatewayFor, json } from "../support/gateway";

let call: ReturnType<typeof gatewayFor>;

beforeAll(async () => {
  const eu = [await origin("geo-eu-1", "eu"), await origin("geo-eu-2", "eu")];
  const us = [await origin("geo-us-1", "us")];
  const ap = [await origin("geo-ap-1", "ap")];
  call = gatewayFor({
    debugHeaders: true,
    dev: { trustGeoHeaders: true },
    pools: {
      eu: { location: { lat: 50.11, lon: 8.68 }, strategy: "round-robin", backends: eu },
      us: { location: { lat: 39.04, lon: -77.49 }, backends: us },
      ap: { location: { lat: 35.68, lon: 139.69 }, backends: ap },
    },
    routes: [
      {
        path: "/api/*",
        geo: {
          countries: { DE: "eu" },
          continents: { NA: "us" },
          colos: { SIN: "ap" },
          proximity: true,
          default: "us",
        },
        rewrite: { stripPrefix: "/api" },
      },
    ],
  });
});

describe("geo steering", () => {
  it("sends a client in Germany to eu", async () => {
    const res = await call("/api/hello", {
      cf: { country: "DE", continent: "EU", latitude: "52.5", longitude: "13.4" },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.region).toBe("eu");
    expect(body.path).toBe("/hello");
    expect(res.headers.get("x-aya-pool")).toBe("eu");
  });

  it("sends a client in Japan to ap by proximity", async () => {
    const res = await call("/api/x", {
      cf: { country: "JP", continent: "AS", latitude: "35.0", longitude: "135.0" },
    });
    expect((await json(res)).region).toBe("ap");
  });

  it("uses the continent when the country has no pool", async () => {
    const res = await call("/api/x", { cf: { country: "CA", continent: "NA" } });
    expect((await json(res)).region).toBe("us");
  });

  it("sends a client from nowhere to the default pool", async () => {
    const res = await call("/api/x");
    expect((await json(res)).region).toBe("us");
  });

  it("honours the colo map before the country", async () => {
    const res = await call("/api/x", { cf: { country: "DE", colo: "SIN" } });
    expect((await json(res)).region).toBe("ap");
  });

  it("trusts x-aya-geo-* headers when dev.trustGeoHeaders is on", async () => {
    const res = await call("/api/x", { headers: { "x-aya-geo-country": "DE" } });
    expect((await json(res)).region).toBe("eu");
  });

  it("moves a German client to the next nearest pool when eu is down, without an error", async () => {
    await stop("geo-eu-1");
    await stop("geo-eu-2");
    try {
      for (let i = 0; i < 4; i++) {
        const res = await call("/api/x", {
          cf: { country: "DE", continent: "EU", latitude: "52.5", longitude: "13.4" },
        });
        expect(res.status).toBe(200);
        // From Berlin the next nearest pool after Frankfurt is Virginia, not Tokyo.
        expect((await json(res)).region).toBe("us");
      }
    } finally {
      await start("geo-eu-1");
      await start("geo-eu-2");
    }
  });
});

describe("geo headers are ignored unless trusted", () => {
  it("does not let a client pick its country by header in production", async () => {
    const eu = await origin("geo2-eu", "eu");
    const us = await origin("geo2-us", "us");
    const prod = gatewayFor({
      pools: { eu: { backends: [eu] }, us: { backends: [us] } },
      routes: [{ path: "/*", geo: { countries: { DE: "eu" }, default: "us" } }],
    });
    const res = await prod("/x", { headers: { "x-aya-geo-country": "DE" } });
    expect((await json(res)).region).toBe("us");
  });
});

// wrangler dev has no real location offline: every request carries this placeholder `cf`
// (miniflare's fallback: Austin, Texas, colo DFW). The x-aya-geo-* headers must replace it whole.
const WRANGLER_PLACEHOLDER_CF = {
  country: "US",
  continent: "NA",
  colo: "DFW",
  city: "Austin",
  latitude: "30.27130",
  longitude: "-97.74260",
};

describe("x-aya-geo-* headers behind wrangler dev's placeholder location", () => {
  let demo: ReturnType<typeof gatewayFor>;

  beforeAll(async () => {
    const eu = await origin("geo3-eu", "eu");
    const us = await origin("geo3-us", "us");
    const ap = await origin("geo3-ap", "ap");
    demo = gatewayFor({
      debugHeaders: true,
      dev: { trustGeoHeaders: true },
      pools: {
        eu: { location: { lat: 50.11, lon: 8.68 }, backends: [eu] },
        us: { location: { lat: 39.04, lon: -77.49 }, backends: [us] },
        ap: { location: { lat: 1.35, lon: 103.82 }, backends: [ap] },
      },
      routes: [
        {
          path: "/api/*",
          geo: {
            countries: { DE: "eu" },
            continents: { EU: "eu", NA: "us", AS: "ap", OC: "ap" },
            colos: { DFW: "us" },
            proximity: true,
            default: "us",
          },
        },
      ],
    });
  });

  const poolFor = async (headers: Record<string, string>) =>
    (await demo("/api/hello", { headers, cf: WRANGLER_PLACEHOLDER_CF })).headers.get("x-aya-pool");

  it("sends a client in Sydney, given by latitude and longitude, to the nearest pool", async () => {
    expect(await poolFor({ "x-aya-geo-lat": "-33.9", "x-aya-geo-lon": "151.2" })).toBe("ap");
  });

  it("gives a country without a continent its own continent", async () => {
    expect(await poolFor({ "x-aya-geo-country": "AU" })).toBe("ap");
    expect(await poolFor({ "x-aya-geo-country": "FR" })).toBe("eu");
  });

  it("lets an explicit continent header stand", async () => {
    expect(await poolFor({ "x-aya-geo-country": "FR", "x-aya-geo-continent": "AS" })).toBe("ap");
  });

  it("keeps the placeholder when no geo header is sent", async () => {
    expect(await poolFor({})).toBe("us");
  });
});
