// One canonical path: every spelling of a path is the same path, and encoded separators are refused.
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/errors";
import { canonicalPath } from "../../../src/routing/path";

describe("canonical paths", () => {
  it("decodes unreserved characters, merges slashes and resolves dot segments", () => {
    const cases: [string, string][] = [
      ["/", "/"],
      ["/api/users/7", "/api/users/7"],
      ["/%62locked/x", "/blocked/x"],
      ["//blocked", "/blocked"],
      ["/a//b///c/", "/a/b/c/"],
      ["/x/../blocked", "/blocked"],
      ["/x/%2e%2e/blocked", "/blocked"],
      ["/a/./b/.", "/a/b/"],
      ["/a/b/..", "/a/"],
      ["/../../etc", "/etc"],
      ["/caf%c3%a9", "/caf%C3%A9"],
      ["/%7Euser/%41%5a", "/~user/AZ"],
      ["/a%20b", "/a%20b"],
    ];
    for (const [raw, canonical] of cases) expect(canonicalPath(raw), raw).toBe(canonical);
  });

  it("refuses an encoded slash or backslash, in either case", () => {
    for (const raw of ["/blocked%2Fx", "/x/..%2fblocked", "/pub/..%5Csecret", "/a%5cb"]) {
      expect(() => canonicalPath(raw), raw).toThrow(GatewayError);
      try {
        canonicalPath(raw);
      } catch (error) {
        expect((error as GatewayError).status).toBe(400);
      }
    }
  });
});
