// Draining a backend while requests are in flight to it: they finish (a streamed answer and a
// WebSocket included), new requests go elsewhere, a pinned client moves without an error, and
// status goes from draining to drained once the backend's object counts nothing in flight.
import { describe, expect, it } from "vitest";
import { origin, release } from "../support/farm";
import { operatedGateway } from "../support/operated";

async function pool(prefix: string, extra: Record<string, unknown> = {}) {
  const backends = [await origin(`${prefix}-1`), await origin(`${prefix}-2`)];
  // A short timeoutMs: `drained` waits for requests that may still wait for headers (timeoutMs + 10 s).
  return { strategy: "round-robin", healthCheck: { enabled: false }, timeoutMs: 2000, ...extra, backends };
}

const config = (p: unknown) => ({ debugHeaders: true, pools: { p }, routes: [{ path: "/*", pool: "p" }] });

type Gateway = Awaited<ReturnType<typeof operatedGateway>>;

async function backendStatus(gw: Gateway, id: string) {
  const status = await gw.admin("GET", "/status");
  const pools = status.json.pools as { backends: Record<string, unknown>[] }[];
  return pools[0]?.backends.find((b) => b.id === id) as Record<string, unknown>;
}

/**
 * Lets the isolate's batched reports reach the backend's object: one report interval (they leave
 * with a request), then a relay's second (a relay that has just asked the object holds them until
 * its next call, which the next request's refresh makes).
 */
async function report(gw: Gateway) {
  gw.advance(7000);
  expect((await gw.call("/report")).status).toBe(200);
  gw.advance(1500);
  expect((await gw.call("/report")).status).toBe(200);
}

describe("a drain", () => {
  it("lets a streamed answer in flight finish, sends new requests elsewhere, and shows draining, then drained", async () => {
    const gw = await operatedGateway(config(await pool("drn")), "drain-stream");
    // An answer streaming from one backend: its headers and first chunk are here, the rest is held.
    const held = await gw.open("/download?hold=body");
    expect(held.res.status).toBe(200);
    const busy = held.res.headers.get("x-aya-backend") as string;
    const other = busy === "drn-1" ? "drn-2" : "drn-1";
    const reader = (held.res.body as ReadableStream<Uint8Array>).getReader();
    const text = new TextDecoder();
    expect(text.decode((await reader.read()).value)).toBe(`${busy}: first\n`);

    const drain = await gw.admin("POST", `/pools/p/backends/${busy}/drain`);
    expect(drain.json).toMatchObject({ changed: true, summary: `${busy} in pool p: active → draining` });

    // New requests: all to the other backend, none refused.
    for (let i = 0; i < 6; i++) {
      const res = await gw.call(`/new${i}`);
      expect(res.status).toBe(200);
      expect(res.backend).toBe(other);
    }
    // The object counts the answer still streaming.
    await report(gw);
    expect(await backendStatus(gw, busy)).toMatchObject({ state: "draining", inflight: 1 });

    // The answer finishes, whole.
    await release(busy);
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += text.decode(chunk.value);
    expect(rest).toBe(`${busy}: last\n`);
    await held.done();

    // Nothing in flight any more, and long enough since the drain for every request to have been
    // counted. (The request ends as the body's pipe settles, a moment after its last byte was read:
    // a report may still carry it, the next one does not.)
    await report(gw);
    await report(gw);
    expect(await backendStatus(gw, busy)).toMatchObject({ state: "drained", inflight: 0 });
    expect((await gw.call("/after")).backend).toBe(other);
  });

  it("keeps an open WebSocket to the drained backend relaying until it closes", async () => {
    const gw = await operatedGateway(config(await pool("drn-ws")), "drain-ws");
    const { res } = await gw.open("/socket", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket as WebSocket;
    ws.accept();
    const messages: string[] = [];
    let wake: () => void = () => undefined;
    ws.addEventListener("message", (e) => {
      messages.push(String(e.data));
      wake();
    });
    const next = () =>
      new Promise<string>((resolve) => {
        wake = () => resolve(messages[messages.length - 1] as string);
      });
    const busy = (JSON.parse(await next()) as { backend: string }).backend;
    const other = busy === "drn-ws-1" ? "drn-ws-2" : "drn-ws-1";

    await gw.admin("POST", `/pools/p/backends/${busy}/drain`);
    const reply = next();
    ws.send("still there?");
    expect(await reply).toBe(`${busy}:still there?`);
    expect((await gw.call("/new")).backend).toBe(other);
    await report(gw);
    expect(await backendStatus(gw, busy)).toMatchObject({ state: "draining", inflight: 1 });

    const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
    ws.close(1000, "done");
    await closed;
    await report(gw);
    expect(await backendStatus(gw, busy)).toMatchObject({ state: "drained", inflight: 0 });
  });

  it("moves a client pinned to the drained backend, with no error and a new pin", async () => {
    const gw = await operatedGateway(
      config(await pool("drn-pin", { affinity: { type: "cookie", ttlSeconds: 600 } })),
      "drain-pin",
    );
    const first = await gw.call("/x");
    const pinned = first.backend as string;
    const cookie = first.headers.getSetCookie()[0]?.split(";")[0] as string;
    expect((await gw.call("/x", { headers: { cookie } })).backend).toBe(pinned);

    await gw.admin("POST", `/pools/p/backends/${pinned}/drain`);
    const moved = await gw.call("/x", { headers: { cookie } });
    expect(moved.status).toBe(200);
    expect(moved.backend).not.toBe(pinned);
    expect(moved.headers.getSetCookie()[0]).toMatch(new RegExp(`^aya_affinity=${moved.backend};`));
  });
});

describe("a disable", () => {
  it("takes the backend out at once while a request waiting for its answer still gets it", async () => {
    const gw = await operatedGateway(config(await pool("dis-wait")), "disable-wait");
    // Round robin: the first request goes to the first backend, and waits for its answer's headers.
    const waiting = gw.open("/slow?hold=headers");
    await gw.admin("POST", "/pools/p/backends/dis-wait-1/disable");
    expect((await gw.call("/new")).backend).toBe("dis-wait-2");
    await release("dis-wait-1");
    const { res, done } = await waiting;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aya-backend")).toBe("dis-wait-1");
    await res.text();
    await done();
    expect(await backendStatus(gw, "dis-wait-1")).toMatchObject({ state: "disabled" });
  });
});
