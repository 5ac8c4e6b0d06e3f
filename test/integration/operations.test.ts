// Runtime operations through the Worker, as an operator meets them: each endpoint changes what
// clients get at once (in this isolate; other isolates within 2 s, see overlay-propagation), is
// versioned and audited, and an invalid change answers 400 with every problem and changes nothing.
import { describe, expect, it } from "vitest";
import { origin } from "../support/farm";
import { operatedGateway } from "../support/operated";
import { fakeProvider } from "../support/providers";

async function pool(prefix: string, n: number, extra: Record<string, unknown> = {}) {
  const backends = [];
  for (let i = 1; i <= n; i++) backends.push(await origin(`${prefix}-${i}`));
  return { strategy: "round-robin", healthCheck: { enabled: false }, ...extra, backends };
}

const config = (p: unknown) => ({ debugHeaders: true, pools: { p }, routes: [{ path: "/*", pool: "p" }] });

async function served(gw: { call(path: string): Promise<{ backend: string | null }> }, n: number) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const backend = (await gw.call(`/r${i}`)).backend ?? "none";
    counts[backend] = (counts[backend] ?? 0) + 1;
  }
  return counts;
}

describe("PUT /__aya/pools/{pool}/backends/{id}", () => {
  it("adds a backend that takes traffic at once, versioned, audited, in status and the effective config", async () => {
    const extra = await origin("ops-add-new");
    const gw = await operatedGateway(config(await pool("ops-add", 1, { slowStartSeconds: 0 })), "ops-add");
    expect(await served(gw, 2)).toEqual({ "ops-add-1": 2 });

    const put = await gw.admin("PUT", "/pools/p/backends/ops-add-new", { url: extra.url, weight: 1 });
    expect(put).toEqual({
      status: 200,
      json: {
        changed: true,
        version: 1,
        at: expect.any(String),
        change: "pools/p/backends/ops-add-new",
        summary: `ops-add-new in pool p: added (${extra.url}, weight 1)`,
      },
    });
    expect(await served(gw, 4)).toEqual({ "ops-add-1": 2, "ops-add-new": 2 });

    const status = await gw.admin("GET", "/status");
    const pools = status.json.pools as { backends: { id: string; state: string }[] }[];
    expect(pools[0]?.backends.map((b) => [b.id, b.state])).toEqual([
      ["ops-add-1", "active"],
      ["ops-add-new", "active"],
    ]);
    expect(status.json.overlay).toEqual({ version: 1, applied: 1, notApplied: [] });

    const effective = await gw.admin("GET", "/config");
    const backends = (effective.json.config as { pools: { p: { backends: unknown[] } } }).pools.p.backends;
    expect(backends).toEqual([
      { id: "ops-add-1", url: expect.any(String), weight: 1 },
      { id: "ops-add-new", url: extra.url, weight: 1 },
    ]);

    const audit = await gw.admin("GET", "/audit");
    expect(audit.json.entries).toEqual([
      expect.objectContaining({
        version: 1,
        at: expect.any(String),
        endpoint: "PUT /__aya/pools/p/backends/ops-add-new",
        change: "pools/p/backends/ops-add-new",
        summary: `ops-add-new in pool p: added (${extra.url}, weight 1)`,
      }),
    ]);
  });

  it("changes a backend's weight: the pool's traffic follows the new weights", async () => {
    const p = await pool("ops-weight", 2, { strategy: "weighted-round-robin" });
    const gw = await operatedGateway(config(p), "ops-weight");
    expect(await served(gw, 4)).toEqual({ "ops-weight-1": 2, "ops-weight-2": 2 });
    const put = await gw.admin("PUT", "/pools/p/backends/ops-weight-1", {
      url: p.backends[0]?.url,
      weight: 3,
    });
    expect(put.json.summary).toBe("ops-weight-1 in pool p: weight 1 → 3");
    expect(await served(gw, 8)).toEqual({ "ops-weight-1": 6, "ops-weight-2": 2 });
  });
});

describe("DELETE /__aya/pools/{pool}/backends/{id}", () => {
  it("removes a backend: no new request reaches it, and it leaves status", async () => {
    const gw = await operatedGateway(config(await pool("ops-del", 2)), "ops-del");
    const del = await gw.admin("DELETE", "/pools/p/backends/ops-del-2");
    expect(del.json).toMatchObject({ changed: true, version: 1, summary: "ops-del-2 in pool p: removed" });
    expect(await served(gw, 4)).toEqual({ "ops-del-1": 4 });
    const status = await gw.admin("GET", "/status");
    const pools = status.json.pools as { backends: { id: string }[] }[];
    expect(pools[0]?.backends.map((b) => b.id)).toEqual(["ops-del-1"]);
  });
});

