// Route cache keys: the host is part of every key, and a long key still fits KV's 512 bytes.
import { describe, expect, it } from "vitest";
import { cacheKey, hostOfKey } from "../../../src/cache/key";

const none = new Headers();

describe("route cache keys", () => {
  it("carry the request's host after the URL", async () => {
    const a = await cacheKey("c:12345678:", "/me?a=1", "tenant-a.example", [], none);
    const b = await cacheKey("c:12345678:", "/me?a=1", "tenant-b.example", [], none);
    expect(a).toBe("c:12345678:/me?a=1#host=tenant-a.example");
    expect(b).not.toBe(a);
    expect(hostOfKey(a)).toBe("tenant-a.example");
    const varied = await cacheKey(
      "c:12345678:",
      "/me",
      "gw.example:8443",
      ["accept"],
      new Headers({ accept: "x" }),
    );
    expect(hostOfKey(varied)).toBe("gw.example:8443");
  });

  it("fit in 512 bytes with a long URL and a long host, and stay apart", async () => {
    const host = `${"h".repeat(60)}.${"i".repeat(60)}.${"j".repeat(60)}.example`;
    const url = `/${"p".repeat(2000)}`;
    const one = await cacheKey("c:12345678:", url, host, [], none);
    const two = await cacheKey("c:12345678:", `${url}x`, host, [], none);
    expect(new TextEncoder().encode(one).byteLength).toBeLessThanOrEqual(512);
    expect(one).not.toBe(two);
    expect(hostOfKey(one)).toBe(host);
    expect(one.startsWith("c:12345678:/ppp")).toBe(true);
  });
});
