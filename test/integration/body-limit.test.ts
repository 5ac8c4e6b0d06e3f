// Uploads that grow past limits.maxBodyBytes mid-way (chunked, no Content-Length), through the
// real Worker to real origins: the origin must never see them as whole, the client gets 413, and
// the backend is not blamed for the client's body.
import { describe, expect, it } from "vitest";
import { countFetches } from "../support/clocked-fetch";
import { origin, received } from "../support/farm";
import { gatewayFor, json } from "../support/gateway";
import { fakeProvider } from "../support/providers";

/** A chunked body of `total` bytes, produced as it is read. */
function chunked(total: number, chunk = 8192): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(120));
    },
  });
}

const upload = (body: ReadableStream<Uint8Array>, method = "POST") =>
  ({ method, body, duplex: "half" }) as RequestInit;

describe("a chunked upload that grows past the limit", () => {
  it("is aborted upstream (the origin sees a reset, not a complete body) and answers 413", async () => {
    const o = await origin("limit-cut");
    const call = gatewayFor({
      debugHeaders: true,
      limits: { maxBodyBytes: 100_000, retryBodyBytes: 1024 },
      pools: { p: { backends: [o], healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    const res = await call("/upload", upload(chunked(300_000)));
    expect(res.status).toBe(413);
    expect((await json(res)).error).toMatchObject({ code: "payload_too_large" });
    const seen = await received("limit-cut");
    expect(seen?.path).toBe("/upload");
    expect(seen?.complete).toBe(false);
    expect(seen?.bytes).toBeLessThanOrEqual(100_000);
  });

  it("does not count against the backend: many of them leave its circuit closed", async () => {
    const o = await origin("limit-circuit");
    const call = gatewayFor({
      debugHeaders: true,
      limits: { maxBodyBytes: 50_000, retryBodyBytes: 1024 },
      pools: {
        p: { backends: [o], healthCheck: { enabled: false }, circuitBreaker: { consecutiveFailures: 2 } },
      },
      routes: [{ path: "/*", pool: "p" }],
    });
    for (let i = 0; i < 4; i++) expect((await call("/up", upload(chunked(200_000), "PUT"))).status).toBe(413);
    const after = await call("/after");
    expect(after.status).toBe(200);
    expect(after.headers.get("x-aya-backend")).toBe("limit-circuit");
  });

  it("still arrives whole when it stays under the limit", async () => {
    const o = await origin("limit-under");
    const call = gatewayFor({
      limits: { maxBodyBytes: 100_000, retryBodyBytes: 1024 },
      pools: { p: { backends: [o], healthCheck: { enabled: false } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    const res = await call("/upload", upload(chunked(90_000)));
    expect(res.status).toBe(200);
    expect(((await json(res)).body as string).length).toBe(90_000);
    expect(await received("limit-under")).toMatchObject({ bytes: 90_000, complete: true });
  });

  it("on an AI route answers 413 payload_too_large without calling any provider", async () => {
    const base = `${await fakeProvider("limit-ai", "openai")}/v1`;
    const call = gatewayFor(
      {
        limits: { maxBodyBytes: 20_000 },
        providers: { "limit-ai": { type: "openai", apiKeySecret: "OPENAI_KEY", baseUrl: base } },
        models: { chat: { targets: [{ provider: "limit-ai", model: "gpt-4o-mini" }] } },
        routes: [{ path: "/v1/*", ai: true }],
      },
      { OPENAI_KEY: "sk-test" },
    );
    const calls = countFetches(base);
    try {
      const prompt = JSON.stringify({
        model: "chat",
        messages: [{ role: "user", content: "x".repeat(60_000) }],
      });
      const bytes = new TextEncoder().encode(prompt);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.slice(at, at + 4096));
          controller.close();
        },
      });
      const res = await call("/v1/chat/completions", upload(body));
      expect(res.status).toBe(413);
      expect((await json(res)).error).toMatchObject({
        code: "payload_too_large",
        type: "invalid_request_error",
      });
      expect(calls.count).toBe(0);
    } finally {
      calls.restore();
    }
  });
});
