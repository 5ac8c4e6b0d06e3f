// Provider text reaches clients only with every configured key, and anything like one, removed.
import { describe, expect, it } from "vitest";
import { configuredKeys, REDACTED, redactor } from "../../../src/ai/redact";

const key = "sk-proj-Zq81Lm4Xc0Va7Ty2Pe6Nb9Rh3Ud5Wf1";
const redact = redactor([key, "AIzaSyD-1a2b3c4d5e6f7g8h9i0j"]);

describe("redacting keys from provider text", () => {
  it("removes a key whole, masked as providers show it, or as a long fragment", () => {
    expect(redact(`Incorrect API key provided: ${key}.`)).toBe(`Incorrect API key provided: ${REDACTED}.`);
    expect(redact("Incorrect API key provided: sk-pro***5Wf1.")).toBe(
      `Incorrect API key provided: ${REDACTED}.`,
    );
    expect(redact("key ending in …Ud5Wf1 was refused")).toBe(`key ending in ${REDACTED} was refused`);
    expect(redact("bad key Zq81Lm4Xc0Va7Ty2 here")).toBe(`bad key ${REDACTED} here`);
    expect(redact("API key not valid: AIzaSyD-1a2b3c4d5e6f7g8h9i0j")).toBe(`API key not valid: ${REDACTED}`);
  });

  it("keeps ordinary text, and short common fragments", () => {
    for (const text of [
      "rate limited, try again in 20s",
      "model gpt-4o-mini does not exist",
      "invalid_api_key",
    ])
      expect(redact(text)).toBe(text);
  });

  it("reads the keys the configured providers name from the env", () => {
    expect(
      configuredKeys([{ apiKeySecret: "A" }, { apiKeySecret: "B" }, {}], {
        A: "sk-a-123456789",
        B: "",
        C: "x",
      }),
    ).toEqual(["sk-a-123456789"]);
  });
});
