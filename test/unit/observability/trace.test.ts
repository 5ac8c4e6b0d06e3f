// W3C traceparent parsing and the trace aya sends on: what is continued, what is restarted, and
// that ids come from the injected randomness.
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../src/clock";
import { parseTraceparent, traceOf } from "../../../src/observability/trace";

const ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent", () => {
  it("accepts version 00 exactly, and a later version with fields after it", () => {
    expect(parseTraceparent(`00-${ID}-${SPAN}-01`)).toEqual({ traceId: ID, parentId: SPAN, flags: "01" });
    expect(parseTraceparent(`00-${ID}-${SPAN}-01-extra`)).toBeUndefined();
    expect(parseTraceparent(`01-${ID}-${SPAN}-00-what-comes-next`)).toEqual({
      traceId: ID,
      parentId: SPAN,
      flags: "00",
    });
  });

  it("continues a later version as version 00, keeping trace id and flags", () => {
    const t = traceOf(new Headers({ traceparent: `cc-${ID}-${SPAN}-00-x` }), { random: seededRandom(1) });
    expect(t.traceparent).toMatch(new RegExp(`^00-${ID}-[0-9a-f]{16}-00$`));
    expect(t.parentId).toBe(SPAN);
  });

  it("takes new ids from the clock's randomness: the same seed, the same trace", () => {
    const a = traceOf(new Headers(), { random: seededRandom(7) });
    const b = traceOf(new Headers(), { random: seededRandom(7) });
    expect(a).toEqual(b);
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("never makes an all-zero id, even from a source that starts with zeros", () => {
    let n = 0;
    const zerosFirst = () => (n++ < 4 ? 0 : 0.5);
    expect(traceOf(new Headers(), { random: zerosFirst }).spanId).not.toMatch(/^0+$/);
  });
});
