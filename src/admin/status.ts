// GET /__aya/status. Filled in by the Durable Object state work.
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { stateSync } from "../state/sync";

export async function statusReport(c: Context<AppEnv>): Promise<Response> {
  return c.json({ isolate: { requests: stateSync.requests, doCalls: stateSync.calls }, pools: [], providers: [] });
}
