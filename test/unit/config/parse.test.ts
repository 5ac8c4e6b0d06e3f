// The GATEWAY config: defaults filled in once, every problem reported with its path.
import { describe, expect, it } from "vitest";
import { parseGateway } from "../../../src/config/normalize";

const ok = (raw: unknown) => {
  const r = parseGateway(raw);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
};
const errors = (raw: unknown) => {
  const r = parseGateway(raw);
  if (r.ok) throw new Error("expected invalid config");
  return r.errors;
};

describe("config", () => {
  it("fills every default from the contract", () => {
    const c = ok({
      pools: { eu: { backends: [{ id: "a", url: "https://a.example/" }] } },
      routes: [{ path: "/*", pool: "eu" }],
    });
    const pool = c.pools.get("eu");
    expect(pool).toMatchObject({
      strategy: "least-response-time",
      fallback: [],
      timeoutMs: 30000,
      panic: "serve",
      retry: { retries: 1, onStatus: [502, 503, 504], retryNonIdempotent: false, budgetPercent: 20 },
      healthCheck: {
        enabled: true,
        type: "http",
        path: "/",
        method: "GET",
        timeoutMs: 5000,
        intervalSeconds: 60,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
        expectedStatus: [],
      },
      circuitBreaker: {
        consecutiveFailures: 5,
        failureRate: 0.5,
        windowSeconds: 30,
        minRequests: 20,
        openSeconds: 30,
        maxOpenSeconds: 300,
        halfOpenRequests: 1,
      },
    });
    expect(pool?.backends[0]).toMatchObject({ id: "a", url: "https://a.example", weight: 1 });
    expect(c.limits.maxBodyBytes).toBe(104857600);
    expect(c.debugHeaders).toBe(false);
    expect(c.trustGeoHeaders).toBe(false);
  });

  it("accepts the same config as a JSON string", () => {
    const c = ok(JSON.stringify({ routes: [{ path: "/x", respond: { body: "hi" } }] }));
    expect(c.routes[0]?.target).toEqual({
      kind: "respond",
      answer: { status: 200, body: "hi", contentType: "text/plain; charset=utf-8" },
    });
  });

  it("names every bad field by its path", () => {
    const e = errors({
      pools: {
        eu: {
          backends: [
            { id: "a", url: "https://a.example" },
            { id: "b", url: "not a url" },
          ],
          strategy: "fastest",
        },
      },
      routes: [{ path: "/*", pool: "eu", cache: { ttlSeconds: -1 } }],
    });
    expect(e).toContain("pools.eu.backends[1].url: invalid URL");
    expect(e.some((m) => m.startsWith("pools.eu.strategy:"))).toBe(true);
    expect(e.some((m) => m.startsWith('routes[0] "/*".cache.ttlSeconds:'))).toBe(true);
  });

  it("reports unknown pools, duplicate ids and targets that are not exactly one", () => {
    const e = errors({
      pools: {
        eu: { backends: [{ id: "a", url: "https://a.example" }], fallback: ["mars"] },
        us: { backends: [{ id: "a", url: "https://b.example" }] },
      },
      routes: [
        { path: "/a/*", pool: "nope" },
        { path: "/b/*", pool: "eu", pools: ["us"] },
        { path: "/c/*" },
        { path: "/d/*", geo: { countries: { DE: "eu" } } },
      ],
    });
    expect(e).toContain('pools.eu.fallback[0]: unknown pool "mars" (pools: eu, us)');
    expect(e).toContain('pools.us.backends[0].id: duplicate id "a"; ids must be unique across the config');
    expect(e).toContain('routes[0] "/a/*".pool: unknown pool "nope" (pools: eu, us)');
    expect(e.some((m) => m.startsWith('routes[1] "/b/*": needs exactly one target'))).toBe(true);
    expect(e.some((m) => m.startsWith('routes[2] "/c/*": needs exactly one target'))).toBe(true);
    expect(e.some((m) => m.startsWith('routes[3] "/d/*".geo.default: required'))).toBe(true);
  });

  it("rejects credentials in URLs, unknown fields and a health interval under 10 s", () => {
    const e = errors({
      pools: {
        eu: {
          backends: [{ id: "a", url: "https://user:pw@a.example" }],
          healthCheck: { intervalSeconds: 5 },
          colour: "red",
        },
      },
    });
    expect(e.some((m) => m.startsWith("pools.eu.backends[0].url: credentials"))).toBe(true);
    expect(e.some((m) => m.startsWith("pools.eu.healthCheck.intervalSeconds:"))).toBe(true);
    expect(e.some((m) => m.startsWith("pools.eu") && m.includes("colour"))).toBe(true);
  });

  it("explains a missing or unparsable GATEWAY", () => {
    expect(errors(undefined)[0]).toMatch(/^GATEWAY: missing/);
    expect(errors("{oops")[0]).toMatch(/^GATEWAY: not valid JSON/);
  });
});

