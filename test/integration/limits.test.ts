// Limits on HTTP routes through the Worker (CONTRACT §8): a route's rateLimit by client IP, by
// header and by consumer (anonymous traffic included), a consumer's plan requests and
// concurrency; 429 with Retry-After and the x-ratelimit-* headers, the backend never called for a
// refused request, windows that roll over, and what a lease held by a vanished isolate costs.
import { describe, expect, it } from "vitest";
import { clockedGateway } from "../support/clocked";
import { unreachableLimits } from "../support/clocked-limits";
import { info, origin, release } from "../support/farm";
import { issuerUrl, signToken } from "../support/issuer";
import { makeKey } from "../support/keys";

async function setup(prefix: string, route: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const backend = await origin(`${prefix}-1`);
  const gw = clockedGateway({
    pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
    routes: [{ path: "/api/*", pool: "p", ...route }],
    ...extra,
  });
  return { gw, hits: async () => (await info(`${prefix}-1`)).hits };
}

const from = (ip: string, headers: Record<string, string> = {}) => ({
  headers: { "cf-connecting-ip": ip, ...headers },
});
/** To the start of the next window of `seconds` (windows are aligned to the clock). */
const nextWindow = (gw: ReturnType<typeof clockedGateway>, seconds: number) =>
  gw.advance(seconds * 1000 - (gw.clock.now() % (seconds * 1000)) + 1);

describe("a route's rateLimit", () => {
  it("admits `limit` requests per window per client IP, then 429 with Retry-After, without calling the backend", async () => {
    const { gw, hits } = await setup("rl-ip", { rateLimit: { limit: 3, windowSeconds: 60 } });
    nextWindow(gw, 60);
    const before = await hits();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await gw.call(`/api/${i}`, from("192.0.2.1")));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get("x-ratelimit-remaining-requests"))).toEqual(["2", "1", "0", "0"]);
    expect(answers[0]?.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(answers[0]?.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+m\d+s$|^\d+s$/);
    const refused = answers[3];
    expect(JSON.parse(refused?.body ?? "{}").error.code).toBe("rate_limited");
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused?.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await hits()).toBe(before + 3);
    // Another address has its own limit; the next window starts whole.
    expect((await gw.call("/api/x", from("192.0.2.2"))).status).toBe(200);
    nextWindow(gw, 60);
    expect((await gw.call("/api/y", from("192.0.2.1"))).status).toBe(200);
  });

  it("limits by a header's value, and by consumer (its IP when anonymous)", async () => {
    const byHeader = await setup("rl-hdr", {
      rateLimit: { limit: 1, windowSeconds: 60, by: "header:x-tenant" },
    });
    nextWindow(byHeader.gw, 60);
    expect((await byHeader.gw.call("/api/a", from("192.0.2.5", { "x-tenant": "t1" }))).status).toBe(200);
    expect((await byHeader.gw.call("/api/a", from("192.0.2.6", { "x-tenant": "t1" }))).status).toBe(429);
    expect((await byHeader.gw.call("/api/a", from("192.0.2.5", { "x-tenant": "t2" }))).status).toBe(200);

    const byConsumer = await setup("rl-con", {
      auth: { optional: true },
      rateLimit: { limit: 1, windowSeconds: 60, by: "consumer" },
    });
    nextWindow(byConsumer.gw, 60);
    const key = (await makeKey(byConsumer.gw.call, { consumer: "one" })).key;
    const withKey = (ip: string) => from(ip, { authorization: `Bearer ${key}` });
    expect((await byConsumer.gw.call("/api/a", withKey("192.0.2.7"))).status).toBe(200);
    expect((await byConsumer.gw.call("/api/a", withKey("192.0.2.8"))).status).toBe(429);
    // Anonymous requests are limited by their address.
    expect((await byConsumer.gw.call("/api/a", from("192.0.2.9"))).status).toBe(200);
    expect((await byConsumer.gw.call("/api/a", from("192.0.2.9"))).status).toBe(429);
  });
});

