// The Worker: the Hono app for requests, the cron trigger for health probes, and the Durable
// Object classes wrangler.toml binds.
import { createApp } from "./app";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

export { BackendState } from "../durable-objects/backend-state";
