// AI routes under fault and attack, through the real Worker against fake providers on 127.0.0.1:
// stalled streams, providers that echo the key or redirect, oversized and deeply nested bodies,
// model names that are object keys, and the same status for the same case as on HTTP routes.

import { describe, expect, it } from "vitest";
import { FLUSH_JITTER, FLUSH_MS } from "../../src/replication/timing";
import { clockedGateway } from "../support/clocked";
import { clockedFetch } from "../support/clocked-fetch";
import { origin, stop } from "../support/farm";
import { gatewayFor } from "../support/gateway";
import { fakeProvider, lastRequest, providerMode, stopProvider } from "../support/providers";

const KEY = "sk-proj-Zq81Lm4Xc0Va7Ty2Pe6Nb9Rh3Ud5Wf1";
const ANTHROPIC_KEY = "sk-ant-api03-Hk2Jp9Lq4Ws7Ex1Rc5Tv8Yb3Nm6";
const secrets = { OA_KEY: KEY, AN_KEY: ANTHROPIC_KEY };

async function config(prefix: string, extra: Record<string, unknown> = {}) {
  return {
    debugHeaders: true,
    providers: {
      [`${prefix}oa`]: {
        type: "openai",
        apiKeySecret: "OA_KEY",
        baseUrl: `${await fakeProvider(`${prefix}oa`, "openai")}/v1`,
        ...((extra.openai as object) ?? {}),
      },
      [`${prefix}an`]: {
        type: "anthropic",
        apiKeySecret: "AN_KEY",
        baseUrl: await fakeProvider(`${prefix}an`, "anthropic"),
      },
    },
    models: {
      solo: { targets: [{ provider: `${prefix}oa`, model: "gpt-4o-mini" }] },
      pair: {
        targets: [
          { provider: `${prefix}oa`, model: "gpt-4o-mini" },
          { provider: `${prefix}an`, model: "claude-3-5-haiku-latest" },
        ],
      },
    },
    routes: [{ path: "/v1/*", ai: true }],
    ...((extra.gateway as object) ?? {}),
  };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra }),
});

/** Nothing of the key, whole or masked (its first six and last four characters) or as a code. */
function expectNoKey(text: string, key = KEY) {
  expect(text).not.toContain(key);
  expect(text).not.toContain(key.slice(0, 6));
  expect(text).not.toContain(key.slice(-4));
}

describe("a stream that stalls", () => {
  it("ends with the error event stream_timeout after streamIdleTimeoutMs of silence, and no [DONE]", async () => {
    const g = clockedFetch(await config("stall-"), secrets);
    await providerMode("stall-oa", "stall-stream");
    const res = await g.fetch("/v1/chat/completions", chat("solo", { stream: true }));
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    // The provider's first two events reach the client; then it goes quiet.
    while ((text.match(/\n\n/g) ?? []).length < 2) text += decoder.decode((await reader.read()).value);
    let ended = false;
    const rest = (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value);
      ended = true;
    })();
    // The idle timer (the 60 s default), not any other timer of the request.
    await g.clock.timerSet(60_000);
    g.advance(59_999);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(ended).toBe(false);
    g.advance(1);
    await rest;
    const events = text.split("\n\n").filter(Boolean);
    expect(text).not.toContain("[DONE]");
    expect(JSON.parse((events.at(-1) as string).slice(6))).toMatchObject({
      error: { code: "stream_timeout", type: "server_error" },
    });
  });
});

describe("provider errors never carry the key", () => {
  it("redacts the key from a provider's 4xx message and code passed on to the client", async () => {
    const call = gatewayFor(await config("echo1-"), secrets);
    await providerMode("echo1-oa", "echo-key:400");
    const res = await call("/v1/chat/completions", chat("solo"));
    expect(res.status).toBe(400);
    const text = await res.text();
    expectNoKey(text);
    expect(text).toContain("[redacted]");
  });

  it("answers a provider's 401 or 403 (the gateway's key refused) as 502 upstream_error, never 401, without its text", async () => {
    const call = gatewayFor(await config("echo2-"), secrets);
    for (const status of [401, 403]) {
      await providerMode("echo2-oa", `echo-key:${status}`);
      const res = await call("/v1/chat/completions", chat("solo"));
      expect(res.status).toBe(502);
      const text = await res.text();
      expectNoKey(text);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "upstream_error" } });
    }
  });

  it("moves on to the next target when a provider refuses the key", async () => {
    const call = gatewayFor(await config("echo3-"), secrets);
    await providerMode("echo3-oa", "echo-key:401");
    const res = await call("/v1/chat/completions", chat("pair"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-provider")).toBe("echo3-an");
  });

  it("redacts the key from a stream's final error event", async () => {
    const call = gatewayFor(await config("echo4-"), secrets);
    await providerMode("echo4-oa", "echo-key-stream");
    const res = await call("/v1/chat/completions", chat("solo", { stream: true }));
    const text = await res.text();
    expectNoKey(text);
    expect(text).toContain("stream_interrupted");
    expect(text).not.toContain("[DONE]");
  });
});

describe("redirects", () => {
  it("are never followed: a provider's 3xx is a 502 and the key never reaches the other host", async () => {
    const elsewhere = await fakeProvider("rd-elsewhere", "anthropic");
    const call = gatewayFor(await config("rd-"), secrets);
    await providerMode("rd-an", `redirect:${elsewhere}/v1/messages`);
    const res = await call("/v1/chat/completions", chat("rd-an/claude-3-5-haiku-latest"));
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "upstream_error" } });
    expect(await lastRequest("rd-elsewhere")).toBeNull();
  });
});