describe("a consumer's plan", () => {
  it("limits its requests across its keys, and a key's own limits override the plan", async () => {
    const { gw } = await setup(
      "plan-req",
      { auth: {} },
      { plans: { small: { requests: { limit: 2, windowSeconds: 60 } } } },
    );
    nextWindow(gw, 60);
    const a = (await makeKey(gw.call, { consumer: "shared", plan: "small" })).key;
    const b = (await makeKey(gw.call, { consumer: "shared", plan: "small" })).key;
    const big = (
      await makeKey(gw.call, { consumer: "big", plan: "small", limits: { requests: { limit: 5 } } })
    ).key;
    const call = (key: string) => gw.call("/api/x", { headers: { authorization: `Bearer ${key}` } });
    expect((await call(a)).status).toBe(200);
    expect((await call(b)).status).toBe(200);
    const third = await call(a);
    expect(third.status).toBe(429);
    expect(third.headers.get("x-ratelimit-limit-requests")).toBe("2");
    for (let i = 0; i < 5; i++) expect((await call(big)).status).toBe(200);
    expect((await call(big)).status).toBe(429);
  });

  it("counts concurrency globally: a second request while one is in flight is refused until it ends", async () => {
    const { gw } = await setup("plan-conc", { auth: {} }, { plans: { one: { concurrency: 1 } } });
    const key = (await makeKey(gw.call, { consumer: "solo", plan: "one" })).key;
    const headers = { authorization: `Bearer ${key}` };
    // An answer the origin holds keeps the slot until its body has been sent whole.
    const held = gw.call("/api/slow?hold=body", { headers });
    while ((await info("plan-conc-1")).holding === 0) {
      // the held request has not reached the origin yet
    }
    const second = await gw.call("/api/x", { headers });
    expect(second.status).toBe(429);
    expect(JSON.parse(second.body).error.code).toBe("rate_limited");
    await release("plan-conc-1");
    expect((await held).status).toBe(200);
    expect((await gw.call("/api/x", { headers })).status).toBe(200);
  });
});

describe("limits whose object cannot be reached", () => {
  it("a request limit fails open (the backend still answers); a concurrency limit fails closed, 503", async () => {
    const backend = await origin("rl-down-1");
    const gw = clockedGateway(
      {
        plans: { one: { concurrency: 1 } },
        pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
        routes: [
          { path: "/open/*", pool: "p", rateLimit: { limit: 1, windowSeconds: 60 } },
          { path: "/closed/*", pool: "p", auth: {} },
        ],
      },
      undefined,
      { LIMITS: unreachableLimits },
    );
    for (let i = 0; i < 3; i++) expect((await gw.call("/open/x")).status).toBe(200);
    const key = (await makeKey(gw.call, { consumer: "c", plan: "one" })).key;
    const closed = await gw.call("/closed/x", { headers: { authorization: `Bearer ${key}` } });
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.body).error.code).toBe("limits_unavailable");
    expect(Number(closed.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("a token's plan claim", () => {
  it("names the plan whose limits apply; a plan the config does not have is refused, not unlimited", async () => {
    const backend = await origin("plan-jwt-1");
    const gw = clockedGateway({
      auth: {
        jwt: {
          idp: {
            issuer: "https://issuer.test/",
            audience: "api://aya",
            jwksUrl: `${issuerUrl()}/jwks.json`,
            planClaim: "tier",
            algorithms: ["RS256"],
          },
        },
      },
      plans: { gold: { requests: { limit: 1, windowSeconds: 60 } } },
      pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
      routes: [{ path: "/api/*", pool: "p", auth: { methods: ["jwt:idp"] } }],
    });
    nextWindow(gw, 60);
    const now = Math.floor(gw.clock.now() / 1000);
    const token = (sub: string, tier: string) =>
      signToken({ iss: "https://issuer.test/", aud: "api://aya", sub, tier, iat: now, exp: now + 600 });
    const call = async (sub: string, tier: string) =>
      gw.call("/api/x", { headers: { authorization: `Bearer ${await token(sub, tier)}` } });
    expect((await call("ann", "gold")).status).toBe(200);
    const over = await call("ann", "gold");
    expect(over.status).toBe(429);
    expect(over.headers.get("x-ratelimit-limit-requests")).toBe("1");
    const unknown = await call("bob", "platinum");
    expect(unknown.status).toBe(403);
    expect(JSON.parse(unknown.body).error.message).toContain("platinum");
  });
});

describe("a lease whose isolate is gone", () => {
  it("costs at most its own units until the window ends, never the limit", async () => {
    const config = (backend: { id: string; url: string }) => ({
      pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
      routes: [{ path: "/api/*", pool: "p", rateLimit: { limit: 20, windowSeconds: 60 } }],
    });
    const backend = await origin("rl-gone-1");
    const first = clockedGateway(config(backend));
    nextWindow(first, 60);
    // The first isolate takes a lease (a tenth of what is left: 2 units), uses one, and vanishes.
    expect((await first.call("/api/x", from("198.51.100.1"))).status).toBe(200);
    // Another isolate, on the same clock, gets the rest of the window: 20 - 2.
    const second = clockedGateway(config(backend));
    second.advance(first.clock.now() - second.clock.now());
    let admitted = 0;
    for (let i = 0; i < 25; i++)
      if ((await second.call(`/api/${i}`, from("198.51.100.1"))).status === 200) admitted += 1;
    expect(admitted).toBe(18);
    // Past the window, the whole limit again.
    nextWindow(second, 60);
    expect((await second.call("/api/next", from("198.51.100.1"))).status).toBe(200);
  });
});
