// The HTTP gateway through `wrangler dev` with the demo config, as curl would see it: a client in
// Germany reaches an eu origin, and still gets a 200, from us, while both eu origins are down.
import { request } from "node:http";
import { afterAll, describe, expect, inject, it } from "vitest";
import { start, stop } from "../support/farm";

const gateway = inject("gatewayUrl");

async function fromGermany(): Promise<{ res: Response; body: { backend: string; region: string } }> {
  const res = await fetch(`${gateway}/api/hello`, { headers: { "x-aya-geo-country": "DE" } });
  return { res, body: (await res.json()) as { backend: string; region: string } };
}

describe("geo steering through wrangler dev", () => {
  afterAll(async () => {
    await start("eu-1");
    await start("eu-2");
  });

  it("sends a client in Germany to an eu origin", async () => {
    const { res, body } = await fromGermany();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-pool")).toBe("eu");
    expect(body.region).toBe("eu");
    expect(res.headers.get("x-aya-backend")).toBe(body.backend);
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("moves the client to us, with a 200, when both eu origins are down", async () => {
    await stop("eu-1");
    await stop("eu-2");
    const { res, body } = await fromGermany();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-pool")).toBe("us");
    expect(body.region).toBe("us");
  });

  it("answers its own health check and, with the admin token, its status", async () => {
    const health = await fetch(`${gateway}/__aya/healthz`);
    expect(await health.json()).toEqual({ status: "ok" });
    const denied = await fetch(`${gateway}/__aya/status`, { headers: { authorization: "Bearer wrong" } });
    expect(denied.status).toBe(401);
    const status = await fetch(`${gateway}/__aya/status`, {
      headers: { authorization: `Bearer ${inject("adminToken")}` },
    });
    expect(status.status).toBe(200);
    expect(JSON.stringify(await status.json())).toContain("eu-1");
  });
});

/** A raw HTTP request, as any client can send one (fetch refuses a GET with a body). */
function raw(method: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway}${path}`, {
      method,
      headers: { "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("hostile requests over the wire", () => {
  it("answers a GET that carries a body 400 bad_request", async () => {
    const res = await raw("GET", "/api/hello", "a body a GET cannot carry");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "bad_request" } });
  });
});
