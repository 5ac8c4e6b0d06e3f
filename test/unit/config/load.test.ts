// What the Worker says in the terminal (wrangler dev) or the logs (production) about its config:
// an invalid config's problems once, when an isolate first meets it (e.g. after wrangler reloads
// an edited wrangler.toml), and a warning while a local-testing switch is on.
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadGateway } from "../../../src/config/load";

afterEach(() => {
  vi.restoreAllMocks();
});

const logged = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map((call) => call.join(" ")).join("\n");

describe("loadGateway", () => {
  it("logs every problem of an invalid config once, however many requests see it", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const bad = { pools: { eu: { backends: [], stratgy: "random" } }, routes: [{ path: "/*", pool: "eu2" }] };
    for (let i = 0; i < 3; i++) expect(loadGateway(bad).ok).toBe(false);
    expect(error).toHaveBeenCalledTimes(1);
    const text = logged(error);
    expect(text).toContain("invalid");
    expect(text).toContain('pools.eu.stratgy: unknown field (did you mean "strategy"?)');
    expect(text).toContain('routes[0] "/*".pool: unknown pool "eu2" (did you mean "eu"?)');
  });

  it("logs an invalid JSON string config once too", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    loadGateway('{"routes": 5}');
    loadGateway('{"routes": 5}');
    expect(error).toHaveBeenCalledTimes(1);
  });
});

describe("local-testing switches", () => {
  it("warns once per isolate while dev.trustGeoHeaders or debugHeaders is on", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const routes = [{ path: "/hello", respond: { body: "hi" } }];
    loadGateway({ debugHeaders: true, dev: { trustGeoHeaders: true }, routes });
    loadGateway({ debugHeaders: true, dev: { trustGeoHeaders: true }, routes });
    loadGateway({ debugHeaders: true, routes });
    expect(warn).toHaveBeenCalledTimes(1);
    const text = logged(warn);
    expect(text).toContain("dev.trustGeoHeaders");
    expect(text).toContain("debugHeaders");
  });
});
