// A demo / test origin: a real HTTP server on 127.0.0.1 that answers with its own id and region,
// and that can be told to misbehave (answer a status, be slow, answer the wrong health body, stop
// listening) so that failover can be tried for real. Used by `npm start`, the tests and the bench.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

export type OriginMode =
  | { kind: "ok" }
  | { kind: "status"; status: number }
  | { kind: "delay"; ms: number }
  | { kind: "health-body"; body: string }
  /** Reads the whole request, counts it, then resets the connection without answering. */
  | { kind: "reset" }
  /** Reads the whole request, counts it, then answers bytes that are not HTTP. */
  | { kind: "garbage" };

/**
 * What the origin received in its last request (health probes aside): the body's size and whether
 * it ended cleanly (a complete HTTP message) or was cut (the connection reset or closed mid-body).
 */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  complete: boolean;
  error?: string;
}

export interface OriginInfo {
  id: string;
  region: string;
  port: number;
  up: boolean;
  mode: OriginMode;
  hits: number;
  healthHits: number;
  /** Answers held by `?hold=` (see Origin.release). */
  holding: number;
}

export class Origin {
  mode: OriginMode = { kind: "ok" };
  hits = 0;
  healthHits = 0;
  port = 0;
  /** Settles once the last request's body has ended or been cut. */
  private lastReceived: Promise<Received> | undefined;
  /** Answers held by `?hold=`, waiting for release(). */
  private held: (() => void)[] = [];
  private server?: Server;
  private readonly sockets = new Set<import("node:net").Socket>();

  constructor(
    readonly id: string,
    readonly region: string,
  ) {}

  get up(): boolean {
    return this.server !== undefined;
  }

  async start(port = this.port): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    server.keepAliveTimeout = 60_000;
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    const wss = new WebSocketServer({ server });
    wss.on("connection", (ws) => {
      ws.send(JSON.stringify({ backend: this.id, region: this.region, hello: true }));
      ws.on("message", (data) => ws.send(`${this.id}:${data.toString()}`));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.port;
  }

  /** Stops listening and drops open connections: new requests are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Lets every answer held by `?hold=` go on; how many there were. */
  release(): number {
    const held = this.held;
    this.held = [];
    for (const go of held) go();
    return held.length;
  }

  /** Answers held by `?hold=` right now. */
  get holding(): number {
    return this.held.length;
  }

  private hold(): Promise<void> {
    return new Promise((resolve) => this.held.push(resolve));
  }

  /** The last request as received, once its body has ended one way or the other. */
  received(): Promise<Received | undefined> {
    return this.lastReceived ?? Promise.resolve(undefined);
  }

  info(): OriginInfo {
    return {
      id: this.id,
      region: this.region,
      port: this.port,
      up: this.up,
      mode: this.mode,
      hits: this.hits,
      healthHits: this.healthHits,
      holding: this.held.length,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://origin");
    const reading = readBody(req);
    if (url.pathname !== "/healthz") {
      this.lastReceived = reading.then(({ bytes, complete, error }) => ({
        method: req.method ?? "",
        path: url.pathname,
        headers: req.headers,
        bytes: bytes.length,
        complete,
        error,
      }));
    }
    const received = await reading;
    // A body cut mid-way has no one left to answer.
    if (!received.complete) return;
    const body = received.bytes.toString("utf8");

    if (url.pathname === "/healthz") {
      this.healthHits += 1;
      if (this.mode.kind === "status") return send(res, this.mode.status, "text/plain", "unhealthy");
      if (this.mode.kind === "delay") await sleep(this.mode.ms);
      const text = this.mode.kind === "health-body" ? this.mode.body : "ok";
      return send(res, 200, "text/plain", text);
    }

    this.hits += 1;
    if (this.mode.kind === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    if (this.mode.kind === "garbage") {
      req.socket.end("this is not HTTP\r\n\r\n");
      return;
    }
    const q = url.searchParams;
    // A request kept in flight until the control API releases it: before its headers
    // (hold=headers), or with its headers and a first chunk sent and its body held open (hold=body).
    if (q.get("hold") === "headers") await this.hold();
    if (q.get("hold") === "body") {
      res.writeHead(200, { "content-type": "text/plain", "x-origin": this.id });
      res.write(`${this.id}: first\n`);
      await this.hold();
      res.end(`${this.id}: last\n`);
      return;
    }
    const delay = Number(q.get("delay") ?? (this.mode.kind === "delay" ? this.mode.ms : 0));
    if (delay > 0) await sleep(delay);
    const status = Number(q.get("status") ?? (this.mode.kind === "status" ? this.mode.status : 200));
    const headers: Record<string, string> = { "x-origin": this.id };
    if (q.get("cache-control")) headers["cache-control"] = q.get("cache-control") as string;
    if (q.get("set-cookie")) headers["set-cookie"] = q.get("set-cookie") as string;
    if (q.get("vary")) headers.vary = q.get("vary") as string;
    const payload = {
      backend: this.id,
      region: this.region,
      method: req.method,
      path: url.pathname,
      query: url.search,
      hit: this.hits,
      headers: req.headers,
      body,
    };
    send(res, status, "application/json", JSON.stringify(payload), headers, req.method === "HEAD");
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
  head = false,
): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...headers });
  res.end(head ? undefined : body);
}

/** The whole body, or what arrived of it before the client reset or closed the connection. */
async function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; complete: boolean; error?: string }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks), complete: req.complete };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), complete: false, error: String(error) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The modes an origin takes, as the control API's 400 lists them. */
export const ORIGIN_MODES = [
  "ok",
  "status:<code> (e.g. status:503)",
  "delay:<ms>",
  "health-body:<text>",
  "reset (read the request, then drop the connection)",
  "garbage (answer bytes that are not HTTP)",
] as const;

/** `status:503` → its mode; undefined for anything that is not one (a typo must not mean "ok"). */
export function parseMode(text: string): OriginMode | undefined {
  const [kind, arg = ""] = text.split(":", 2);
  const number = /^\d+$/.test(arg) ? Number(arg) : Number.NaN;
  if (text === "ok") return { kind: "ok" };
  if (kind === "status" && number >= 100 && number <= 599) return { kind: "status", status: number };
  if (kind === "delay" && number >= 0) return { kind: "delay", ms: number };
  if (kind === "health-body" && text.includes(":")) return { kind: "health-body", body: arg };
  if (text === "reset") return { kind: "reset" };
  if (text === "garbage") return { kind: "garbage" };
  return undefined;
}
