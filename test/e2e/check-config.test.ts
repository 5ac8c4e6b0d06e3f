// `npm run check-config` as a user runs it: valid configs pass, an invalid one prints every
// problem with its path and exits non-zero.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const tsx = join(process.cwd(), "node_modules/.bin/tsx");

describe("npm run check-config", () => {
  it("accepts the committed wrangler.toml and its demo environment", async () => {
    const [base, demo] = await Promise.all([
      run(tsx, ["scripts/check-config.ts"]),
      run(tsx, ["scripts/check-config.ts", "--env", "demo"]),
    ]);
    expect(base.stdout).toMatch(/is valid/);
    expect(demo.stdout).toMatch(/\[env\.demo\] is valid/);
  });

  it("prints each problem with its field path and fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aya-check-"));
    const file = join(dir, "wrangler.toml");
    writeFileSync(
      file,
      [
        'name = "bad"',
        'main = "index.ts"',
        'compatibility_date = "2026-04-01"',
        "[vars.GATEWAY.pools.eu]",
        'backends = [{ id = "a", url = "https://a.example" }, { id = "b", url = "not a url" }]',
        "[[vars.GATEWAY.routes]]",
        'path = "/*"',
        'pool = "eu"',
        'strategy = "x"',
      ].join("\n"),
    );
    const failed = await run(tsx, ["scripts/check-config.ts", "--config", file]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain("pools.eu.backends[1].url: invalid URL");
    expect(failed?.stderr).toMatch(/routes\[0\].*strategy/);
  });
});
