// The dashboard through the Worker, without a browser (test/e2e/dashboard-browser.test.ts drives
// a real one): signing in once with the admin token, the session cookie's attributes and
// signature, what the page shows, and the headers that keep it from being framed or injected.
import { beforeAll, describe, expect, it } from "vitest";
import { newSession } from "../../src/admin/dashboard/session";
import { origin } from "../support/farm";
import { gatewayFor } from "../support/gateway";

const TOKEN = "test-admin-token";
let call: ReturnType<typeof gatewayFor>;
let config: Record<string, unknown>;

beforeAll(async () => {
  config = {
    pools: {
      dash: {
        backends: [await origin("dash-1"), { id: "dash-dead", url: "http://127.0.0.1:9/<b>x</b>" }],
        healthCheck: { enabled: false },
      },
    },
    routes: [{ path: "/*", pool: "dash" }],
  };
  call = gatewayFor(config);
});

const form = (token: string, headers: Record<string, string> = {}) =>
  call("/__aya/dashboard/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ token }).toString(),
    redirect: "manual",
  });

async function signIn(): Promise<string> {
  const res = await form(TOKEN);
  const cookie = res.headers.get("set-cookie") ?? "";
  return cookie.split(";")[0] as string;
}

describe("the dashboard", () => {
  it("asks for the admin token first, on a page no script or frame can be slipped into", async () => {
    const res = await call("/__aya/dashboard");
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<form method="post" action="/__aya/dashboard/login">');
    expect(body).toContain('type="password"');
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a wrong token, and a sign-in posted from another site", async () => {
    const wrong = await form("not-the-token");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That is not the admin token.");
    const crossSiteHeaders: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of crossSiteHeaders) {
      const crossSite = await form(TOKEN, headers);
      expect(crossSite.status).toBe(403);
      expect(crossSite.headers.get("set-cookie")).toBeNull();
    }
  });

  it("signs in once: a signed, HttpOnly, Secure, SameSite=Strict session cookie for the dashboard's path", async () => {
    const res = await form(TOKEN, { origin: "https://gw.example" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/__aya/dashboard");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^aya_dashboard=\d+\.[A-Za-z0-9_-]+;/);
    for (const attribute of [
      "HttpOnly",
      "Secure",
      "SameSite=Strict",
      "Path=/__aya/dashboard",
      "Max-Age=43200",
    ])
      expect(cookie).toContain(attribute);
    expect(cookie).not.toContain(TOKEN);
  });

  it("shows every pool and backend with its state, once signed in, and keeps it fresh from /state", async () => {
    const cookie = await signIn();
    await (await call("/x")).text();
    const page = await call("/__aya/dashboard", { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/__aya/dashboard/app.js" defer></script>');
    expect(html).toContain('data-group="dash"');
    expect(html).toContain('data-backend="dash-1"');
    expect(html).toContain('data-backend="dash-dead"');
    // A URL is text on the page, never markup (and shown without what could carry a secret).
    expect(html).not.toContain("<b>x</b>");
    const state = await call("/__aya/dashboard/state", { headers: { cookie } });
    expect(state.status).toBe(200);
    expect(await state.text()).toContain('data-backend="dash-1"');
    expect((await call("/__aya/dashboard/state")).status).toBe(401);
  });

  it("takes no forged, tampered or expired session", async () => {
    const good = (await signIn()).split("=")[1] as string;
    const [expires, mac] = good.split(".") as [string, string];
    const pastSession = await newSession(TOKEN, Date.now() - 13 * 3600 * 1000);
    const otherToken = await newSession("some-other-token", Date.now());
    for (const value of [
      `${Number(expires) + 3600}.${mac}`,
      `${expires}.${mac.slice(0, -2)}AA`,
      pastSession,
      otherToken,
      "garbage",
    ]) {
      const res = await call("/__aya/dashboard/state", { headers: { cookie: `aya_dashboard=${value}` } });
      expect(res.status).toBe(401);
    }
  });

  it("serves its script and stylesheet, and signs out", async () => {
    const js = await call("/__aya/dashboard/app.js");
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await js.text()).toContain("/__aya/dashboard/state");
    expect((await call("/__aya/dashboard/app.css")).headers.get("content-type")).toBe(
      "text/css; charset=utf-8",
    );
    const out = await call("/__aya/dashboard/logout", { method: "POST", redirect: "manual" });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
  });

  it("is not there at all without an ADMIN_TOKEN", async () => {
    const bare = gatewayFor(config, { ADMIN_TOKEN: undefined });
    for (const path of ["/__aya/dashboard", "/__aya/dashboard/app.js", "/__aya/dashboard/state"])
      expect((await bare(path)).status).toBe(404);
    expect((await bare("/__aya/dashboard/login", { method: "POST", body: "token=x" })).status).toBe(404);
  });
});
