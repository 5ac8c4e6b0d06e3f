// The configuration reference (docs/CONFIG.md, docs/gateway.schema.json) is generated from the
// zod schema and scripts/config-docs/fields.ts: it must be what the schema generates today, and a
// field without documentation (one added to the schema later, say) stops the generator by name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIELDS } from "../../scripts/config-docs/fields.ts";
import { configReference } from "../../scripts/config-docs/render.ts";

const ROOT = join(import.meta.dirname, "../..");
const committed = (file: string) => readFileSync(join(ROOT, file), "utf8");

describe("the configuration reference", () => {
  const reference = configReference();

  it("documents every field of the schema, and nothing else", () => {
    expect(reference.problems).toEqual([]);
  });

  it("is what the schema generates (run npm run docs:config after changing either)", () => {
    expect(committed("docs/CONFIG.md")).toBe(reference.markdown);
    expect(committed("docs/gateway.schema.json")).toBe(reference.jsonSchema);
  });

  it("names a schema field that has no documentation", () => {
    const { "pools.<pool>.panic": _, ...docs } = FIELDS;
    expect(configReference({ docs }).problems).toEqual([
      "pools.<pool>.panic has no documentation: add it to scripts/config-docs/fields.ts",
    ]);
  });

  it("names documentation whose field is gone", () => {
    const docs = { ...FIELDS, "pools.<pool>.colour": { meaning: "x" } };
    expect(configReference({ docs }).problems).toEqual([
      "scripts/config-docs/fields.ts documents pools.<pool>.colour, which the schema does not have",
    ]);
  });

  it("documents what only the code said before: panic, failureRate, minRequests, tcp probes, addPrefix, provider headers, redirect placeholders, the default probe", () => {
    const md = reference.markdown;
    for (const path of [
      "pools.<pool>.panic",
      "pools.<pool>.circuitBreaker.failureRate",
      "pools.<pool>.circuitBreaker.minRequests",
      "pools.<pool>.healthCheck.type",
      "routes[].rewrite.addPrefix",
      "providers.<provider>.headers",
      "routes[].redirect.to",
    ])
      expect(md).toContain(`| \`${path}\` |`);
    expect(md).toContain("`tcp` only opens a connection");
    expect(md).toContain("`{path}` is replaced by the request's path and `{query}`");
    expect(md).toContain("a pool without `healthCheck` is probed with `GET /` every 60 s");
  });

  it("gives editors each field's meaning as its JSON Schema description", () => {
    const schema = JSON.parse(reference.jsonSchema);
    const strategy = schema.properties.pools.additionalProperties.properties.strategy;
    expect(strategy.default).toBe("least-response-time");
    expect(strategy.description).toContain("How a backend is picked");
  });
});
