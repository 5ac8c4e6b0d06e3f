// The OpenAI-compatible API on ai = true routes. Placeholder until the AI issue lands.
import type { Context } from "hono";
import type { Gateway, Route } from "../config/normalize";
import type { AppEnv } from "../env";
import type { PipelineDeps } from "../gateway";

export async function handleAi(
  c: Context<AppEnv>,
  _gateway: Gateway,
  _route: Route,
  _deps: PipelineDeps,
): Promise<Response> {
  return c.json(
    {
      error: { message: "AI routes are not implemented yet", type: "server_error", code: "not_implemented" },
    },
    501,
  );
}
