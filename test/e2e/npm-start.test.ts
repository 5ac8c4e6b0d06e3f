// `npm start` as a newcomer meets it when something is off: a port already taken (another
// `npm start`, or anything else on 8787), a port given the wrong way, a demo config with a
// mistake. Each gets one sentence saying what and how to fix it, never a stack trace, and the
// demo does not half-start.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freeDemoPort, npmStart, occupy, STACK, stopAll } from "./support/npm-start";

const lines = (text: string) => text.trim().split("\n").filter(Boolean);

afterEach(stopAll);

describe("npm start, when it cannot start", () => {
  it("says in one line that the gateway's port is taken and how to choose other ports", async () => {
    const port = await freeDemoPort();
    const release = await occupy(port);
    try {
      const run = npmStart({ env: { AYA_PORT: String(port) } });
      expect(await run.exited).not.toBe(0);
      expect(run.output()).not.toMatch(STACK);
      expect(lines(run.output())).toHaveLength(1);
      expect(run.output()).toContain(`port ${port}`);
      expect(run.output()).toMatch(/AYA_PORT=\d+ npm start/);
    } finally {
      await release();
    }
  });

  it("takes --port like AYA_PORT", async () => {
    const port = await freeDemoPort();
    const release = await occupy(port);
    try {
      const run = npmStart({ args: ["--port", String(port)] });
      expect(await run.exited).not.toBe(0);
      expect(run.output()).toContain(`port ${port}`);
      expect(run.output()).not.toMatch(STACK);
    } finally {
      await release();
    }
  });

  it("says a demo port is taken too, naming it, when the gateway's is free", async () => {
    const port = await freeDemoPort();
    const originPort = 9101 + (port - 8787);
    const release = await occupy(originPort);
    try {
      const run = npmStart({ env: { AYA_PORT: String(port) } });
      expect(await run.exited).not.toBe(0);
      expect(lines(run.output())).toHaveLength(1);
      expect(run.output()).toContain(`port ${originPort}`);
      expect(run.output()).toContain("eu-1");
    } finally {
      await release();
    }
  });

  it("answers an AYA_PORT that is not a port in one sentence", async () => {
    const run = npmStart({ env: { AYA_PORT: "eighty" } });
    expect(await run.exited).not.toBe(0);
    expect(lines(run.output())).toHaveLength(1);
    expect(run.output()).toContain("AYA_PORT");
  });

  it("checks the demo config first and names every problem, with nothing started", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aya-start-"));
    writeFileSync(
      join(dir, "wrangler.toml"),
      [
        'name = "bad"',
        'main = "src/index.ts"',
        'compatibility_date = "2026-04-01"',
        "[env.demo]",
        "[env.demo.vars.GATEWAY.pools.eu]",
        'stratgy = "random"',
        'backends = [{ id = "eu-1", url = "http://127.0.0.1:9101" }]',
        "[[env.demo.vars.GATEWAY.routes]]",
        'path = "/api/*"',
        'pool = "eu2"',
      ].join("\n"),
    );
    const run = npmStart({ cwd: dir, env: { AYA_PORT: String(await freeDemoPort()) } });
    const code = await run.exited;
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    const output = run.output();
    expect(output).not.toMatch(STACK);
    expect(output).toContain("[env.demo]");
    expect(output).toContain('pools.eu.stratgy: unknown field (did you mean "strategy"?)');
    expect(output).toContain('routes[0] "/api/*".pool: unknown pool "eu2" (did you mean "eu"?)');
    expect(output).not.toContain("Ready on");
  });
});
