// One write a second per key, per isolate, with a bounded memory of keys.
import { describe, expect, it } from "vitest";
import { WritePace } from "../../../src/cache/write-pace";

describe("write pace", () => {
  it("lets a key be written once a second, other keys independently", () => {
    const pace = new WritePace(1000);
    expect(pace.take("a", 0)).toBe(true);
    expect(pace.take("a", 999)).toBe(false);
    expect(pace.take("b", 999)).toBe(true);
    expect(pace.take("a", 1000)).toBe(true);
    expect(pace.take("a", 1500)).toBe(false);
  });

  it("skips writes of new keys while it remembers as many keys as it may, until they age out", () => {
    const pace = new WritePace(1000, 2);
    expect(pace.take("a", 0)).toBe(true);
    expect(pace.take("b", 0)).toBe(true);
    expect(pace.take("c", 500)).toBe(false);
    expect(pace.take("c", 1000)).toBe(true);
  });
});
