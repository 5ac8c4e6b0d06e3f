// `npm run aya` as an operator runs it, against `wrangler dev` with the demo config: each command
// prints what changed, the change takes effect for clients, a refused change lists every problem,
// and every failure is one line. Works on the demo's `weighted` pool, which no other e2e test uses,
// and reverts what it changed.
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const exec = promisify(execFile);
const tsx = join(process.cwd(), "node_modules/.bin/tsx");
const gateway = inject("gatewayUrl");
const token = inject("adminToken");
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AYA_")));

function aya(args: string[], env: Record<string, string> = { AYA_ADMIN_TOKEN: token }) {
  return exec(tsx, ["scripts/aya.ts", ...args], { env: { ...cleanEnv, ...env } }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

const url = ["--url", gateway];

async function servedBy(path: string, n: number): Promise<Set<string | null>> {
  const seen = new Set<string | null>();
  for (let i = 0; i < n; i++) seen.add((await fetch(`${gateway}${path}${i}`)).headers.get("x-aya-backend"));
  return seen;
}

describe("npm run aya", () => {
  it("drains a backend, printing what changed; clients avoid it; status, audit and revert follow", async () => {
    const drain = await aya(["backends", "drain", "weighted", "w-us-1", ...url]);
    expect(drain.stderr).toBe("");
    expect(drain.stdout).toMatch(/^changed \(version \d+\): w-us-1 in pool weighted: active → draining\n$/);
    expect(await servedBy("/weighted/x", 6)).toEqual(new Set(["w-eu-1"]));

    const again = await aya(["backends", "drain", "weighted", "w-us-1", ...url]);
    expect(again.stdout).toMatch(/^unchanged \(version \d+\): w-us-1 in pool weighted: already draining\n$/);

    const status = await aya(["status", ...url]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^pool weighted \(weighted-round-robin\)$/m);
    expect(status.stdout).toMatch(/^ {2}w-us-1 +(draining|drained) +healthy/m);

    const audit = await aya(["audit", "--limit", "5", ...url]);
    expect(audit.stdout).toMatch(
      /^v\d+ {2}\S+ {2}POST \/__aya\/pools\/weighted\/backends\/w-us-1\/drain {2}w-us-1 in pool weighted: active → draining$/m,
    );

    const revert = await aya(["backends", "revert", "weighted", "w-us-1", ...url]);
    expect(revert.stdout).toMatch(/reverted, the deployed config applies\n$/);
    expect(await servedBy("/weighted/y", 8)).toEqual(new Set(["w-eu-1", "w-us-1"]));
  });

  it("adds a backend and sets a model alias's targets; config shows them", async () => {
    const origin = (await fetch(`${gateway}/__aya/config`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.json())) as { config: { pools: { weighted: { backends: { url: string }[] } } } };
    const url1 = origin.config.pools.weighted.backends[0]?.url as string;
    const put = await aya(["backends", "put", "weighted", "w-extra", url1, "--weight", "2", ...url]);
    expect(put.stdout).toMatch(new RegExp(`: w-extra in pool weighted: added \\(${url1}, weight 2\\)\\n$`));
    const model = await aya([
      "models",
      "put",
      "gpt",
      "openai/gpt-4o-mini=2",
      "anthropic/claude-3-5-haiku-latest",
      "--strategy",
      "weighted",
      ...url,
    ]);
    expect(model.stdout).toMatch(
      /model alias gpt: targets openai\/gpt-4o-mini, anthropic\/claude-3-5-haiku-latest \(weighted\)\n$/,
    );

    const config = JSON.parse((await aya(["config", ...url])).stdout) as {
      config: { pools: { weighted: { backends: { id: string }[] } }; models: { gpt: unknown } };
    };
    expect(config.config.pools.weighted.backends.map((b) => b.id)).toEqual(["w-eu-1", "w-us-1", "w-extra"]);
    expect(config.config.models.gpt).toEqual({
      strategy: "weighted",
      targets: [
        { provider: "openai", model: "gpt-4o-mini", weight: 2 },
        { provider: "anthropic", model: "claude-3-5-haiku-latest", weight: 1 },
      ],
    });
    expect((await aya(["backends", "delete", "weighted", "w-extra", ...url])).stdout).toMatch(
      /w-extra in pool weighted: removed\n$/,
    );
    expect((await aya(["models", "revert", "gpt", ...url])).stdout).toMatch(/reverted/);
  });

  it("lists every problem of a refused change, and exits 1", async () => {
    const bad = await aya(["backends", "put", "wieghted", "w-bad", "not-a-url", ...url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'aya: the gateway refused the change:\n  - pools: unknown pool "wieghted" (did you mean "weighted"?)\n',
    );
    const worse = await aya(["backends", "put", "weighted", "w-bad", "not-a-url", "--weight", "-1", ...url]);
    expect(worse.stderr.split("\n")).toEqual([
      "aya: the gateway refused the change:",
      "  - pools.weighted.backends[2].url: invalid URL",
      expect.stringMatching(/^ {2}- pools\.weighted\.backends\[2\]\.weight: /),
      "",
    ]);
  });

  it("says in one line what is wrong: no token, a wrong token, no gateway, an unreachable one", async () => {
    const noToken = await aya(["status", ...url], {});
    expect(noToken).toMatchObject({
      code: 2,
      stderr: "aya: set AYA_ADMIN_TOKEN to the gateway's admin token (its ADMIN_TOKEN secret)\n",
    });
    const wrong = await aya(["status", ...url], { AYA_ADMIN_TOKEN: "wrong" });
    expect(wrong).toMatchObject({
      code: 1,
      stderr: "aya: the gateway refused the admin token (401): check AYA_ADMIN_TOKEN\n",
    });
    const noUrl = await aya(["status"]);
    expect(noUrl.stderr).toBe("aya: which gateway? give --url https://gw.example.com (or set AYA_URL)\n");
    const port = await closedPort();
    const away = await aya(["status", "--url", `http://127.0.0.1:${port}`]);
    expect(away).toMatchObject({
      code: 1,
      stderr: `aya: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });
});

/** A port nothing listens on: one the system just gave out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
