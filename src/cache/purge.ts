// POST /__aya/cache/purge. Placeholder until the cache issue lands.
import type { Context } from "hono";
import type { AppEnv } from "../env";

export async function purgeCache(c: Context<AppEnv>): Promise<Response> {
  return c.json({ removed: 0 });
}
