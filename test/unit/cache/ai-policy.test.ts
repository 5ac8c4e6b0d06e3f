// Which AI answers are cached and under which key, as pure functions of the request.
import { describe, expect, it } from "vitest";
import {
  aiCacheDecision,
  canonicalJson,
  DEFAULT_AI_TTL_SECONDS,
  keyMaterial,
} from "../../../src/cache/ai-policy";

const h = (init: Record<string, string> = {}) => new Headers(init);

describe("AI cache decision", () => {
  it("caches temperature-0 chat for the default ttl, and nothing else unasked", () => {
    expect(aiCacheDecision("chat", h(), 0)).toEqual({
      cache: true,
      ttlSeconds: DEFAULT_AI_TTL_SECONDS,
      lookup: true,
    });
    expect(DEFAULT_AI_TTL_SECONDS).toBe(3600);
    for (const temperature of [0.2, 1, null, undefined]) {
      expect(aiCacheDecision("chat", h(), temperature)).toEqual({ cache: false });
    }
    expect(aiCacheDecision("embeddings", h())).toEqual({ cache: false });
  });

  it("takes x-aya-cache-ttl as the ttl, 0 or an unreadable value as a bypass", () => {
    expect(aiCacheDecision("chat", h({ "x-aya-cache-ttl": "60" }), 0.9)).toEqual({
      cache: true,
      ttlSeconds: 60,
      lookup: true,
    });
    expect(aiCacheDecision("chat", h({ "x-aya-cache-ttl": "120" }), 0)).toMatchObject({ ttlSeconds: 120 });
    expect(aiCacheDecision("embeddings", h({ "x-aya-cache-ttl": "300" }))).toMatchObject({ ttlSeconds: 300 });
    for (const value of ["0", "-5", "1.5", "soon", "", "1e3"]) {
      expect(aiCacheDecision("chat", h({ "x-aya-cache-ttl": value }), 0), value).toEqual({ cache: false });
    }
  });

  it("follows the client's Cache-Control: no-store bypasses, no-cache skips only the lookup", () => {
    expect(aiCacheDecision("chat", h({ "cache-control": "no-store" }), 0)).toEqual({ cache: false });
    expect(aiCacheDecision("chat", h({ "cache-control": "no-store", "x-aya-cache-ttl": "60" }), 0)).toEqual({
      cache: false,
    });
    expect(aiCacheDecision("chat", h({ "cache-control": "no-cache" }), 0)).toMatchObject({ lookup: false });
    expect(aiCacheDecision("chat", h({ pragma: "no-cache" }), 0)).toMatchObject({ lookup: false });
  });
});

describe("AI cache key material", () => {
  const request = {
    model: "chat",
    temperature: 0,
    messages: [{ role: "user", content: "hi" }],
    tools: [{ type: "function", function: { name: "f", parameters: { b: 1, a: 2 } } }],
  };

  it("ignores key order at every depth, delivery, the user and explicit nulls", () => {
    const same = {
      tools: [{ function: { parameters: { a: 2, b: 1 }, name: "f" }, type: "function" }],
      messages: [{ content: "hi", role: "user" }],
      stream: true,
      stream_options: { include_usage: true },
      user: "u-1",
      safety_identifier: "s-1",
      top_p: null,
      temperature: 0,
      model: "chat",
    };
    expect(keyMaterial("chat", same)).toBe(keyMaterial("chat", request));
  });

  it("keeps everything that changes the answer, and array order", () => {
    const base = keyMaterial("chat", request);
    expect(keyMaterial("chat", { ...request, model: "openai/gpt-4o-mini" })).not.toBe(base);
    expect(keyMaterial("chat", { ...request, seed: 1 })).not.toBe(base);
    expect(keyMaterial("chat", { ...request, temperature: 0.0001 })).not.toBe(base);
    expect(
      keyMaterial("chat", { ...request, messages: [{ role: "system", content: "x" }, ...request.messages] }),
    ).not.toBe(base);
    expect(keyMaterial("embeddings", { model: "e", input: ["a", "b"] })).not.toBe(
      keyMaterial("embeddings", { model: "e", input: ["b", "a"] }),
    );
    expect(keyMaterial("embeddings", request)).not.toBe(base);
  });

  it("writes canonical JSON", () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: "x" })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
  });
});