describe("config problems, all in one round", () => {
  const typoAndUnknownPool = {
    pools: {
      eu: { backends: [{ id: "a", url: "https://a.example" }], stratgy: "random" },
      us: { backends: [{ id: "b", url: "https://b.example" }] },
    },
    routes: [
      { path: "/hello", respond: { body: "hi" } },
      { path: "/api/*", pool: "eu2" },
    ],
  };

  it("reports cross-references together with schema problems", () => {
    const e = errors(typoAndUnknownPool);
    expect(e).toContain('pools.eu.stratgy: unknown field (did you mean "strategy"?)');
    expect(e).toContain('routes[1] "/api/*".pool: unknown pool "eu2" (did you mean "eu"?)');
  });

  it("names a route by its path as well as its index, in schema problems too", () => {
    const e = errors({
      pools: { eu: { backends: [{ id: "a", url: "https://a.example" }] } },
      routes: [{ path: "/api/*", pool: "eu", cache: { ttlSeconds: -1 } }],
    });
    expect(e.some((m) => m.startsWith('routes[0] "/api/*".cache.ttlSeconds:'))).toBe(true);
  });

  it("suggests the nearest strategy, provider and enum value, and lists the valid ones", () => {
    const e = errors({
      pools: {
        eu: {
          backends: [{ id: "a", url: "https://a.example" }],
          strategy: "round-robbin",
          healthCheck: { type: "tpc" },
        },
      },
      providers: { openai: { type: "openai", apiKeySecret: "OPENAI_API_KEY" } },
      models: { chat: { targets: [{ provider: "opena1", model: "gpt-4o-mini" }] } },
      routes: [{ path: "/old/*", redirect: { to: "/new/", status: 305 } }],
    });
    const strategy = e.find((m) => m.startsWith("pools.eu.strategy:"));
    expect(strategy).toContain('unknown value "round-robbin" (did you mean "round-robin"?)');
    expect(strategy).toContain("least-connections");
    expect(e.find((m) => m.startsWith("pools.eu.healthCheck.type:"))).toContain('(did you mean "tcp"?)');
    expect(e).toContain(
      'models.chat.targets[0].provider: unknown provider "opena1" (did you mean "openai"?)',
    );
    expect(e.find((m) => m.startsWith('routes[0] "/old/*".redirect.status:'))).toMatch(
      /301.*302.*303.*307.*308/,
    );
  });

  it("lists the known names when nothing is close", () => {
    const e = errors({
      pools: { eu: { backends: [{ id: "a", url: "https://a.example" }], fallback: ["mars"] } },
      routes: [{ path: "/*", pool: "eu" }],
    });
    expect(e).toContain('pools.eu.fallback[0]: unknown pool "mars" (pools: eu)');
  });

  it("says a required field is required", () => {
    expect(errors({ pools: { eu: {} } })).toContain("pools.eu.backends: required");
  });
});

describe("plans", () => {
  it("names the models a plan lists that the config does not have, with the valid ones", () => {
    const errs = errors({
      providers: { oa: { type: "openai", apiKeySecret: "K" } },
      models: { chat: { targets: [{ provider: "oa", model: "gpt-4o-mini" }] } },
      plans: { free: { models: ["chat", "caht", "oa/*", "anthropic/*"] } },
      routes: [{ path: "/v1/*", ai: true }],
    });
    expect(errs.join("\n")).toMatch(
      /plans\.free\.models\[1\].*unknown model "caht" \(did you mean "chat"\?\)/,
    );
    expect(errs.join("\n")).toMatch(/plans\.free\.models\[3\].*unknown provider "anthropic"/);
    expect(errs).toHaveLength(2);
  });
});
