import { defineConfig } from "vitest/config";

// End-to-end tests in plain Node: real clients (the official openai SDK, fetch, the CLI) against
// `wrangler dev --env demo`, which test/e2e/support/global-setup.ts starts on a free port beside
// the demo's origins and fake AI providers, and stops afterwards.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["./test/e2e/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
