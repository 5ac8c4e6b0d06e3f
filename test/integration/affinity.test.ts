// Session affinity, splits, connection caps, panic mode and WebSockets through the Worker.
import { describe, expect, it, vi } from "vitest";
import { isolateState } from "../../src/state/isolate";
import { origin, setMode, start, stop } from "../support/farm";
import { gatewayFor, json } from "../support/gateway";

function cookieFrom(res: Response, name: string): string | undefined {
  const all = res.headers.getSetCookie();
  const hit = all.find((c) => c.startsWith(`${name}=`));
  return hit?.split(";")[0];
}

describe("cookie affinity", () => {
  it("sticks to one backend, and moves the pin without an error when that backend dies", async () => {
    const backends = [await origin("aff-1"), await origin("aff-2"), await origin("aff-3")];
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: { backends, strategy: "round-robin", affinity: { type: "cookie", ttlSeconds: 600 } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    const first = await call("/x");
    const cookie = cookieFrom(first, "aya_affinity");
    expect(cookie).toBeDefined();
    expect(first.headers.getSetCookie()[0]).toMatch(/Max-Age=600; Path=\/; HttpOnly; SameSite=Lax; Secure/);
    const pinned = first.headers.get("x-aya-backend");
    for (let i = 0; i < 5; i++) {
      const res = await call("/x", { headers: { cookie: cookie as string } });
      expect(res.headers.get("x-aya-backend")).toBe(pinned);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    await stop(pinned as string);
    try {
      const moved = await call("/x", { headers: { cookie: cookie as string } });
      expect(moved.status).toBe(200);
      const newBackend = moved.headers.get("x-aya-backend");
      expect(newBackend).not.toBe(pinned);
      const newCookie = cookieFrom(moved, "aya_affinity");
      expect(newCookie).toBe(`aya_affinity=${newBackend}`);
      for (let i = 0; i < 3; i++) {
        const again = await call("/x", { headers: { cookie: newCookie as string } });
        expect(again.headers.get("x-aya-backend")).toBe(newBackend);
      }
    } finally {
      await start(pinned as string);
    }
  });
});

describe("header and ip affinity", () => {
  it("keeps a session key on one backend and re-pins it when the backend fails", async () => {
    const backends = [await origin("haff-1"), await origin("haff-2"), await origin("haff-3")];
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: { backends, strategy: "random", affinity: { type: "header", name: "x-session" } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    const owner = (await call("/x", { headers: { "x-session": "s-42" } })).headers.get("x-aya-backend");
    for (let i = 0; i < 5; i++) {
      expect((await call("/x", { headers: { "x-session": "s-42" } })).headers.get("x-aya-backend")).toBe(
        owner,
      );
    }
    await setMode(owner as string, "status:503");
    const moved = await call("/x", { headers: { "x-session": "s-42" } });
    expect(moved.status).toBe(200);
    const next = moved.headers.get("x-aya-backend");
    expect(next).not.toBe(owner);
    await setMode(owner as string, "ok");
    // The pin moved with the session: it stays on the new backend.
    expect((await call("/x", { headers: { "x-session": "s-42" } })).headers.get("x-aya-backend")).toBe(next);
  });

  it("pins by cf-connecting-ip, never by x-forwarded-for", async () => {
    const backends = [
      await origin("ipaff-1"),
      await origin("ipaff-2"),
      await origin("ipaff-3"),
      await origin("ipaff-4"),
    ];
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: { backends, strategy: "round-robin", affinity: { type: "ip" } } },
      routes: [{ path: "/*", pool: "p" }],
    });
    const seen = new Set<string | null>();
    for (let i = 0; i < 8; i++) {
      const res = await call("/x", { ip: "192.0.2.77", headers: { "x-forwarded-for": `10.0.0.${i}` } });
      seen.add(res.headers.get("x-aya-backend"));
    }
    expect(seen.size).toBe(1);
  });
});

