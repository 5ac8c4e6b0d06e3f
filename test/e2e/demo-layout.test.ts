// The demo's ports under AYA_PORT: every one moves by the same amount as the gateway, in the
// config wrangler is handed and in the lines npm start prints.
import { describe, expect, it } from "vitest";
import { demoLayout } from "../../scripts/lib/demo.ts";

const gateway = {
  pools: {
    eu: { backends: [{ id: "eu-1", url: "http://127.0.0.1:9101" }] },
    sticky: { backends: [{ id: "sticky-eu-1", url: "http://127.0.0.1:9101" }] },
    far: { backends: [{ id: "far-1", url: "https://far.example.com" }] },
  },
  providers: { openai: { type: "openai", baseUrl: "http://127.0.0.1:9401/v1" } },
};

describe("demoLayout", () => {
  const layout = demoLayout(gateway, 8797);

  it("moves the gateway, the control APIs, the origins and the providers by the same amount", () => {
    expect(layout.ports.map((p) => p.port)).toEqual([8797, 9110, 9111, 9410, 9411]);
    expect(layout.origins).toEqual([{ id: "eu-1", region: "eu", port: 9111 }]);
    expect(layout.providers).toEqual([{ id: "fake-openai", kind: "openai", port: 9411 }]);
  });

  it("hands wrangler the config with local URLs moved and the rest as written", () => {
    const moved = layout.gateway as typeof gateway;
    expect(moved.pools.eu.backends[0]?.url).toBe("http://127.0.0.1:9111");
    expect(moved.pools.sticky.backends[0]?.url).toBe("http://127.0.0.1:9111");
    expect(moved.pools.far.backends[0]?.url).toBe("https://far.example.com");
    expect(moved.providers.openai.baseUrl).toBe("http://127.0.0.1:9411/v1");
    expect(gateway.pools.eu.backends[0]?.url).toBe("http://127.0.0.1:9101");
  });

  it("moves the demo's ports in the lines it prints, and nothing else", () => {
    expect(
      layout.shiftText(
        'curl -X POST -d \'{"mode":"status:429:30"}\' localhost:9100/origins/eu-1/mode # control API on :9400, not :8080',
      ),
    ).toBe(
      'curl -X POST -d \'{"mode":"status:429:30"}\' localhost:9110/origins/eu-1/mode # control API on :9410, not :8080',
    );
    expect(layout.shiftText("curl localhost:8787/api/hello")).toBe("curl localhost:8797/api/hello");
  });
});
