// Consumers by key, through the Worker (CONTRACT §7): keys made at run time through /__aya/keys
// (shown once, stored as a hash), static consumers from config, what a route with `auth` answers
// without a key, with a wrong one, a revoked or expired one, a key kept to some routes; what the
// backend receives (x-aya-consumer, never the key); and the failure throttle per client IP.
import { describe, expect, it } from "vitest";
import { KEY_CONFIRM_MS } from "../../src/consumers/keys";
import { FAILURES_PER_MINUTE } from "../../src/consumers/throttle";
import { clockedGateway } from "../support/clocked";
import { info, origin } from "../support/farm";
import { adminCall, makeKey } from "../support/keys";

async function setup(prefix: string, extra: Record<string, unknown> = {}, env: Record<string, unknown> = {}) {
  const backend = await origin(`${prefix}-1`);
  const gw = clockedGateway(
    {
      debugHeaders: true,
      plans: { pro: {} },
      pools: { p: { backends: [backend], healthCheck: { enabled: false } } },
      routes: [
        { path: "/api/*", pool: "p", auth: { methods: ["key"] } },
        { path: "/other/*", pool: "p", auth: {} },
        { path: "/maybe/*", pool: "p", auth: { optional: true } },
        { path: "/open/*", pool: "p" },
      ],
      ...extra,
    },
    undefined,
    env,
  );
  const seen = async () => (await info(`${prefix}-1`)).hits;
  return { gw, seen };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const received = (body: string) => (JSON.parse(body) as { headers: Record<string, string> }).headers;

describe("/__aya/keys", () => {
  it("shows a new key once, keeps only what cannot be used to call, and lists it without the key", async () => {
    const { gw } = await setup("k-admin");
    const made = await makeKey(gw.call, {
      consumer: "acme",
      name: "ci",
      plan: "pro",
      metadata: { team: "edge" },
    });
    expect(made.key).toMatch(/^aya_[0-9A-Za-z]{40}$/);
    expect(made).toMatchObject({ consumer: "acme", name: "ci", plan: "pro", hint: made.key.slice(-4) });
    expect(made.id).toMatch(/^key_/);

    const one = await adminCall(gw.call, "GET", `/__aya/keys/${made.id}`);
    expect(one.status).toBe(200);
    expect(JSON.stringify(one.body)).not.toContain(made.key);
    expect(one.body).toMatchObject({ id: made.id, consumer: "acme", hint: made.key.slice(-4) });
    const list = await adminCall(gw.call, "GET", "/__aya/keys?consumer=acme");
    expect(JSON.stringify(list.body)).not.toContain(made.key);
    expect((list.body.keys as { id: string }[]).map((k) => k.id)).toContain(made.id);
  });

  it("answers 400 with every problem, and creates nothing", async () => {
    const { gw } = await setup("k-bad");
    const before = ((await adminCall(gw.call, "GET", "/__aya/keys")).body.keys as unknown[]).length;
    const res = await adminCall(gw.call, "POST", "/__aya/keys", {
      consumer: "has spaces",
      plan: "por",
      routes: ["/apii/*"],
      models: ["nope"],
      expiresAt: "2001-01-01T00:00:00Z",
      color: "blue",
    });
    expect(res.status).toBe(400);
    const problems = (res.body.error as { problems: string[] }).problems.join("\n");
    expect(problems).toMatch(/consumer/);
    expect(problems).toMatch(/color/);
    const second = await adminCall(gw.call, "POST", "/__aya/keys", {
      consumer: "acme",
      plan: "por",
      routes: ["/apii/*"],
      models: ["nope"],
      expiresAt: "2001-01-01T00:00:00Z",
    });
    const all = (second.body.error as { problems: string[] }).problems.join("\n");
    expect(all).toMatch(/plan: unknown plan "por" \(did you mean "pro"\?\)/);
    expect(all).toMatch(/routes\[0\].*did you mean "\/api\/\*"/);
    expect(all).toMatch(/models\[0\]/);
    expect(all).toMatch(/expiresAt: must be in the future/);
    expect(((await adminCall(gw.call, "GET", "/__aya/keys")).body.keys as unknown[]).length).toBe(before);
  });

  it("needs the admin token, and answers 404 for a key that does not exist", async () => {
    const { gw } = await setup("k-auth");
    expect((await gw.call("/__aya/keys", { method: "POST", body: "{}" })).status).toBe(401);
    expect((await adminCall(gw.call, "GET", "/__aya/keys/key_nope")).status).toBe(404);
    expect((await adminCall(gw.call, "DELETE", "/__aya/keys/key_nope")).status).toBe(404);
  });
});

describe("a route with auth", () => {
  it("answers 401 with WWW-Authenticate before any backend is called, without a key or with a wrong one", async () => {
    const { gw, seen } = await setup("k-401");
    const before = await seen();
    const none = await gw.call("/api/x");
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe("unauthorized");
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="aya"');
    const wrong = await gw.call("/api/x", { headers: bearer(`aya_${"x".repeat(40)}`) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    const garbage = await gw.call("/api/x", { headers: { "x-api-key": "not-a-key" } });
    expect(garbage.status).toBe(401);
    expect(await seen()).toBe(before);
  });

  it("lets a valid key through, as Bearer or x-api-key; the backend gets x-aya-consumer and never the key", async () => {
    const { gw } = await setup("k-ok");
    const made = await makeKey(gw.call, { consumer: "acme" });
    const viaBearer = await gw.call("/api/x", {
      headers: { ...bearer(made.key), "x-aya-consumer": "forged" },
    });
    expect(viaBearer.status).toBe(200);
    const headers = received(viaBearer.body);
    expect(headers["x-aya-consumer"]).toBe("acme");
    expect(headers.authorization).toBeUndefined();
    const viaHeader = await gw.call("/api/y", { headers: { "x-api-key": made.key } });
    expect(viaHeader.status).toBe(200);
    expect(received(viaHeader.body)["x-api-key"]).toBeUndefined();
    expect(received(viaHeader.body)["x-aya-consumer"]).toBe("acme");
  });

  it("never forwards a client's own x-aya-consumer, on any route", async () => {
    const { gw } = await setup("k-forge");
    const res = await gw.call("/open/x", { headers: { "x-aya-consumer": "admin" } });
    expect(res.status).toBe(200);
    expect(received(res.body)["x-aya-consumer"]).toBeUndefined();
  });

  it("lets anonymous clients in on an optional route, and still names a consumer with a key", async () => {
    const { gw } = await setup("k-opt");
    const made = await makeKey(gw.call, { consumer: "maybe-co" });
    const anonymous = await gw.call("/maybe/x");
    expect(anonymous.status).toBe(200);
    expect(received(anonymous.body)["x-aya-consumer"]).toBeUndefined();
    const named = await gw.call("/maybe/x", { headers: bearer(made.key) });
    expect(received(named.body)["x-aya-consumer"]).toBe("maybe-co");
    expect((await gw.call("/maybe/x", { headers: bearer(`aya_${"0".repeat(40)}`) })).status).toBe(401);
  });

  it("answers 403 forbidden for a key kept to other routes (route patterns as written in the config)", async () => {
    const { gw } = await setup("k-routes");
    const made = await makeKey(gw.call, { consumer: "narrow", routes: ["/api/*"] });
    expect((await gw.call("/api/x", { headers: bearer(made.key) })).status).toBe(200);
    const other = await gw.call("/other/x", { headers: bearer(made.key) });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body).error.code).toBe("forbidden");
  });

  it("refuses a revoked key, and applies a policy change, within the confirmation interval", async () => {
    const { gw } = await setup("k-revoke");
    const made = await makeKey(gw.call, { consumer: "leaver" });
    expect((await gw.call("/api/x", { headers: bearer(made.key) })).status).toBe(200);
    const patched = await adminCall(gw.call, "PATCH", `/__aya/keys/${made.id}`, { routes: ["/other/*"] });
    expect(patched.status).toBe(200);
    gw.advance(KEY_CONFIRM_MS + 1);
    expect((await gw.call("/api/x", { headers: bearer(made.key) })).status).toBe(403);
    const revoked = await adminCall(gw.call, "DELETE", `/__aya/keys/${made.id}`);
    expect(revoked.body.revokedAt).toBeTruthy();
    gw.advance(KEY_CONFIRM_MS + 1);
    const after = await gw.call("/other/x", { headers: bearer(made.key) });
    expect(after.status).toBe(401);
    expect(JSON.parse(after.body).error.message).toMatch(/revoked/);
  });

  it("refuses a key once it has expired", async () => {
    const { gw } = await setup("k-expire");
    const made = await makeKey(gw.call, {
      consumer: "brief",
      expiresAt: new Date(gw.clock.now() + 60_000).toISOString(),
    });
    expect((await gw.call("/api/x", { headers: bearer(made.key) })).status).toBe(200);
    gw.advance(61_000);
    const res = await gw.call("/api/x", { headers: bearer(made.key) });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.message).toMatch(/expired/);
  });

  it("knows static consumers from config, their keys held in secrets", async () => {
    const { gw } = await setup(
      "k-static",
      { consumers: [{ id: "mobile-app", keySecret: "MOBILE_APP_KEY", routes: ["/api/*"] }] },
      { MOBILE_APP_KEY: "a-long-static-secret-of-the-mobile-app" },
    );
    const res = await gw.call("/api/x", {
      headers: { "x-api-key": "a-long-static-secret-of-the-mobile-app" },
    });
    expect(res.status).toBe(200);
    expect(received(res.body)["x-aya-consumer"]).toBe("mobile-app");
    expect(
      (await gw.call("/other/x", { headers: { "x-api-key": "a-long-static-secret-of-the-mobile-app" } }))
        .status,
    ).toBe(403);
  });
});

