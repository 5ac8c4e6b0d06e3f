import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { quietWorkerdNetworkNoise } from "./test/support/quiet-workerd.ts";

quietWorkerdNetworkNoise();

// Every test runs inside workerd. test/support/global-setup.ts starts real HTTP origins and fake
// providers on 127.0.0.1 in Node and hands their ports to the tests through `inject`.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // ALERT_TEST_SECRET signs the alert tests' webhooks (BackendState reads secrets from its env).
        bindings: { ADMIN_TOKEN: "test-admin-token", ALERT_TEST_SECRET: "test-alert-secret" },
      },
    }),
  ],
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    globalSetup: ["./test/support/global-setup.ts"],
    testTimeout: 20_000,
    // The Worker warns once per isolate while debugHeaders or dev.trustGeoHeaders is on
    // (src/config/load.ts); tests turn them on on purpose, so here the warning is not news. Every
    // request writes its log line (src/observability), and objects log health changes and alert
    // retries: the tests that are about them read them with a spy; printed, they would bury the
    // test output.
    onConsoleLog: (log) =>
      /^aya: (debugHeaders|dev\.trustGeoHeaders) is on/.test(log) ||
      /^\{"(ts|event)":|^\{"msg":"alert not delivered; will retry"/.test(log)
        ? false
        : undefined,
  },
});