describe("POST .../disable and .../enable", () => {
  it("takes a backend out of rotation at once, and brings it back ramping up over slowStartSeconds", async () => {
    const gw = await operatedGateway(config(await pool("ops-dis", 2, { slowStartSeconds: 20 })), "ops-dis");
    const off = await gw.admin("POST", "/pools/p/backends/ops-dis-2/disable");
    expect(off.json).toMatchObject({ changed: true, summary: "ops-dis-2 in pool p: active → disabled" });
    expect(await served(gw, 4)).toEqual({ "ops-dis-1": 4 });
    const status = await gw.admin("GET", "/status");
    const disabled = (status.json.pools as { backends: Record<string, unknown>[] }[])[0]?.backends[1];
    expect(disabled).toMatchObject({ id: "ops-dis-2", state: "disabled", since: expect.any(String) });

    const on = await gw.admin("POST", "/pools/p/backends/ops-dis-2/enable");
    expect(on.json).toMatchObject({
      summary: "ops-dis-2 in pool p: disabled → active (slow start over 20 s)",
    });
    // Back, with a tenth of its weight at first: 1 request in 11 …
    expect(await served(gw, 22)).toEqual({ "ops-dis-1": 20, "ops-dis-2": 2 });
    const ramping = (await gw.admin("GET", "/status")).json.pools as {
      backends: Record<string, unknown>[];
    }[];
    expect(ramping[0]?.backends[1]).toMatchObject({ state: "active", slowStart: { weightNow: 0.1 } });
    // … half of it half way through, all of it once the 20 s have passed.
    gw.advance(10_000);
    expect(await served(gw, 30)).toEqual({ "ops-dis-1": 20, "ops-dis-2": 10 });
    gw.advance(10_000);
    expect(await served(gw, 20)).toEqual({ "ops-dis-1": 10, "ops-dis-2": 10 });
  });

  it("answers a repeated operation with what it already is, changing nothing", async () => {
    const gw = await operatedGateway(config(await pool("ops-again", 2)), "ops-again");
    await gw.admin("POST", "/pools/p/backends/ops-again-1/disable");
    const again = await gw.admin("POST", "/pools/p/backends/ops-again-1/disable");
    expect(again.json).toEqual({
      changed: false,
      version: 1,
      summary: "ops-again-1 in pool p: already disabled",
    });
  });
});

describe("PUT /__aya/models/{alias}", () => {
  it("sets an alias's targets: the next request goes to the new target", async () => {
    const openai = `${await fakeProvider("ops-oa", "openai")}/v1`;
    const anthropic = await fakeProvider("ops-an", "anthropic");
    const gw = await operatedGateway(
      {
        debugHeaders: true,
        providers: {
          "ops-oa": { type: "openai", apiKeySecret: "OPS_KEY", baseUrl: openai },
          "ops-an": { type: "anthropic", apiKeySecret: "OPS_KEY", baseUrl: anthropic },
        },
        models: { chat: { targets: [{ provider: "ops-oa", model: "gpt-4o-mini" }] } },
        routes: [{ path: "/v1/*", ai: true }],
      },
      "ops-model",
      { OPS_KEY: "sk-ops-test" },
    );
    const ask = () =>
      gw.call("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hello" }] }),
      });
    expect((await ask()).headers.get("x-aya-provider")).toBe("ops-oa");
    const put = await gw.admin("PUT", "/models/chat", {
      strategy: "fallback",
      targets: [
        { provider: "ops-an", model: "claude-3-5-haiku-latest" },
        { provider: "ops-oa", model: "gpt-4o-mini" },
      ],
    });
    expect(put.json).toMatchObject({
      changed: true,
      summary: "model alias chat: targets ops-an/claude-3-5-haiku-latest, ops-oa/gpt-4o-mini (fallback)",
    });
    const res = await ask();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-provider")).toBe("ops-an");
  });
});

