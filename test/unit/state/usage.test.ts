// Usage tables are keyed by model names, which clients may choose: none of them is special.
import { describe, expect, it } from "vitest";
import { addUsage, type UsageByModel } from "../../../src/state/usage";

describe("usage tables", () => {
  it("count __proto__ and constructor as models like any other, leaving Object.prototype alone", () => {
    const table: UsageByModel = {};
    for (const model of ["__proto__", "constructor", "toString", "gpt"])
      addUsage(table, model, { promptTokens: 2, completionTokens: 3, requests: 1 });
    addUsage(table, "__proto__", { promptTokens: 1, completionTokens: 1, requests: 1 });
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect((Object.prototype as Record<string, unknown>).promptTokens).toBeUndefined();
    expect(Object.keys(table).sort()).toEqual(["__proto__", "constructor", "gpt", "toString"]);
    expect(Object.getOwnPropertyDescriptor(table, "__proto__")?.value).toEqual({
      promptTokens: 3,
      completionTokens: 4,
      requests: 2,
    });
    expect(JSON.parse(JSON.stringify(table)).constructor.requests).toBe(1);
  });
});
