// Where `npm run bench` puts its table: only a full run asked to (--write) rewrites the tracked
// docs/BENCHMARKS.md; every other run prints it and keeps a copy under .bench/ (git-ignored), so
// a quick look never leaves the README's figures out of step with the page they quote.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { benchOutput } from "../../scripts/bench/output.ts";

describe("npm run bench", () => {
  it("writes docs/BENCHMARKS.md only for a full run with --write", () => {
    expect(benchOutput(["--write"])).toEqual({ ok: true, file: "docs/BENCHMARKS.md" });
    expect(benchOutput([])).toEqual({ ok: true, file: ".bench/BENCHMARKS.md" });
    expect(benchOutput(["--quick"])).toEqual({ ok: true, file: ".bench/BENCHMARKS.md" });
    expect(benchOutput(["--quick", "--json"])).toEqual({ ok: true, file: ".bench/BENCHMARKS.md" });
  });

  it("refuses --quick --write in one sentence, before measuring anything", async () => {
    const tsx = join(process.cwd(), "node_modules/.bin/tsx");
    const failed = await promisify(execFile)(tsx, ["scripts/bench/run.ts", "--quick", "--write"], {
      timeout: 15_000,
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(
      "--write updates docs/BENCHMARKS.md from a full run only: run npm run bench -- --write, without --quick",
    );
  });
});
