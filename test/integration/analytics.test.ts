// Workers Analytics Engine: with an ANALYTICS dataset bound, each request is one data point in
// the documented layout (README: "Analytics Engine"); a dataset that throws never fails a request.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { origin } from "../support/farm";
import { gatewayFor } from "../support/gateway";
import { fakeProvider } from "../support/providers";

class FakeDataset {
  readonly points: AnalyticsEngineDataPoint[] = [];
  writeDataPoint(point?: AnalyticsEngineDataPoint): void {
    if (point) this.points.push(point);
  }
}

let config: Record<string, unknown>;
beforeAll(async () => {
  const a = await origin("ae-1");
  const oa = await fakeProvider("ae-oa", "openai");
  config = {
    pools: { aep: { backends: [a], healthCheck: { enabled: false } } },
    providers: { "ae-oa": { type: "openai", apiKeySecret: "AE_KEY", baseUrl: `${oa}/v1` } },
    models: { chat: { targets: [{ provider: "ae-oa", model: "gpt-4o-mini", inputCostPer1M: 1 }] } },
    routes: [
      { path: "/v1/*", ai: true },
      { path: "/ae/*", pool: "aep" },
    ],
  };
});

describe("Analytics Engine data points", () => {
  it("writes one per request: route index, blobs and doubles in the documented order", async () => {
    const dataset = new FakeDataset();
    const call = gatewayFor(config, { ANALYTICS: dataset, AE_KEY: "sk-ae" });
    await (await call("/ae/page?secret=1", { headers: { "x-request-id": "ae-req-1" } })).text();
    await (await call("/nowhere")).text();
    const chat = await call("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi there" }] }),
    });
    const usage = ((await chat.json()) as { usage: { prompt_tokens: number; completion_tokens: number } })
      .usage;
    expect(dataset.points).toHaveLength(3);
    const [proxied, unmatched, ai] = dataset.points;
    expect(proxied?.indexes).toEqual(["/ae/*"]);
    expect(proxied?.blobs?.slice(0, 8)).toEqual([
      "/ae/*",
      "GET",
      "gw.example",
      "/ae/page",
      "2xx",
      "aep",
      "ae-1",
      "",
    ]);
    expect(proxied?.blobs?.[12]).toBe("ae-req-1");
    expect(proxied?.blobs?.[13]).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(proxied)).not.toContain("secret=1");
    expect(proxied?.doubles?.[0]).toBe(200);
    expect(proxied?.doubles?.[3]).toBe(1);
    expect(unmatched?.indexes).toEqual(["(unmatched)"]);
    expect(unmatched?.blobs?.[11]).toBe("no_route");
    expect(unmatched?.doubles?.[0]).toBe(404);
    expect(ai?.blobs?.slice(9, 11)).toEqual(["ae-oa", "gpt-4o-mini"]);
    expect(ai?.doubles?.slice(4, 6)).toEqual([usage.prompt_tokens, usage.completion_tokens]);
  });

  it("keeps the index within the platform's 96 bytes", async () => {
    const dataset = new FakeDataset();
    const long = `/${"segment-".repeat(20)}/*`;
    const call = gatewayFor(
      { routes: [{ path: long, respond: { status: 200, body: "ok" } }] },
      { ANALYTICS: dataset },
    );
    await (await call(`/${"segment-".repeat(20)}/x`)).text();
    const index = dataset.points[0]?.indexes?.[0] as string;
    expect(new TextEncoder().encode(index).length).toBeLessThanOrEqual(96);
    expect(long.startsWith(index)).toBe(true);
  });

  it("never fails a request when the dataset refuses a point", async () => {
    const broken = {
      writeDataPoint() {
        throw new Error("quota");
      },
    };
    const warned = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const call = gatewayFor(config, { ANALYTICS: broken });
    const res = await call("/ae/x");
    expect(res.status).toBe(200);
    expect(String(warned.mock.calls[0]?.[0])).toContain("analytics data point refused");
    warned.mockRestore();
  });
});
