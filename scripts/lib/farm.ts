// A set of origins with a small control API, so that tests running inside workerd (which can
// only speak HTTP) can create origins and inject faults:
//   POST /origins            {id, region}  → {port}   create and start
//   POST /origins/:id/mode   {mode}        "ok" | "status:503" | "delay:200" | "health-body:nope"
//   POST /origins/:id/stop   POST /origins/:id/start   GET /origins/:id   GET /origins
//   GET /origins/:id/received  the last request as received, once its body has ended or been cut
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Origin, parseMode } from "./origin.ts";

export class OriginFarm {
  readonly origins = new Map<string, Origin>();
  private control?: Server;

  async add(id: string, region: string, port = 0): Promise<Origin> {
    let origin = this.origins.get(id);
    if (!origin) {
      origin = new Origin(id, region);
      this.origins.set(id, origin);
    }
    await origin.start(port || origin.port);
    return origin;
  }

  async listen(port = 0): Promise<number> {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? (JSON.parse(text) as Record<string, string>) : {};
      const parts = (req.url ?? "/").split("?")[0]?.split("/").filter(Boolean) ?? [];
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      try {
        if (parts[0] !== "origins") return reply(404, { error: "unknown" });
        if (parts.length === 1 && req.method === "GET")
          return reply(
            200,
            [...this.origins.values()].map((o) => o.info()),
          );
        if (parts.length === 1 && req.method === "POST") {
          const origin = await this.add(body.id as string, body.region ?? "test");
          return reply(200, origin.info());
        }
        const origin = this.origins.get(parts[1] ?? "");
        if (!origin) return reply(404, { error: "no such origin" });
        const action = parts[2];
        if (!action) return reply(200, origin.info());
        if (action === "received") return reply(200, (await origin.received()) ?? null);
        if (action === "mode") origin.mode = parseMode(body.mode ?? "ok");
        else if (action === "stop") await origin.stop();
        else if (action === "start") await origin.start();
        else if (action === "reset") {
          origin.hits = 0;
          origin.healthHits = 0;
        } else return reply(404, { error: "unknown action" });
        return reply(200, origin.info());
      } catch (error) {
        return reply(500, { error: String(error) });
      }
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
    this.control = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await Promise.all([...this.origins.values()].map((o) => o.stop()));
    await new Promise<void>((resolve) => (this.control ? this.control.close(() => resolve()) : resolve()));
  }
}
