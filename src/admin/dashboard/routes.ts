// GET /__aya/dashboard and its parts. Without a session the page asks for the admin token once
// (POST /__aya/dashboard/login), then a signed session cookie carries the sign-in (session.ts).
//   GET  /__aya/dashboard           the page (or the sign-in form)
//   GET  /__aya/dashboard/state     the page's live section, for its script to swap in
//   POST /__aya/dashboard/login     form field `token`: 303 to the page with the cookie, or 401
//   POST /__aya/dashboard/logout    ends the session
//   GET  /__aya/dashboard/app.js, app.css, icon.svg
// Like every admin endpoint, all of it answers 404 when no ADMIN_TOKEN is set. Every answer
// carries a strict Content-Security-Policy: scripts and styles from here only, nothing inline.
import { type Context, Hono } from "hono";
import { systemClock } from "../../clock";
import type { AppEnv } from "../../env";
import { GatewayError } from "../../errors";
import { readRequestBody } from "../../proxy/body";
import { readBackendStates } from "../backend-states";
import { edgeMetrics } from "../metrics";
import { adminToken, constantTimeEqual } from "../token";
import { DASHBOARD_CSS, DASHBOARD_ICON, DASHBOARD_JS } from "./assets";
import { dashboardModel } from "./model";
import { dashboardPage, loginPage, stateSection } from "./render";
import { clearedSessionCookie, newSession, SESSION_COOKIE, sessionCookie, validSession } from "./session";

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** A sign-in form is a few dozen bytes; anything larger is not one. */
const MAX_LOGIN_BYTES = 4096;

export const dashboardApp = new Hono<AppEnv>();

dashboardApp.use("*", async function dashboardHeaders(c, next) {
  if (!adminToken(c.env))
    throw new GatewayError("no_route", `no admin endpoint ${c.req.method} ${c.req.path}`);
  await next();
  const h = c.res.headers;
  h.set("content-security-policy", CSP);
  h.set("x-content-type-options", "nosniff");
  h.set("x-frame-options", "DENY");
  h.set("referrer-policy", "same-origin");
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
});

function cookieOf(c: Context<AppEnv>, name: string): string | undefined {
  for (const part of (c.req.header("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether a sign-in comes from this page's own form: the browser says so (Sec-Fetch-Site), or,
 * from a client that does not send it, the Origin (when given) names this host.
 */
function sameOrigin(c: Context<AppEnv>): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none";
  const origin = c.req.header("origin");
  if (!origin) return true;
  try {
    return new URL(origin).host === (c.req.header("host") ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

const signedIn = (c: Context<AppEnv>) =>
  validSession(cookieOf(c, SESSION_COOKIE), adminToken(c.env), systemClock.now());

async function model(c: Context<AppEnv>) {
  const [metrics, states] = await Promise.all([edgeMetrics(c), readBackendStates(c.env, c.get("gateway"))]);
  return dashboardModel(states, metrics, systemClock.now());
}

dashboardApp.get("/", async (c) => {
  if (!(await signedIn(c))) return c.html(loginPage());
  return c.html(dashboardPage(await model(c)));
});

dashboardApp.get("/state", async (c) => {
  if (!(await signedIn(c))) return c.text("signed out", 401);
  return c.html(stateSection(await model(c)));
});

dashboardApp.post("/login", async (c) => {
  if (!sameOrigin(c)) return c.text("cross-site sign-in refused", 403);
  let token = "";
  try {
    const body = await readRequestBody(c.req.raw, {
      maxBodyBytes: MAX_LOGIN_BYTES,
      retryBodyBytes: MAX_LOGIN_BYTES,
    });
    const text = body.kind === "buffered" ? new TextDecoder().decode(body.bytes) : "";
    token = new URLSearchParams(text).get("token") ?? "";
  } catch {
    return c.html(loginPage("That was not a sign-in form."), 400);
  }
  if (!(await constantTimeEqual(token, adminToken(c.env))))
    return c.html(loginPage("That is not the admin token."), 401);
  c.header("set-cookie", sessionCookie(await newSession(adminToken(c.env), systemClock.now())));
  return c.redirect("/__aya/dashboard", 303);
});

dashboardApp.post("/logout", (c) => {
  c.header("set-cookie", clearedSessionCookie());
  return c.redirect("/__aya/dashboard", 303);
});

dashboardApp.get("/app.js", (c) => {
  c.header("content-type", "text/javascript; charset=utf-8");
  c.header("cache-control", "public, max-age=300");
  return c.body(DASHBOARD_JS);
});

dashboardApp.get("/app.css", (c) => {
  c.header("content-type", "text/css; charset=utf-8");
  c.header("cache-control", "public, max-age=300");
  return c.body(DASHBOARD_CSS);
});

dashboardApp.get("/icon.svg", (c) => {
  c.header("content-type", "image/svg+xml");
  c.header("cache-control", "public, max-age=3600");
  return c.body(DASHBOARD_ICON);
});