describe("request bodies", () => {
  it("answers 413 over limits.maxAiBodyBytes, as the body is read", async () => {
    const call = gatewayFor(await config("big-", { gateway: { limits: { maxAiBodyBytes: 1000 } } }), secrets);
    const body = JSON.stringify({ model: "solo", messages: [{ role: "user", content: "x".repeat(2000) }] });
    const declared = await call("/v1/chat/completions", { method: "POST", body });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { code: "payload_too_large" } });
    const chunked = await call("/v1/chat/completions", {
      method: "POST",
      body: new Blob([body]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("caps AI bodies at 8 MiB by default", async () => {
    const call = gatewayFor(await config("big2-"), secrets);
    const content = "x".repeat(9 * 1024 * 1024);
    const res = await call("/v1/chat/completions", chat("solo", { messages: [{ role: "user", content }] }));
    expect(res.status).toBe(413);
  });

  it("answers 431 in OpenAI's shape for headers over limits.maxHeaderBytes, before any provider", async () => {
    const call = gatewayFor(await config("hdr-"), secrets);
    await providerMode("hdr-oa", "ok");
    const res = await call("/v1/chat/completions", {
      ...chat("solo"),
      headers: { "content-type": "application/json", "x-big": "a".repeat(100 * 1024) },
    });
    expect(res.status).toBe(431);
    expect(await res.json()).toMatchObject({
      error: { code: "headers_too_large", type: "invalid_request_error" },
    });
    expect(await lastRequest("hdr-oa")).toBeNull();
  });

  it("serves the API on the canonical path: doubled slashes and dot segments are the same endpoint", async () => {
    const call = gatewayFor(await config("canon-"), secrets);
    expect((await call("/v1//chat/./completions", chat("solo"))).status).toBe(200);
    expect((await call("/v1/x/../models")).status).toBe(200);
  });

  it("answers 400 for JSON nested too deeply, cached (temperature 0) or not", async () => {
    const call = gatewayFor(await config("deep-"), secrets);
    const depth = 100_000;
    for (const temperature of [0, 1]) {
      const body = `{"model":"solo","temperature":${temperature},"messages":[{"role":"user","content":"hi"}],"metadata":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const res = await call("/v1/chat/completions", { method: "POST", body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    }
  });
});

describe("the same case answers the same status as on HTTP routes", () => {
  it("an alias whose only provider refuses connections answers 503 no_healthy_backend, as a refused pool does", async () => {
    const call = gatewayFor(await config("same-"), secrets);
    await stopProvider("same-oa");
    const ai = await call("/v1/chat/completions", chat("solo"));
    expect(ai.status).toBe(503);
    expect(await ai.json()).toMatchObject({ error: { code: "no_healthy_backend" } });

    const dead = await origin("same-http-1");
    await stop("same-http-1");
    const http = await gatewayFor({
      pools: { p: { backends: [dead] } },
      routes: [{ path: "/*", pool: "p" }],
    })("/x");
    expect(http.status).toBe(503);
    expect(await http.json()).toMatchObject({ error: { code: "no_healthy_backend" } });
  });

  it("carries the debug headers on AI errors too", async () => {
    const call = gatewayFor(await config("dbg-"), secrets);
    await stopProvider("dbg-oa");
    const res = await call("/v1/chat/completions", chat("solo"));
    expect(res.status).toBe(503);
    expect(res.headers.get("x-aya-route")).toBe("0");
    expect(res.headers.get("x-aya-provider")).toBe("dbg-oa");
    expect(res.headers.get("x-aya-model")).toBe("gpt-4o-mini");
    expect(res.headers.get("x-aya-attempts")).toBe("1");
  });

  it("caps a provider's Retry-After at 3600 s", async () => {
    const call = gatewayFor(await config("ra-"), secrets);
    await providerMode("ra-oa", "status:429:999999");
    const res = await call("/v1/chat/completions", chat("solo"));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3600");
  });
});

describe("model names are not object keys", () => {
  it("a request for provider/__proto__ breaks nothing: healthz, status and later requests work", async () => {
    const gw = clockedGateway(await config("proto-"), undefined, secrets);
    const first = await gw.call("/v1/chat/completions", chat("proto-oa/__proto__"));
    expect(first.status).toBe(200);
    expect((Object.prototype as Record<string, unknown>).promptTokens).toBeUndefined();
    gw.advance(2000);
    expect((await gw.call("/v1/chat/completions", chat("solo"))).status).toBe(200);
    expect((await gw.call("/__aya/healthz")).status).toBe(200);
    const status = await gw.call("/__aya/status", { headers: { authorization: "Bearer test-admin-token" } });
    expect(status.status).toBe(200);
  });

  it("counts usage per configured model, and every other model a client names in one bucket", async () => {
    const gw = clockedGateway(await config("many-"), undefined, secrets);
    for (let i = 0; i < 20; i++)
      expect((await gw.call("/v1/chat/completions", chat(`many-oa/made-up-${i}`))).status).toBe(200);
    await gw.call("/v1/chat/completions", chat("solo"));
    gw.advance(FLUSH_MS * (1 + FLUSH_JITTER) + 1);
    await gw.call("/v1/chat/completions", chat("solo"));
    const status = await gw.call("/__aya/status", { headers: { authorization: "Bearer test-admin-token" } });
    const provider = (
      JSON.parse(status.body) as {
        providers: { name: string; usage?: Record<string, { requests: number }> }[];
      }
    ).providers.find((p) => p.name === "many-oa");
    expect(Object.keys(provider?.usage ?? {}).sort()).toEqual(["(other models)", "gpt-4o-mini"]);
    expect(provider?.usage?.["(other models)"]?.requests).toBe(20);
  });
});
