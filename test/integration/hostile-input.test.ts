// Hostile and malformed requests through the real Worker: paths spelled to slip past a route,
// the admin namespace probed, oversized headers, malformed cookies, `$` in redirected paths, and
// a config that names the admin token as a provider key. Each is answered as documented and
// none reaches a backend it should not.
import { describe, expect, it } from "vitest";
import { info, origin } from "../support/farm";
import { gatewayFor, json } from "../support/gateway";

const admin = { authorization: "Bearer test-admin-token" };

async function guarded(prefix: string) {
  const open = await origin(`${prefix}-open`);
  const call = gatewayFor({
    debugHeaders: true,
    pools: { open: { backends: [open], healthCheck: { enabled: false } } },
    routes: [
      { path: "/blocked/*", respond: { status: 403, body: "blocked" } },
      { path: "/blocked", respond: { status: 403, body: "blocked" } },
      { path: "/pub/*", pool: "open", rewrite: { stripPrefix: "/pub", addPrefix: "/public" } },
      { path: "/*", pool: "open" },
    ],
  });
  return { call, backend: `${prefix}-open` };
}

describe("paths", () => {
  it("match routes on one canonical form: no spelling of /blocked slips past its route", async () => {
    const { call } = await guarded("canon");
    for (const path of [
      "/blocked/x",
      "/%62locked/x",
      "//blocked/x",
      "/x/../blocked/x",
      "/blocked//x",
      "/%62locked",
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(403);
      expect(await res.text()).toBe("blocked");
    }
  });

  it("refuse an encoded / or \\ with 400 bad_request, before any backend", async () => {
    const { call, backend } = await guarded("enc");
    const before = (await info(backend)).hits;
    for (const path of [
      "/blocked%2Fx",
      "/x/..%2Fblocked",
      "/pub/..%2Fsecret",
      "/pub/..%5Csecret",
      "/a%2fb",
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(400);
      expect((await json(res)).error).toMatchObject({ code: "bad_request" });
    }
    expect((await info(backend)).hits).toBe(before);
  });

  it("rewrite and forward the canonical path, so a rewrite's prefix cannot be escaped", async () => {
    const { call } = await guarded("rw");
    const inside = await json(await call("/pub/a/%62/./c//d"));
    expect(inside.path).toBe("/public/a/b/c/d");
    // Dot segments are resolved before routing: this is /secret, served by the catch-all route.
    const outside = await json(await call("/pub/../secret"));
    expect(outside.path).toBe("/secret");
  });
});

describe("the admin namespace", () => {
  it("answers 404 for every path it does not serve, and never proxies one (bearer and all)", async () => {
    const { call, backend } = await guarded("adm404");
    const before = (await info(backend)).hits;
    const probes: [string, string][] = [
      ["GET", "/__aya"],
      ["GET", "/__aya/"],
      ["GET", "/__aya/status/"],
      ["POST", "/__aya/status"],
      ["GET", "/__aya/stats"],
      ["GET", "/__aya/cache/purge"],
      ["POST", "/__aya/healthz"],
      ["GET", "//__aya/stats"],
      ["GET", "/%5F%5Faya/stats"],
      ["GET", "/x/../__aya/nothing"],
    ];
    for (const [method, path] of probes) {
      for (const headers of [admin, {}]) {
        const res = await call(path, { method, headers });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect((await json(res)).error).toMatchObject({ code: "no_route" });
      }
    }
    // An encoded slash is refused like anywhere else.
    expect((await call("/__aya%2Fstatus", { headers: admin })).status).toBe(400);
    expect((await info(backend)).hits).toBe(before);
    expect((await call("/__aya/healthz")).status).toBe(200);
    expect((await call("/__aya/status", { headers: admin })).status).toBe(200);
  });

  it("routes the admin endpoints on the canonical path too: other spellings reach them, token and all", async () => {
    const { call } = await guarded("admcanon");
    for (const path of ["//__aya/status", "/%5F%5Faya/status", "/x/../__aya/status"]) {
      expect((await call(path, { headers: admin })).status, path).toBe(200);
      expect((await call(path)).status, path).toBe(401);
    }
  });
});

describe("headers", () => {
  it("answers 431 headers_too_large over limits.maxHeaderBytes, before any backend", async () => {
    const { call, backend } = await guarded("hdr431");
    const before = (await info(backend)).hits;
    const res = await call("/x", { headers: { "x-big": "a".repeat(100 * 1024) } });
    expect(res.status).toBe(431);
    expect((await json(res)).error).toMatchObject({ code: "headers_too_large" });
    expect(res.headers.get("x-aya-route")).toBe("3");
    expect((await info(backend)).hits).toBe(before);
    expect((await call("/x", { headers: { "x-fine": "a".repeat(8 * 1024) } })).status).toBe(200);
  });

  it("counts every header toward the limit, and takes the configured one", async () => {
    const backend = await origin("hdrcfg-1");
    const call = gatewayFor({
      limits: { maxHeaderBytes: 2048 },
      pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    const many: Record<string, string> = {};
    for (let i = 0; i < 40; i++) many[`x-h${i}`] = "v".repeat(50);
    expect((await call("/x", { headers: many })).status).toBe(431);
  });
});

describe("cookies, redirects and splits", () => {
  it("treats a malformed affinity or split cookie as absent, not as a 502", async () => {
    const a = await origin("badck-1");
    const b = await origin("badck-2");
    const call = gatewayFor({
      pools: {
        p: { backends: [a], affinity: { type: "cookie" }, healthCheck: { enabled: false } },
        q: { backends: [b], affinity: { type: "cookie" }, healthCheck: { enabled: false } },
      },
      routes: [
        {
          path: "/split/*",
          split: [
            { pool: "p", weight: 1 },
            { pool: "q", weight: 1 },
          ],
        },
        { path: "/*", pool: "p" },
      ],
    });
    for (const cookie of ["aya_affinity=%E0%A4%A", "aya_split_0=%zz; aya_affinity=%"]) {
      expect((await call("/x", { headers: { cookie } })).status, cookie).toBe(200);
      expect((await call("/split/x", { headers: { cookie } })).status, cookie).toBe(200);
    }
  });

  it("substitutes {path} and {query} in a redirect as text: a $ in the path is never a pattern", async () => {
    const call = gatewayFor({
      routes: [{ path: "/old/*", redirect: { to: "https://new.example{path}{query}", status: 301 } }],
    });
    const res = await call("/old/a$&b$'c$1?q=$`x");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("https://new.example/old/a$&b$'c$1?q=$`x");
  });

  it("marks the split cookie Secure on https", async () => {
    const a = await origin("splitsec-1");
    const call = gatewayFor({
      pools: { p: { backends: [a], affinity: { type: "cookie" }, healthCheck: { enabled: false } } },
      routes: [{ path: "/*", split: [{ pool: "p", weight: 1 }] }],
    });
    const cookies = (await call("/x")).headers.getSetCookie();
    const split = cookies.find((c) => c.startsWith("aya_split_0="));
    expect(split).toMatch(/; Secure$/);
  });
});

describe("configuration", () => {
  it("refuses a provider whose apiKeySecret names ADMIN_TOKEN", async () => {
    const call = gatewayFor({
      providers: { oa: { type: "openai", apiKeySecret: "ADMIN_TOKEN" } },
      models: { chat: { targets: [{ provider: "oa", model: "gpt-4o-mini" }] } },
      routes: [{ path: "/v1/*", ai: true }],
    });
    const res = await call("/v1/models");
    expect(res.status).toBe(500);
    const error = (await json(res)).error as { code: string; problems: string[] };
    expect(error.code).toBe("invalid_config");
    expect(error.problems.join("\n")).toMatch(/providers\.oa\.apiKeySecret: .*ADMIN_TOKEN/);
  });
});