describe("the failure throttle", () => {
  it(`answers 429 after ${FAILURES_PER_MINUTE} unknown keys from one address, and still admits known keys from it`, async () => {
    const { gw } = await setup("k-throttle");
    const made = await makeKey(gw.call, { consumer: "honest" });
    const ip = { "cf-connecting-ip": "198.51.100.9" };
    expect((await gw.call("/api/x", { headers: { ...ip, ...bearer(made.key) } })).status).toBe(200);
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) {
      const key = `aya_${String(i).padStart(40, "Z")}`;
      const r = await gw.call("/api/x", { headers: { ...ip, ...bearer(key) } });
      expect(r.status).toBe(401);
      gw.advance(300);
    }
    const throttled = await gw.call("/api/x", { headers: { ...ip, ...bearer(`aya_${"Q".repeat(40)}`) } });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    const knownKey = await gw.call("/api/x", { headers: { ...ip, ...bearer(made.key) } });
    expect(knownKey.status).toBe(200);
    // Another address is not affected.
    const elsewhere = await gw.call("/api/x", {
      headers: { "cf-connecting-ip": "198.51.100.10", ...bearer(`aya_${"Q".repeat(40)}`) },
    });
    expect(elsewhere.status).toBe(401);
    gw.advance(60_000);
    const later = await gw.call("/api/x", { headers: { ...ip, ...bearer(`aya_${"R".repeat(40)}`) } });
    expect(later.status).toBe(401);
  });
});
