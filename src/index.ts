// The Worker: the Hono app for requests, the cron trigger for health probes, and the Durable
// Object classes wrangler.toml binds.
import { createApp } from "./app";
import { loadGateway } from "./config/load";
import { runHealthChecks, type TickNamespace } from "./health/cron";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const config = loadGateway((env as { GATEWAY: unknown }).GATEWAY);
    if (!config.ok) {
      console.error(
        JSON.stringify({ msg: "invalid GATEWAY config; no health checks run", problems: config.errors }),
      );
      return;
    }
    ctx.waitUntil(runHealthChecks(config.config, env.BACKEND_STATE as unknown as TickNamespace));
  },
} satisfies ExportedHandler<Env>;

export { BackendState } from "../durable-objects/backend-state";
export { KeyStore } from "../durable-objects/key-store";
export { Ledger } from "../durable-objects/ledger";
export { Limits } from "../durable-objects/limits";
export { Relay } from "../durable-objects/relay";