describe("split", () => {
  it("sends traffic by weight and keeps a client on its pool with cookie affinity", async () => {
    const stable = await origin("split-stable");
    const canary = await origin("split-canary");
    const call = gatewayFor({
      debugHeaders: true,
      pools: {
        stable: { backends: [stable], affinity: { type: "cookie" } },
        canary: { backends: [canary], affinity: { type: "cookie" } },
      },
      routes: [
        {
          path: "/*",
          split: [
            { pool: "stable", weight: 80 },
            { pool: "canary", weight: 20 },
          ],
        },
      ],
    });
    const counts: Record<string, number> = { stable: 0, canary: 0 };
    let pinCookie = "";
    let pinnedPool = "";
    for (let i = 0; i < 400; i++) {
      const res = await call("/x");
      const pool = res.headers.get("x-aya-pool") as string;
      counts[pool] = (counts[pool] ?? 0) + 1;
      if (!pinCookie) {
        pinCookie = cookieFrom(res, "aya_split_0") as string;
        pinnedPool = pool;
      }
      await res.body?.cancel();
    }
    expect(counts.canary).toBeGreaterThan(40);
    expect(counts.canary).toBeLessThan(130);
    expect(pinCookie).toBe(`aya_split_0=${pinnedPool}`);
    for (let i = 0; i < 10; i++) {
      const res = await call("/x", { headers: { cookie: pinCookie } });
      expect(res.headers.get("x-aya-pool")).toBe(pinnedPool);
      await res.body?.cancel();
    }
  });
});

describe("maxConnections and panic", () => {
  it("skips a backend at maxConnections", async () => {
    const a = await origin("maxc-1");
    const b = await origin("maxc-2");
    const call = gatewayFor({
      debugHeaders: true,
      pools: { p: { strategy: "round-robin", backends: [{ ...a, maxConnections: 1 }, b] } },
      routes: [{ path: "/*", pool: "p" }],
    });
    // Six slow requests at once: maxc-1 can hold only one of them, round robin or not.
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const res = await call(`/hold${i}?delay=300`);
        await res.body?.cancel();
        return res.headers.get("x-aya-backend");
      }),
    );
    expect(results.filter((b) => b === "maxc-1").length).toBe(1);
    expect(results.filter((b) => b === "maxc-2").length).toBe(5);
  });

  it("answers 503 no_healthy_backend with panic = fail when nothing is usable", async () => {
    const a = await origin("panic-1");
    const call = gatewayFor({
      pools: {
        p: {
          backends: [a],
          panic: "fail",
          circuitBreaker: { consecutiveFailures: 1, openSeconds: 60 },
          retry: { retries: 0 },
        },
      },
      routes: [{ path: "/*", pool: "p" }],
    });
    await setMode("panic-1", "status:502");
    expect((await call("/x")).status).toBe(502);
    // The circuit is open now: nothing usable, and panic = fail.
    await setMode("panic-1", "ok");
    const res = await call("/x");
    expect(res.status).toBe(503);
    expect((await json(res)).error).toMatchObject({ code: "no_healthy_backend" });
  });

  it("with panic = serve, still tries the least-bad backend when nothing is usable", async () => {
    const a = await origin("panic-2");
    const call = gatewayFor({
      pools: {
        p: {
          backends: [a],
          circuitBreaker: { consecutiveFailures: 1, openSeconds: 60 },
          retry: { retries: 0 },
        },
      },
      routes: [{ path: "/*", pool: "p" }],
    });
    await setMode("panic-2", "status:502");
    expect((await call("/x")).status).toBe(502);
    await setMode("panic-2", "ok");
    const res = await call("/x");
    expect(res.status).toBe(200);
  });
});

describe("websockets", () => {
  it("proxies an upgrade and relays frames both ways", async () => {
    const a = await origin("ws-1");
    const call = gatewayFor({ pools: { p: { backends: [a] } }, routes: [{ path: "/*", pool: "p" }] });
    const res = await call("/socket", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket as WebSocket;
    ws.accept();
    const messages: string[] = [];
    const got = new Promise<void>((resolve) => {
      ws.addEventListener("message", (e) => {
        messages.push(String(e.data));
        if (messages.length === 2) resolve();
      });
    });
    ws.send("ping");
    await got;
    expect(JSON.parse(messages[0] as string)).toMatchObject({ backend: "ws-1", hello: true });
    expect(messages[1]).toBe("ws-1:ping");
    // Counted as in flight for as long as the socket is open.
    expect(isolateState.backends.get("ws-1")?.inflight).toBe(1);
    const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
    ws.close(1000, "done");
    await closed;
    await vi.waitFor(() => expect(isolateState.backends.get("ws-1")?.inflight).toBe(0));
  });
});
