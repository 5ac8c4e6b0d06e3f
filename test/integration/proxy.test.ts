// Proxying through the real Worker to real origins on 127.0.0.1: failover, retries, timeouts,
// the idempotency rule, header hygiene, rewrites, size limits and static targets.
import { describe, expect, it } from "vitest";
import { RESERVE_BURST, RESERVE_PER_SECOND } from "../../src/proxy/budget";
import { clockedGateway } from "../support/clocked";
import { info, origin, reset, setMode, stop } from "../support/farm";
import { gatewayFor, getWithBody, json } from "../support/gateway";

async function pool(prefix: string, n: number, extra: Record<string, unknown> = {}) {
  const backends = [];
  for (let i = 1; i <= n; i++) backends.push(await origin(`${prefix}-${i}`));
  return { backends, strategy: "round-robin", ...extra };
}

describe("failover and retries", () => {
  it("GET still succeeds when one backend refuses connections", async () => {
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: await pool("refuse", 2) },
      routes: [{ path: "/*", pool: "p" }],
    });
    await stop("refuse-1");
    for (let i = 0; i < 6; i++) {
      const res = await call("/x");
      expect(res.status).toBe(200);
      expect((await json(res)).backend).toBe("refuse-2");
    }
  });

  it("GET retries a 503 on the other backend", async () => {
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: await pool("s503", 2) },
      routes: [{ path: "/*", pool: "p" }],
    });
    await setMode("s503-1", "status:503");
    for (let i = 0; i < 4; i++) {
      const res = await call("/x");
      expect(res.status).toBe(200);
      expect((await json(res)).backend).toBe("s503-2");
    }
  });

  it("returns the upstream's own 503 when every backend answers 503", async () => {
    const call = gatewayFor({ pools: { p: await pool("all503", 2) }, routes: [{ path: "/*", pool: "p" }] });
    await setMode("all503-1", "status:503");
    await setMode("all503-2", "status:503");
    const res = await call("/x");
    expect(res.status).toBe(503);
    expect((await json(res)).backend).toMatch(/^all503-/);
  });

  async function failingPool(prefix: string, budgetPercent: number) {
    const gw = clockedGateway({
      debugHeaders: true,
      pools: {
        [`${prefix}-pool`]: {
          ...(await pool(prefix, 2)),
          circuitBreaker: { enabled: false },
          healthCheck: { enabled: false },
          retry: { retries: 1, budgetPercent },
        },
      },
      routes: [{ path: "/*", pool: `${prefix}-pool` }],
    });
    await setMode(`${prefix}-1`, "status:503");
    await setMode(`${prefix}-2`, "status:503");
    /** Upstream attempts made for `n` client requests, `gapMs` of the clock apart. */
    const attempts = async (n: number, gapMs = 0) => {
      let total = 0;
      for (let i = 0; i < n; i++) {
        total += Number((await gw.call("/x")).attempts);
        gw.advance(gapMs);
      }
      return total;
    };
    return { gw, attempts };
  }

  it("spends the retry reserve at a steady pace, never as a burst", async () => {
    // budgetPercent 0 leaves only the reserve.
    const { gw, attempts } = await failingPool("pace", 0);
    expect(await attempts(50)).toBe(50 + RESERVE_BURST);
    gw.advance(1000);
    expect(await attempts(50)).toBe(50 + RESERVE_PER_SECOND);
    gw.advance(500);
    expect(await attempts(50)).toBe(50 + RESERVE_PER_SECOND / 2);
  });

  it("keeps upstream attempts within (1 + budgetPercent) × requests plus the paced reserve when every backend fails", async () => {
    const { attempts } = await failingPool("storm", 20);
    // 200 requests over 2 s of the clock, every one wanting its retry.
    const seconds = 2;
    const made = await attempts(200, (seconds * 1000) / 200);
    expect(made).toBeLessThanOrEqual(1.2 * 200 + RESERVE_BURST + RESERVE_PER_SECOND * seconds);
    expect(made).toBeGreaterThan(1.2 * 200);
  });

  it("pays every failover after a lost connection from the budget: backends that reset connections get at most (1 + budgetPercent) × the requests plus the reserve", async () => {
    const p = await pool("resets", 3, {
      circuitBreaker: { enabled: false },
      healthCheck: { enabled: false },
      retry: { retries: 1, budgetPercent: 20 },
    });
    const gw = clockedGateway({ debugHeaders: true, pools: { p }, routes: [{ path: "/*", pool: "p" }] });
    for (const b of p.backends) {
      await setMode(b.id, "reset");
      await reset(b.id);
    }
    const requests = 50;
    for (let i = 0; i < requests; i++) {
      const res = await gw.call("/x");
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body).error.code).toBe("no_healthy_backend");
    }
    let hits = 0;
    for (const b of p.backends) hits += (await info(b.id)).hits;
    // Each backend read every request it was sent before resetting: these are real upstream loads.
    expect(hits).toBeLessThanOrEqual(1.2 * requests + RESERVE_BURST);
    expect(hits).toBeGreaterThanOrEqual(requests);
  });

  it("still fails over to every backend, then the next pool, when the budget allows", async () => {
    const a = await pool("lostA", 2, { fallback: ["b"], retry: { retries: 0 } });
    const b = await pool("lostB", 1);
    const gw = clockedGateway({ debugHeaders: true, pools: { a, b }, routes: [{ path: "/*", pool: "a" }] });
    await setMode("lostA-1", "reset");
    await stop("lostA-2");
    const res = await gw.call("/x");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-pool")).toBe("b");
    expect(res.attempts).toBe("3");
    await setMode("lostA-1", "ok");
  });

  it("answers 504 upstream_timeout when the backend is too slow", async () => {
    const gw = clockedGateway({
      pools: { p: { ...(await pool("slow", 1)), timeoutMs: 150, retry: { retries: 0 } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    const pending = gw.call("/x?delay=5000");
    // The attempt's deadline is set once the request is on its way; then 150 ms pass.
    await gw.clock.timerSet(150);
    gw.advance(150);
    const res = await pending;
    expect(res.status).toBe(504);
    const body = JSON.parse(res.body);
    expect(body.error).toMatchObject({ code: "upstream_timeout" });
    expect(res.headers.get("x-request-id")).toBe(body.error.requestId);
  });

  it("does not retry a POST by default", async () => {
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: await pool("post", 2) },
      routes: [{ path: "/*", pool: "p" }],
    });
    await setMode("post-1", "status:503");
    await setMode("post-2", "status:503");
    const res = await call("/x", { method: "POST", body: "hello" });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-aya-attempts")).toBe("1");
  });

  it("retries a POST with retryNonIdempotent, resending the body", async () => {
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: { ...(await pool("post2", 2)), retry: { retryNonIdempotent: true } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    await setMode("post2-1", "status:503");
    const results = [];
    for (let i = 0; i < 2; i++) {
      const res = await call("/x", { method: "POST", body: `payload-${i}` });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.body).toBe(`payload-${i}`);
      results.push(body.backend);
    }
    expect(results).toEqual(["post2-2", "post2-2"]);
  });

  it("falls back to the next pool when the whole pool is down", async () => {
    const a = await pool("fbA", 2);
    const b = await pool("fbB", 1);
    const call = gatewayFor({
      debugHeaders: true,
      pools: { a: { ...a, fallback: ["b"] }, b },
      routes: [{ path: "/*", pool: "a" }],
    });
    await stop("fbA-1");
    await stop("fbA-2");
    const res = await call("/x");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-pool")).toBe("b");
  });

  it("answers 502 upstream_error when a backend was reached and answered something that is not HTTP", async () => {
    const call = gatewayFor({
      pools: { p: { ...(await pool("garbage", 1)), healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    await setMode("garbage-1", "garbage");
    const res = await call("/x");
    expect(res.status).toBe(502);
    expect((await json(res)).error).toMatchObject({ code: "upstream_error" });
  });

  it("passes on a backend's own answer rather than a later attempt's connection error", async () => {
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: { ...(await pool("mixed", 2)), strategy: "round-robin", healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    await setMode("mixed-1", "status:503");
    await stop("mixed-2");
    for (let i = 0; i < 2; i++) {
      const res = await call("/x");
      expect(res.status).toBe(503);
      expect((await json(res)).backend).toBe("mixed-1");
    }
  });

  it("answers 503 no_healthy_backend when every backend refuses connections", async () => {
    const call = gatewayFor({ pools: { p: await pool("dead", 2) }, routes: [{ path: "/*", pool: "p" }] });
    await stop("dead-1");
    await stop("dead-2");
    const res = await call("/x");
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: "no_healthy_backend" });
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|stack/);
  });

  it("serves the degraded answer instead of an error", async () => {
    const p = await pool("degr", 1);
    const call = gatewayFor({
      pools: {
        p: { ...p, degraded: { status: 200, body: "we'll be right back", contentType: "text/plain" } },
      },
      routes: [{ path: "/*", pool: "p" }],
    });
    await stop("degr-1");
    const res = await call("/x");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("we'll be right back");
  });
});

describe("headers", () => {
  it("forwards x-forwarded-*, keeps a valid x-request-id and strips hop-by-hop headers", async () => {
    const call = gatewayFor({ pools: { p: await pool("hdr", 1) }, routes: [{ path: "/*", pool: "p" }] });
    const res = await call("/x", {
      ip: "198.51.100.9",
      headers: {
        "x-forwarded-for": "10.0.0.1",
        "x-request-id": "abc.123_X-y",
        connection: "keep-alive, x-secret-hop",
        "x-secret-hop": "1",
        "keep-alive": "timeout=5",
      },
    });
    expect(res.headers.get("x-request-id")).toBe("abc.123_X-y");
    const seen = (await json(res)).headers as Record<string, string>;
    expect(seen["x-forwarded-for"]).toBe("10.0.0.1, 198.51.100.9");
    expect(seen["x-forwarded-proto"]).toBe("https");
    expect(seen["x-forwarded-host"]).toBe("gw.example");
    expect(seen["x-request-id"]).toBe("abc.123_X-y");
    expect(seen["x-secret-hop"]).toBeUndefined();
    expect(seen["keep-alive"]).toBeUndefined();
    expect(seen.host).toBe(new URL((await origin("hdr-1")).url).host);
  });

  it("never forwards a client's forwarding or override headers, which origins would trust", async () => {
    const call = gatewayFor({
      pools: { p: await pool("poison", 1) },
      routes: [{ path: "/*", pool: "p", headers: { request: { set: { "x-real-ip": "set-by-the-route" } } } }],
    });
    const forged = {
      forwarded: "for=10.0.0.1;host=evil.example;proto=http",
      "x-forwarded-prefix": "/evil",
      "x-forwarded-port": "8443",
      "x-forwarded-scheme": "http",
      "x-forwarded-server": "evil.example",
      "x-forwarded-ssl": "off",
      "x-original-url": "/admin",
      "x-rewrite-url": "/admin",
      "x-original-host": "evil.example",
      "x-host": "evil.example",
      "x-http-method-override": "DELETE",
      "x-http-method": "DELETE",
      "x-method-override": "DELETE",
      "x-real-ip": "10.0.0.2",
      "true-client-ip": "10.0.0.3",
      "x-client-ip": "10.0.0.4",
      "x-cluster-client-ip": "10.0.0.5",
      "x-forwarded-for": "10.0.0.6",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "http",
    };
    const res = await call("/x", { ip: "198.51.100.9", headers: forged });
    const seen = (await json(res)).headers as Record<string, string>;
    for (const name of Object.keys(forged)) {
      if (name.startsWith("x-forwarded-") && ["for", "host", "proto"].includes(name.slice(12))) continue;
      if (name === "x-real-ip") continue;
      expect(seen[name], name).toBeUndefined();
    }
    // The gateway's own: x-forwarded-for appended to (never trusted), host and proto replaced.
    expect(seen["x-forwarded-for"]).toBe("10.0.0.6, 198.51.100.9");
    expect(seen["x-forwarded-host"]).toBe("gw.example");
    expect(seen["x-forwarded-proto"]).toBe("https");
    // A route's own request transform still may set one of them.
    expect(seen["x-real-ip"]).toBe("set-by-the-route");
  });

  it("replaces an unsafe x-request-id", async () => {
    const call = gatewayFor({ pools: { p: await pool("rid", 1) }, routes: [{ path: "/*", pool: "p" }] });
    const res = await call("/x", { headers: { "x-request-id": "bad id with spaces" } });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(id).not.toBe("bad id with spaces");
  });

  it("applies rewrite and request/response header transforms", async () => {
    const call = gatewayFor({
      pools: { p: await pool("rw", 1) },
      routes: [
        {
          path: "/svc/*",
          pool: "p",
          rewrite: { stripPrefix: "/svc", addPrefix: "/v2" },
          headers: {
            request: { set: { "x-team": "edge" }, remove: ["x-drop-me"] },
            response: { set: { "x-served-by": "aya" }, remove: ["x-origin"] },
          },
        },
      ],
    });
    const res = await call("/svc/users/7?b=2&a=1", { headers: { "x-drop-me": "1" } });
    expect(res.headers.get("x-served-by")).toBe("aya");
    expect(res.headers.get("x-origin")).toBeNull();
    const body = await json(res);
    expect(body.path).toBe("/v2/users/7");
    expect(body.query).toBe("?b=2&a=1");
    const seen = body.headers as Record<string, string>;
    expect(seen["x-team"]).toBe("edge");
    expect(seen["x-drop-me"]).toBeUndefined();
  });
});

describe("limits, static targets and errors", () => {
  it("answers 413 for a body over the limit before calling a backend", async () => {
    const p = await pool("big", 1);
    const call = gatewayFor({
      limits: { maxBodyBytes: 1000 },
      pools: { p },
      routes: [{ path: "/*", pool: "p" }],
    });
    const res = await call("/x", { method: "POST", body: "x".repeat(5000) });
    expect(res.status).toBe(413);
    expect((await json(res)).error).toMatchObject({ code: "payload_too_large" });
  });

  it("streams a large body that cannot be kept for a retry", async () => {
    const p = await pool("stream", 1);
    const call = gatewayFor({
      limits: { retryBodyBytes: 1024 },
      pools: { p },
      routes: [{ path: "/*", pool: "p" }],
    });
    const res = await call("/x", { method: "PUT", body: "y".repeat(200_000) });
    expect(res.status).toBe(200);
    expect(((await json(res)).body as string).length).toBe(200_000);
  });

  it("answers 404 no_route when nothing matches", async () => {
    const call = gatewayFor({ routes: [{ path: "/only/*", respond: { status: 200, body: "hi" } }] });
    const res = await call("/elsewhere");
    expect(res.status).toBe(404);
    expect((await json(res)).error).toMatchObject({ code: "no_route" });
  });

  it("serves respond and redirect targets, matching methods and host", async () => {
    const call = gatewayFor({
      routes: [
        { path: "/old/*", redirect: { to: "https://new.example/", status: 301 } },
        { path: "/ping", methods: ["POST"], respond: { status: 201, body: "post-pong" } },
        { path: "/ping", host: "other.example", respond: { status: 200, body: "other" } },
        { path: "/ping", respond: { status: 200, body: "pong", contentType: "text/plain" } },
      ],
    });
    const r1 = await call("/old/page");
    expect(r1.status).toBe(301);
    expect(r1.headers.get("location")).toBe("https://new.example/");
    expect(await (await call("/ping", { method: "POST" })).text()).toBe("post-pong");
    expect(await (await call("/ping")).text()).toBe("pong");
  });

  it("answers 500 invalid_config naming every bad field", async () => {
    const call = gatewayFor({
      pools: {
        eu: {
          backends: [
            { id: "a", url: "http://ok.example" },
            { id: "b", url: "not a url" },
          ],
        },
      },
      routes: [{ path: "/*", pool: "nope" }],
    });
    const res = await call("/x");
    expect(res.status).toBe(500);
    const error = (await json(res)).error as { code: string; message: string; problems: string[] };
    expect(error.code).toBe("invalid_config");
    expect(error.problems).toContain("pools.eu.backends[1].url: invalid URL");
    // In the same answer, not after the URL is fixed: cross-references are checked beside the schema.
    expect(error.problems).toContain('routes[0] "/*".pool: unknown pool "nope" (pools: eu)');
  });
});

describe("what opens a circuit", () => {
  /** One backend, never served in panic, so an open circuit shows as 503 no_healthy_backend. */
  async function single(prefix: string, circuitBreaker: Record<string, unknown> = {}) {
    const p = await pool(prefix, 1, {
      panic: "fail",
      healthCheck: { enabled: false },
      retry: { retries: 0 },
      circuitBreaker: { consecutiveFailures: 5, ...circuitBreaker },
    });
    return gatewayFor({ debugHeaders: true, pools: { p }, routes: [{ path: "/*", pool: "p" }] });
  }

  it("an application's own 500s do not eject a healthy backend", async () => {
    const call = await single("app500");
    for (let i = 0; i < 8; i++) expect((await call("/x?status=500")).status).toBe(500);
    expect((await call("/x")).status).toBe(200);
  });

  it("a GET with a body is a 400 bad_request before any backend, and never counts against one", async () => {
    const call = await single("getbody");
    const before = (await info("getbody-1")).hits;
    for (let i = 0; i < 6; i++) {
      const res = await call(getWithBody("/x", "a body a GET cannot carry"));
      expect(res.status).toBe(400);
      expect((await json(res)).error).toMatchObject({ code: "bad_request" });
    }
    expect((await info("getbody-1")).hits).toBe(before);
    expect((await call("/x")).status).toBe(200);
  });

  it("502, 503 and 504 answers count, and consecutiveFailures of them open the circuit", async () => {
    const call = await single("gw503");
    for (let i = 0; i < 5; i++) expect((await call("/x?status=503")).status).toBe(503);
    const res = await call("/x");
    expect(res.status).toBe(503);
    expect((await json(res)).error).toMatchObject({ code: "no_healthy_backend" });
  });

  it("counts the statuses circuitBreaker.failureStatuses names instead", async () => {
    const call = await single("own500", { failureStatuses: [500] });
    for (let i = 0; i < 5; i++) expect((await call("/x?status=500")).status).toBe(500);
    expect((await call("/x")).status).toBe(503);
  });
});