describe("an invalid change", () => {
  it("answers 400 with every problem, in the config's sentences, and applies nothing", async () => {
    const gw = await operatedGateway(config(await pool("ops-bad", 2)), "ops-bad");
    const bad = await gw.admin("PUT", "/pools/p/backends/ops-bad-3", {
      url: "https://user:pw@bad.example",
      weight: 0,
      maxConections: 10,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({
      code: "bad_request",
      problems: [
        "pools.p.backends[2].url: credentials in a URL are not allowed; use headers or apiKeySecret",
        expect.stringMatching(/^pools\.p\.backends\[2\]\.weight: /),
        'pools.p.backends[2].maxConections: unknown field (did you mean "maxConnections"?)',
      ],
    });
    const typo = await gw.admin("POST", "/pools/pp/backends/ops-bad-1/drain");
    expect(typo.status).toBe(400);
    expect((typo.json.error as { problems: string[] }).problems).toEqual([
      'pools: unknown pool "pp" (did you mean "p"?)',
    ]);
    const notJson = await gw.admin("PUT", "/pools/p/backends/ops-bad-3", "{url:");
    expect(notJson.status).toBe(400);
    expect((notJson.json.error as { problems: string[] }).problems[0]).toMatch(/^body: not valid JSON/);

    // Nothing applied: no version, no audit line, the same backends serving.
    expect((await gw.admin("GET", "/config")).json.overlay).toMatchObject({ version: 0, applied: 0 });
    expect((await gw.admin("GET", "/audit")).json.entries).toEqual([]);
    expect(await served(gw, 4)).toEqual({ "ops-bad-1": 2, "ops-bad-2": 2 });
  });

  it("is refused without the admin token, like every admin endpoint", async () => {
    const gw = await operatedGateway(config(await pool("ops-auth", 1)), "ops-auth");
    const res = await gw.call("/__aya/pools/p/backends/ops-auth-1/drain", {
      method: "POST",
      headers: { authorization: "Bearer wrong" },
    });
    expect(res.status).toBe(401);
    expect((await gw.call("/__aya/config")).status).toBe(401);
    expect((await gw.call("/__aya/audit")).status).toBe(401);
  });
});

describe("reverting a change", () => {
  it("forgets it, so that the deployed config applies again", async () => {
    const gw = await operatedGateway(config(await pool("ops-rev", 2)), "ops-rev");
    await gw.admin("DELETE", "/pools/p/backends/ops-rev-2");
    expect(await served(gw, 2)).toEqual({ "ops-rev-1": 2 });
    const revert = await gw.admin("DELETE", "/changes/pools/p/backends/ops-rev-2");
    expect(revert.json).toMatchObject({
      changed: true,
      version: 2,
      summary: "pools/p/backends/ops-rev-2: reverted, the deployed config applies",
    });
    expect(await served(gw, 2)).toEqual({ "ops-rev-1": 1, "ops-rev-2": 1 });
  });
});

describe("GET /__aya/config", () => {
  it("answers the effective config with every default, secret names and never their values", async () => {
    const openai = `${await fakeProvider("ops-cfg-oa", "openai")}/v1`;
    const gw = await operatedGateway(
      {
        pools: { p: await pool("ops-cfg", 1) },
        providers: { "ops-cfg-oa": { type: "openai", apiKeySecret: "OPS_CFG_KEY", baseUrl: openai } },
        routes: [{ path: "/*", pool: "p" }],
      },
      "ops-cfg",
    );
    await gw.admin("POST", "/pools/p/backends/ops-cfg-1/drain");
    const res = await gw.admin("GET", "/config");
    const text = JSON.stringify(res.json);
    expect(text).toContain('"apiKeySecret":"OPS_CFG_KEY"');
    expect(text).not.toContain("test-admin-token");
    expect(res.json.config).toMatchObject({ pools: { p: { timeoutMs: 30000, slowStartSeconds: 30 } } });
    expect(res.json.backends).toEqual([
      { pool: "p", id: "ops-cfg-1", state: "draining", since: expect.any(String) },
    ]);
    expect(res.json.changes).toEqual([
      expect.objectContaining({ change: "pools/p/backends/ops-cfg-1", applied: true, rotation: "draining" }),
    ]);
  });
});

describe("GET /__aya/audit", () => {
  it("lists changes newest first, a page at a time", async () => {
    const gw = await operatedGateway(config(await pool("ops-audit", 2)), "ops-audit");
    await gw.admin("POST", "/pools/p/backends/ops-audit-1/drain");
    await gw.admin("POST", "/pools/p/backends/ops-audit-1/disable");
    await gw.admin("POST", "/pools/p/backends/ops-audit-1/enable");
    const versions = async (query: string) =>
      ((await gw.admin("GET", `/audit${query}`)).json.entries as { version: number }[]).map((e) => e.version);
    expect(await versions("")).toEqual([3, 2, 1]);
    expect(await versions("?limit=2")).toEqual([3, 2]);
    expect(await versions("?before=2")).toEqual([1]);
    const bad = await gw.admin("GET", "/audit?limit=0");
    expect(bad.status).toBe(400);
    expect((bad.json.error as { message: string }).message).toBe("limit: must be an integer from 1 to 1000");
  });
});
