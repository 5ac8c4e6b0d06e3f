// Route matching: Hono path patterns, first match wins, methods and host narrow.
import { describe, expect, it } from "vitest";
import { parseGateway } from "../../../src/config/normalize";
import { rewritePath } from "../../../src/proxy/url";
import { routeTable } from "../../../src/routing/table";

const parsed = parseGateway({
  routes: [
    { path: "/users/:id", methods: ["GET"], respond: { body: "user" } },
    { path: "/api/*", host: "*.example.com", respond: { body: "api-sub" } },
    { path: "/api/*", respond: { body: "api" } },
    { path: "/*", respond: { body: "all" } },
  ],
});
if (!parsed.ok) throw new Error(parsed.errors.join());
const table = routeTable(parsed.config.routes);

describe("route table", () => {
  it("matches in config order with methods and host", () => {
    expect(table.match("GET", "x.example.com", "/users/7")?.index).toBe(0);
    expect(table.match("HEAD", "x.example.com", "/users/7")?.index).toBe(0);
    expect(table.match("POST", "x.example.com", "/users/7")?.index).toBe(3);
    expect(table.match("GET", "a.example.com:443", "/api/v1")?.index).toBe(1);
    expect(table.match("GET", "other.org", "/api/v1")?.index).toBe(2);
    expect(table.match("GET", "other.org", "/api")?.index).toBe(2);
    expect(table.match("GET", "other.org", "/elsewhere")?.index).toBe(3);
  });

  it("rewrites paths with stripPrefix and addPrefix", () => {
    expect(rewritePath("/api/users", { stripPrefix: "/api" })).toBe("/users");
    expect(rewritePath("/api", { stripPrefix: "/api" })).toBe("/");
    expect(rewritePath("/apix", { stripPrefix: "/api" })).toBe("/apix");
    expect(rewritePath("/a", { addPrefix: "/v2/" })).toBe("/v2/a");
  });
});
