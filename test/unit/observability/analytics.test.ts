// The Analytics Engine data point of one request: fixed positions, and limits the platform sets.
import { describe, expect, it } from "vitest";
import { dataPoint } from "../../../src/observability/analytics";
import { RequestRecord } from "../../../src/observability/request-record";

const trace = { traceId: "a".repeat(32), spanId: "b".repeat(16), traceparent: "" };

describe("an Analytics Engine data point", () => {
  it("cuts the index to 96 bytes on a character boundary", () => {
    const r = new RequestRecord(0, "id", trace, "GET", "h", "/x", "");
    r.matched({ path: `/${"é".repeat(60)}/*` });
    const index = dataPoint(r, 0).indexes?.[0] as string;
    expect(new TextEncoder().encode(index).length).toBeLessThanOrEqual(96);
    expect(index).toBe(`/${"é".repeat(47)}`);
  });

  it("writes 0 and empty strings for what does not apply", () => {
    const r = new RequestRecord(0, "id", trace, "GET", "h", "/x", "");
    r.status = 404;
    const p = dataPoint(r, 3);
    expect(p.doubles).toEqual([404, 3, 0, 0, 0, 0, 0, 0]);
    expect(p.blobs?.[5]).toBe("");
    expect(p.blobs).toHaveLength(14);
  });
});
