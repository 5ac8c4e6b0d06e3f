// /__aya/* admin endpoints. healthz is open; everything else needs the ADMIN_TOKEN bearer token,
// compared in constant time, and answers 404 when no token is configured (nothing to find).
// Anything else under /__aya (an unknown endpoint, a wrong method, a trailing slash, /__aya
// itself) is 404 here, before any token check, and never reaches a backend.
import type { Context, Next } from "hono";
import { Hono } from "hono";
import { purgeCache } from "../cache/purge";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors";
import { dashboardApp } from "./dashboard/routes";
import { createKey, getKey, listKeys, patchKey, revokeKey } from "./keys";
import { metricsReport } from "./metrics";
import { registerOperations } from "./operations";
import { statusReport } from "./status";
import { constantTimeEqual } from "./token";
import { usageReport } from "./usage";

export const adminApp = new Hono<AppEnv>();

async function adminAuth(c: Context<AppEnv>, next: Next) {
  const token = typeof c.env.ADMIN_TOKEN === "string" ? c.env.ADMIN_TOKEN : "";
  if (!token) throw notFound(c);
  const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  if (!(await constantTimeEqual(given, token))) {
    throw new GatewayError("unauthorized", "a valid admin bearer token is required");
  }
  await next();
}

const notFound = (c: Context<AppEnv>) =>
  new GatewayError("no_route", `no admin endpoint ${c.req.method} ${c.req.path}`);

adminApp.get("/healthz", (c) => c.json({ status: "ok" }));
adminApp.get("/status", adminAuth, (c) => statusReport(c));
adminApp.post("/cache/purge", adminAuth, (c) => purgeCache(c));
adminApp.get("/metrics", adminAuth, (c) => metricsReport(c));
adminApp.route("/dashboard", dashboardApp);
adminApp.post("/keys", adminAuth, (c) => createKey(c));
adminApp.get("/keys", adminAuth, (c) => listKeys(c));
adminApp.get("/keys/:id", adminAuth, (c) => getKey(c));
adminApp.patch("/keys/:id", adminAuth, (c) => patchKey(c));
adminApp.delete("/keys/:id", adminAuth, (c) => revokeKey(c));
adminApp.get("/usage", adminAuth, (c) => usageReport(c));
registerOperations(adminApp, adminAuth);
adminApp.all("*", (c) => {
  throw notFound(c);
});
