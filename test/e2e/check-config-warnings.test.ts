// `npm run check-config` beyond validity: what would bite on deploy or in production is a warning
// (exit 0), and a wrong --config or --env is one sentence, not wrangler's stack trace.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { configWarnings } from "../../scripts/lib/config-warnings.ts";

const run = promisify(execFile);
const tsx = join(process.cwd(), "node_modules/.bin/tsx");
/** The environment without the secrets a developer may have exported. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(ADMIN_TOKEN|[A-Z_]*API_KEY)$/.test(k)),
);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function project(toml: string[], devVars?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "aya-warn-"));
  dirs.push(dir);
  writeFileSync(join(dir, "wrangler.toml"), toml.join("\n"));
  if (devVars !== undefined) writeFileSync(join(dir, ".dev.vars"), devVars);
  return join(dir, "wrangler.toml");
}

const checkConfig = (args: string[], env: NodeJS.ProcessEnv = cleanEnv) =>
  run(tsx, ["scripts/check-config.ts", ...args], { env }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

const base = [
  'name = "warn"',
  'main = "src/index.ts"',
  'compatibility_date = "2026-04-01"',
  "[[kv_namespaces]]",
  'binding = "CACHE"',
  'id = "00000000000000000000000000000000"',
  "[vars.GATEWAY]",
  "debugHeaders = true",
  "dev = { trustGeoHeaders = true }",
  "[vars.GATEWAY.providers.openai]",
  'type = "openai"',
  'apiKeySecret = "OPENAI_API_KEY"',
  "[[vars.GATEWAY.routes]]",
  'path = "/v1/*"',
  "ai = true",
];

describe("check-config warnings", () => {
  it("warns about what would bite in production, names no secret's value, and still passes", async () => {
    const file = project(base, "ADMIN_TOKEN=short-token-value\n");
    const { code, stdout, stderr } = await checkConfig(["--config", file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/is valid/);
    expect(stderr).toMatch(/OPENAI_API_KEY.*providers\.openai\.apiKeySecret.*\.dev\.vars/);
    expect(stderr).toMatch(/ADMIN_TOKEN.*shorter than 32 characters/);
    expect(stderr).not.toContain("short-token-value");
    expect(stderr).toMatch(/dev\.trustGeoHeaders is on outside \[env\.demo\]/);
    expect(stderr).toMatch(/debugHeaders is on outside \[env\.demo\]/);
    expect(stderr).toMatch(/CACHE.*placeholder/);
  });

  it("finds a secret in the environment as well as in .dev.vars, and a long token is fine", async () => {
    const file = project(base, `ADMIN_TOKEN=${"x".repeat(40)}\n`);
    const { code, stderr } = await checkConfig(["--config", file], {
      ...cleanEnv,
      OPENAI_API_KEY: "sk-test",
    });
    expect(code).toBe(0);
    expect(stderr).not.toContain("OPENAI_API_KEY");
    expect(stderr).not.toContain("ADMIN_TOKEN");
  });

  it("allows the local-testing switches and the placeholder id in the demo environment", async () => {
    const { code, stderr } = await checkConfig(["--env", "demo"], {
      ...cleanEnv,
      ADMIN_TOKEN: "x".repeat(32),
    });
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/trustGeoHeaders|debugHeaders|placeholder/);
  });

  it("names a consumer's keySecret too", () => {
    const warnings = configWarnings({
      env: undefined,
      gateway: { consumers: [{ name: "acme", keySecret: "ACME_KEY" }] },
      kvNamespaces: [],
      secrets: { from: ".dev.vars", values: new Map([["ADMIN_TOKEN", "y".repeat(32)]]) },
    });
    expect(warnings.join("\n")).toMatch(/ACME_KEY.*consumers\[0\]\.keySecret/);
  });
});

describe("check-config with a wrong --config or --env", () => {
  it("says a missing file in one sentence", async () => {
    const { code, stderr } = await checkConfig(["--config", "no-such-wrangler.toml"]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("no-such-wrangler.toml does not exist (name another file with --config PATH)");
  });

  it("says an unknown environment in one sentence, with the ones there are", async () => {
    const { code, stderr } = await checkConfig(["--env", "prod"]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("wrangler.toml has no [env.prod] section (its environments: demo)");
  });

  it("says a TOML syntax error in one sentence, with its line", async () => {
    const file = project(['name = "x"', "[vars"]);
    const { code, stderr } = await checkConfig(["--config", file]);
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/not valid TOML|Invalid TOML/);
    expect(stderr).toContain("line 2");
  });
});
