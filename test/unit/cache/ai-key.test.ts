// Where an AI answer is kept: listable by the model as named, and apart per route, host and consumer.
import { describe, expect, it } from "vitest";
import { AI_KEY_PREFIX, aiCacheKey, aiModelPrefix } from "../../../src/cache/ai-key";
import { aiCacheDecision } from "../../../src/cache/ai-policy";

const request = { model: "chat", temperature: 0, messages: [{ role: "user", content: "hi" }] };
const scope = { route: { path: "/v1/*" }, host: "gw.example" };

describe("AI cache key", () => {
  it("starts with the model as named, so a purge lists one alias by prefix", async () => {
    const key = await aiCacheKey("chat", request, scope);
    expect(key.startsWith(await aiModelPrefix("chat"))).toBe(true);
    expect(key.startsWith(`${AI_KEY_PREFIX}chat:chat:`)).toBe(true);
    expect(key.endsWith("#host=gw.example")).toBe(true);
    // A name with ':' or '/' cannot reach into another alias's prefix.
    expect(await aiModelPrefix("openai/gpt-4o:mini")).toBe("a:openai%2Fgpt-4o%3Amini:");
    expect((await aiCacheKey("chat", { ...request, model: "chat:x" }, scope)).startsWith("a:chat:")).toBe(
      false,
    );
  });

  it("keeps answers apart per consumer, route and host", async () => {
    const base = await aiCacheKey("chat", request, scope);
    const keys = [
      await aiCacheKey("chat", request, { ...scope, consumer: "mobile-app" }),
      await aiCacheKey("chat", request, { ...scope, consumer: "web-app" }),
      await aiCacheKey("chat", request, { ...scope, route: { path: "/v2/*" } }),
      await aiCacheKey("chat", request, { ...scope, route: { path: "/v1/*", host: "gw.example" } }),
      await aiCacheKey("chat", request, { ...scope, host: "other.example" }),
    ];
    expect(new Set([base, ...keys]).size).toBe(6);
    expect(await aiCacheKey("chat", request, { ...scope, consumer: "web-app" })).toBe(keys[1]);
  });

  it("fits a long model name under KV's 512 bytes", async () => {
    const long = await aiCacheKey(
      "embeddings",
      { ...request, model: `p/${"m".repeat(2000)}` },
      {
        ...scope,
        host: `${"h".repeat(200)}.example`,
      },
    );
    expect(new TextEncoder().encode(long).byteLength).toBeLessThanOrEqual(512);
  });
});

describe("AI cache lifetime", () => {
  it("caps what a client asks for, and the default, at the configured maximum", () => {
    const ask = (ttl: string) => new Headers({ "x-aya-cache-ttl": ttl });
    expect(aiCacheDecision("chat", ask("999999999"), 1)).toMatchObject({ ttlSeconds: 86_400 });
    expect(aiCacheDecision("chat", ask("600"), 1, 120)).toMatchObject({ ttlSeconds: 120 });
    expect(aiCacheDecision("chat", new Headers(), 0, 60)).toMatchObject({ ttlSeconds: 60 });
  });
});
