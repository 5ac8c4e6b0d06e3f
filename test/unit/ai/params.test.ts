// A known OpenAI parameter that a provider cannot honour is a 400 in OpenAI's shape naming it,
// never silently dropped; one it can honour is translated; one that cannot change the answer
// may be ignored. One scenario per row: provider, parameter and value, what the client gets.
import { describe, expect, it } from "vitest";
import { AiError } from "../../../src/ai/errors";
import { adapters } from "../../../src/ai/providers";
import { chat, target } from "./feed";

type Provider = "anthropic" | "gemini" | "workers-ai";
type Outcome = "refused" | "accepted";

const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }];

const rows: [Provider[], Record<string, unknown>, Outcome][] = [
  // Sampling
  [["anthropic"], { temperature: 1.01 }, "refused"],
  [["anthropic", "gemini", "workers-ai"], { temperature: 1 }, "accepted"],
  [["gemini", "workers-ai"], { temperature: 2 }, "accepted"],
  [["anthropic", "gemini", "workers-ai"], { top_p: 0.5, top_k: 3 }, "accepted"],
  [["anthropic"], { seed: 1 }, "refused"],
  [["gemini", "workers-ai"], { seed: 1 }, "accepted"],
  [["anthropic"], { presence_penalty: 0.5 }, "refused"],
  [["anthropic"], { frequency_penalty: -1 }, "refused"],
  [["anthropic"], { presence_penalty: 0, frequency_penalty: 0 }, "accepted"],
  [["gemini", "workers-ai"], { presence_penalty: 0.5, frequency_penalty: -1 }, "accepted"],
  [["anthropic", "gemini", "workers-ai"], { logit_bias: { "50256": -100 } }, "refused"],
  [["anthropic", "gemini", "workers-ai"], { logit_bias: {} }, "accepted"],
  [["anthropic", "gemini", "workers-ai"], { logprobs: true }, "refused"],
  [["anthropic", "gemini", "workers-ai"], { logprobs: false }, "accepted"],
  [["anthropic", "gemini", "workers-ai"], { top_logprobs: 2 }, "refused"],
  // Choices, stop, length
  [["anthropic", "workers-ai"], { n: 2 }, "refused"],
  [["anthropic", "workers-ai"], { n: 1 }, "accepted"],
  [["gemini"], { n: 3 }, "accepted"],
  [["workers-ai"], { stop: ["\n"] }, "refused"],
  [["anthropic", "gemini"], { stop: ["\n"] }, "accepted"],
  [["anthropic", "gemini", "workers-ai"], { max_tokens: 5, max_completion_tokens: 6 }, "accepted"],
  // Output format
  [["anthropic"], { response_format: { type: "json_object" } }, "refused"],
  [["gemini", "workers-ai"], { response_format: { type: "json_object" } }, "accepted"],
  [
    ["anthropic", "gemini", "workers-ai"],
    { response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } } },
    "accepted",
  ],
  [["workers-ai"], { stream: true, response_format: { type: "json_object" } }, "refused"],
  [["anthropic", "gemini", "workers-ai"], { modalities: ["text"] }, "accepted"],
  [["anthropic", "gemini", "workers-ai"], { modalities: ["text", "audio"] }, "refused"],
  [["anthropic", "gemini", "workers-ai"], { audio: { voice: "alloy", format: "wav" } }, "refused"],
  [["anthropic", "gemini", "workers-ai"], { verbosity: "low" }, "refused"],
  [["anthropic", "gemini", "workers-ai"], { web_search_options: {} }, "refused"],
  // Tools
  [["anthropic", "gemini"], { tools, tool_choice: "required", parallel_tool_calls: true }, "accepted"],
  [["anthropic"], { tools, parallel_tool_calls: false }, "accepted"],
  [["gemini", "workers-ai"], { tools, parallel_tool_calls: false }, "refused"],
  [["workers-ai"], { tools, tool_choice: "required" }, "refused"],
  [["workers-ai"], { tools, tool_choice: { type: "function", function: { name: "f" } } }, "refused"],
  [["workers-ai"], { tools, tool_choice: "auto" }, "accepted"],
  [["anthropic", "gemini", "workers-ai"], { functions: [{ name: "f" }], function_call: "auto" }, "refused"],
  // Reasoning
  [["gemini"], { reasoning_effort: "high" }, "accepted"],
  [["gemini"], { reasoning_effort: "minimal" }, "refused"],
  [["anthropic", "workers-ai"], { reasoning_effort: "low" }, "refused"],
  // What cannot change the answer, and who the end user is
  [
    ["anthropic", "gemini", "workers-ai"],
    {
      store: true,
      metadata: { run: "7" },
      service_tier: "flex",
      prediction: { type: "content", content: "x" },
      prompt_cache_key: "k",
      user: "u",
      safety_identifier: "s",
    },
    "accepted",
  ],
  // Content parts
  [
    ["anthropic", "gemini", "workers-ai"],
    {
      messages: [
        { role: "user", content: [{ type: "input_audio", input_audio: { data: "AA==", format: "wav" } }] },
      ],
    },
    "refused",
  ],
  [
    ["anthropic", "gemini"],
    {
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA==" } }] },
      ],
    },
    "accepted",
  ],
  // Not an OpenAI parameter at all
  [["anthropic", "gemini", "workers-ai"], { frobnicate: true }, "refused"],
];

