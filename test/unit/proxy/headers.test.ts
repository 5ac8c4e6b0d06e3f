// Header hygiene in both directions, as the backend and the client see it.
import { describe, expect, it } from "vitest";
import { downstreamResponse, upstreamHeaders } from "../../../src/proxy/headers";

const none = { set: {}, remove: [] };
const fwd = { clientIp: "203.0.113.7", proto: "https", host: "gw.example", requestId: "req-1" };

describe("to the backend", () => {
  it("drops hop-by-hop headers, the ones Connection names, Cloudflare's and the dev geo headers", () => {
    const h = upstreamHeaders(
      new Headers({
        connection: "keep-alive, x-session-secret",
        "keep-alive": "timeout=5",
        "x-session-secret": "s",
        te: "trailers",
        "cf-connecting-ip": "203.0.113.7",
        "cf-ray": "abc",
        "x-aya-geo-country": "DE",
        host: "gw.example",
        accept: "text/html",
      }),
      fwd,
      none,
      false,
    );
    expect([...h.keys()].sort()).toEqual([
      "accept",
      "x-forwarded-for",
      "x-forwarded-host",
      "x-forwarded-proto",
      "x-request-id",
    ]);
  });

  it("appends the client IP to a client's x-forwarded-for and replaces the gateway's own headers", () => {
    const h = upstreamHeaders(
      new Headers({ "x-forwarded-for": "10.0.0.1", "x-forwarded-proto": "gopher", "x-request-id": "forged" }),
      fwd,
      none,
      false,
    );
    expect(h.get("x-forwarded-for")).toBe("10.0.0.1, 203.0.113.7");
    expect(h.get("x-forwarded-proto")).toBe("https");
    expect(h.get("x-forwarded-host")).toBe("gw.example");
    expect(h.get("x-request-id")).toBe("req-1");
  });

  it("sends rewrite.hostHeader as Host, keeps the WebSocket upgrade, and applies the route's transform last", () => {
    const h = upstreamHeaders(
      new Headers({ upgrade: "websocket", "x-debug": "1", "x-team": "client" }),
      { ...fwd, hostHeader: "origin.internal" },
      { set: { "X-Team": "edge" }, remove: ["x-debug"] },
      true,
    );
    expect(h.get("host")).toBe("origin.internal");
    expect(h.get("upgrade")).toBe("websocket");
    expect(h.get("x-team")).toBe("edge");
    expect(h.has("x-debug")).toBe(false);
  });
});

describe("to the client", () => {
  it("keeps status, body and every Set-Cookie apart, and drops hop-by-hop headers", async () => {
    const upstream = new Headers([
      ["set-cookie", "a=1; Path=/"],
      ["set-cookie", "b=2; Path=/"],
      ["connection", "x-internal"],
      ["x-internal", "secret"],
      ["transfer-encoding", "chunked"],
      ["content-type", "text/plain"],
    ]);
    const response = downstreamResponse(
      new Response("body", { status: 201, statusText: "Made", headers: upstream }),
      {
        set: { server: "aya" },
        remove: ["content-type"],
      },
    );
    const headers = response.headers;
    expect([response.status, response.statusText, await response.text()]).toEqual([201, "Made", "body"]);
    expect(headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(headers.has("x-internal")).toBe(false);
    expect(headers.has("transfer-encoding")).toBe(false);
    expect(headers.has("content-type")).toBe(false);
    expect(headers.get("server")).toBe("aya");
  });
});
