// The Worker: the Hono app for requests, the cron trigger for health probes, and the Durable
// Object classes wrangler.toml binds.
import { createApp } from "./app";
import { loadGateway } from "./config/load";
import { runHealthChecks, type TickNamespace } from "./health/cron";
import { effectiveForCron } from "./overlay/cron";

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
    const probe = async () => {
      // Backends added or removed at run time too (src/overlay).
      const gateway = await effectiveForCron(config, env.GATEWAY, env.OVERLAY);
      await runHealthChecks(gateway, env.BACKEND_STATE as unknown as TickNamespace);
    };
    ctx.waitUntil(probe());
  },
} satisfies ExportedHandler<Env>;

export { BackendState } from "../durable-objects/backend-state";
export { ConfigOverlay } from "../durable-objects/config-overlay";
export { KeyStore } from "../durable-objects/key-store";
export { Ledger } from "../durable-objects/ledger";
export { Limits } from "../durable-objects/limits";
export { Metrics } from "../durable-objects/metrics";
export { Relay } from "../durable-objects/relay";
