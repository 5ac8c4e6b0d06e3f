// CORS and access rules through the Worker (CONTRACT §7): preflights answered at the edge without
// a backend call, CORS headers on every answer of the route for allowed origins only (errors
// included, Vary: Origin always), and IP (IPv4 and IPv6 CIDR) and country rules decided before
// anything else, deny before allow.
import { describe, expect, it } from "vitest";
import { clockedGateway } from "../support/clocked";
import { info, origin } from "../support/farm";

async function setup(prefix: string, route: Record<string, unknown>) {
  const backend = await origin(`${prefix}-1`);
  const gw = clockedGateway({
    pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
    routes: [{ path: "/api/*", pool: "p", ...route }],
  });
  return { gw, hits: async () => (await info(`${prefix}-1`)).hits };
}

const cors = {
  origins: ["https://app.example.com", "https://*.preview.example.com"],
  methods: ["GET", "POST"],
  headers: ["content-type", "authorization"],
  exposeHeaders: ["x-request-id"],
  credentials: true,
  maxAgeSeconds: 600,
};

describe("cors", () => {
  it("answers a preflight at the edge, 204, without calling the backend", async () => {
    const { gw, hits } = await setup("cors-pre", { cors });
    const before = await hits();
    const res = await gw.call("/api/things", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type, authorization");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toMatch(/Origin/);
    expect(await hits()).toBe(before);
  });

  it("grants nothing to an origin that is not allowed", async () => {
    const { gw } = await setup("cors-deny", { cors });
    const pre = await gw.call("/api/x", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const actual = await gw.call("/api/x", { headers: { origin: "https://evil.example" } });
    expect(actual.status).toBe(200);
    expect(actual.headers.get("access-control-allow-origin")).toBeNull();
    expect(actual.headers.get("vary")).toMatch(/Origin/);
  });

  it("adds the grant to actual answers, subdomain patterns included, errors too", async () => {
    const { gw } = await setup("cors-actual", { cors, auth: {} });
    const origin = "https://pr-7.preview.example.com";
    const res = await gw.call("/api/x", { headers: { origin } });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("access-control-expose-headers")).toBe("x-request-id");
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });
});

describe("access", () => {
  it("denies an address in ipDeny before any key is asked for, IPv4 and IPv6", async () => {
    const { gw, hits } = await setup("acc-deny", {
      access: { ipDeny: ["203.0.113.0/24", "2001:db8:bad::/48"] },
      auth: {},
    });
    const before = await hits();
    for (const ip of ["203.0.113.99", "2001:db8:bad:1::5", "::ffff:203.0.113.1"]) {
      const res = await gw.call("/api/x", { headers: { "cf-connecting-ip": ip } });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe("forbidden");
    }
    expect(await hits()).toBe(before);
  });

  it("lets only allowed ranges in when ipAllow is set, and deny wins over allow", async () => {
    const { gw } = await setup("acc-allow", {
      access: { ipAllow: ["10.0.0.0/8", "2001:db8::/32"], ipDeny: ["10.66.0.0/16"] },
    });
    expect((await gw.call("/api/x", { headers: { "cf-connecting-ip": "10.1.2.3" } })).status).toBe(200);
    expect((await gw.call("/api/x", { headers: { "cf-connecting-ip": "2001:db8:1::1" } })).status).toBe(200);
    expect((await gw.call("/api/x", { headers: { "cf-connecting-ip": "192.0.2.1" } })).status).toBe(403);
    expect((await gw.call("/api/x", { headers: { "cf-connecting-ip": "10.66.1.1" } })).status).toBe(403);
    // A client's x-forwarded-for is never what is checked.
    expect(
      (
        await gw.call("/api/x", {
          headers: { "cf-connecting-ip": "192.0.2.1", "x-forwarded-for": "10.1.2.3" },
        })
      ).status,
    ).toBe(403);
  });

  it("checks countries on the request's cf, deny before allow", async () => {
    const { gw } = await setup("acc-country", {
      access: { countryAllow: ["DE", "FR"], countryDeny: ["FR"] },
    });
    const from = (country: string) =>
      gw.call("/api/x", { cf: { country } } as unknown as RequestInit).then((r) => r.status);
    expect(await from("DE")).toBe(200);
    expect(await from("FR")).toBe(403);
    expect(await from("US")).toBe(403);
  });
});
