// Consumers on an AI route, through the Worker with the official openai SDK: the SDK's apiKey is
// simply the aya key; no key, a wrong one, or a model outside the key's models are the SDK's own
// AuthenticationError (401 invalid_api_key) and PermissionDeniedError (403 model_not_allowed),
// decided before any provider is called; /models lists what the key may use; cached answers are
// kept per consumer.
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { clockedFetch, countFetches } from "../support/clocked-fetch";
import { fakeProvider } from "../support/providers";

async function setup(prefix: string) {
  const base = `${await fakeProvider(`${prefix}-oa`, "openai")}/v1`;
  const gw = clockedFetch(
    {
      providers: { [`${prefix}-oa`]: { type: "openai", apiKeySecret: "OPENAI_KEY", baseUrl: base } },
      models: {
        chat: { targets: [{ provider: `${prefix}-oa`, model: "gpt-4o-mini" }] },
        premium: { targets: [{ provider: `${prefix}-oa`, model: "gpt-4o" }] },
      },
      routes: [{ path: "/v1/*", ai: true, auth: { methods: ["key"] } }],
    },
    { OPENAI_KEY: "sk-provider" },
  );
  const key = async (policy: Record<string, unknown>) => {
    const res = await gw.fetch("/__aya/keys", {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" },
      body: JSON.stringify(policy),
    });
    return ((await res.json()) as { key: string }).key;
  };
  const client = (apiKey: string) =>
    new OpenAI({ apiKey, baseURL: "https://gw.example/v1", fetch: gw.fetch, maxRetries: 0 });
  return { gw, base, key, client };
}

const messages = [{ role: "user" as const, content: "hello" }];

describe("an AI route with auth", () => {
  it("takes an aya key as the SDK's apiKey", async () => {
    const { key, client } = await setup("cai-ok");
    const aya = await key({ consumer: "acme" });
    const answer = await client(aya).chat.completions.create({ model: "chat", messages });
    expect(answer.choices[0]?.message.role).toBe("assistant");
  });

  it("raises AuthenticationError (401 invalid_api_key) without a valid key, and calls no provider", async () => {
    const { gw, base, client } = await setup("cai-401");
    const calls = countFetches(base);
    try {
      const error = await client(`aya_${"n".repeat(40)}`)
        .chat.completions.create({ model: "chat", messages })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
      // Without any key (the SDK refuses to send none: plain HTTP).
      const missing = await gw.fetch("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "chat", messages }),
      });
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await missing.json()).toMatchObject({
        error: { code: "invalid_api_key", type: "invalid_request_error" },
      });
      expect(calls.count).toBe(0);
    } finally {
      calls.restore();
    }
  });

  it("raises PermissionDeniedError (403 model_not_allowed) for a model outside the key's, and lists only its own", async () => {
    const { base, key, client } = await setup("cai-403");
    const aya = await key({ consumer: "thrifty", models: ["chat"] });
    const calls = countFetches(base);
    try {
      const error = await client(aya)
        .chat.completions.create({ model: "premium", messages })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe("model_not_allowed");
      const direct = await client(aya)
        .chat.completions.create({ model: "cai-403-oa/gpt-4o", messages })
        .catch((e: unknown) => e);
      expect(direct).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(calls.count).toBe(0);
    } finally {
      calls.restore();
    }
    const models = await client(aya).models.list();
    expect(models.data.map((m) => m.id)).toEqual(["chat"]);
  });

  it("keeps cached answers per consumer: one key never gets another's", async () => {
    const { gw, base, key, client } = await setup("cai-cache");
    const [a, b] = [await key({ consumer: "alpha" }), await key({ consumer: "beta" })];
    const ask = (k: string) =>
      client(k).chat.completions.create({
        model: "chat",
        temperature: 0,
        messages: [{ role: "user", content: "same" }],
      });
    const calls = countFetches(base);
    try {
      await ask(a);
      await gw.settle();
      await ask(a);
      expect(calls.count).toBe(1);
      await ask(b);
      expect(calls.count).toBe(2);
    } finally {
      calls.restore();
    }
  });
});
