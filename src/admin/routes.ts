// /__aya/* admin endpoints. healthz is open; everything else needs the ADMIN_TOKEN bearer token,
// compared in constant time, and answers 404 when no token is configured (nothing to find).
import { Hono } from "hono";
import { purgeCache } from "../cache/purge";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors";
import { statusReport } from "./status";

export const adminApp = new Hono<AppEnv>();

adminApp.get("/healthz", (c) => c.json({ status: "ok" }));

adminApp.use("*", async function adminAuth(c, next) {
  const token = typeof c.env.ADMIN_TOKEN === "string" ? c.env.ADMIN_TOKEN : "";
  if (!token)
    return c.json({ error: { code: "no_route", message: "not found", requestId: c.get("requestId") } }, 404);
  const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  if (!(await constantTimeEqual(given, token))) {
    throw new GatewayError("unauthorized", "a valid admin bearer token is required");
  }
  await next();
});

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(a)),
    crypto.subtle.digest("SHA-256", enc.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}

adminApp.get("/status", (c) => statusReport(c));
adminApp.post("/cache/purge", (c) => purgeCache(c));