const build = (provider: Provider, body: Record<string, unknown>) =>
  adapters[provider].chatRequest(chat(body), target(provider));

describe("parameters a provider cannot honour", () => {
  for (const [providers, body, outcome] of rows) {
    for (const provider of providers) {
      const param = Object.keys(body).find((k) => k !== "tools" && k !== "stream") ?? "";
      it(`${provider}: ${JSON.stringify(body)} is ${outcome}`, () => {
        if (outcome === "accepted") {
          expect(() => build(provider, body)).not.toThrow();
          return;
        }
        let error: unknown;
        try {
          build(provider, body);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(AiError);
        const expectedParam = param === "messages" ? "messages[0].content[0]" : param;
        expect(error).toMatchObject({
          status: 400,
          type: "invalid_request_error",
          code: "unsupported_parameter",
          param: expectedParam,
        });
        expect((error as AiError).message).toContain(`${expectedParam} is not supported by ${provider}`);
      });
    }
  }

  it("count null as absent", () => {
    const nulls = {
      n: null,
      seed: null,
      stop: null,
      temperature: null,
      logprobs: null,
      logit_bias: null,
      tools: null,
      tool_choice: null,
      response_format: null,
      reasoning_effort: null,
      user: null,
    };
    for (const provider of ["anthropic", "gemini", "workers-ai"] as const)
      expect(() => build(provider, nulls)).not.toThrow();
  });

  it("answer in OpenAI's error shape", async () => {
    let error: AiError | undefined;
    try {
      build("anthropic", { temperature: 1.7 });
    } catch (e) {
      error = e as AiError;
    }
    const res = error?.toResponse("req-1");
    expect(res?.status).toBe(400);
    expect(res?.headers.get("x-request-id")).toBe("req-1");
    expect(await res?.json()).toEqual({
      error: {
        message: "temperature is not supported by anthropic: Claude's temperature range is 0 to 1",
        type: "invalid_request_error",
        code: "unsupported_parameter",
        param: "temperature",
      },
    });
  });

  it("leave OpenAI and compatible servers to judge their own parameters", () => {
    for (const provider of ["openai", "openai-compatible", "azure-openai"] as const)
      expect(() =>
        adapters[provider].chatRequest(
          chat({ logprobs: true, n: 3, seed: 1, frobnicate: true }),
          target(provider, { baseUrl: "https://x", apiVersion: "v" }),
        ),
      ).not.toThrow();
  });
});
