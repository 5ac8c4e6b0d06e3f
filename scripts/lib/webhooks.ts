// A webhook receiver for alerts: records every POST it gets, per hook name, and answers as told,
// so that tests can see exactly what aya sent (once, signed, retried) and make deliveries fail.
//   POST /hooks/:name            an alert: recorded, answered 200 (or as the hook's mode says)
//   GET  /hooks/:name            what the hook received: [{ headers, body }]
//   POST /hooks/:name/mode       {"mode": "ok" | "status:503" | "fail:2"}  (fail:N: N × 500, then ok)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { notJson, readJsonBody, replyJson, unknownMode } from "./control.ts";

export const WEBHOOK_MODES = ["ok", "status:<code>", "fail:<n>"] as const;

export interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

interface Hook {
  received: Received[];
  status: number;
  failuresLeft: number;
}

export class WebhookSink {
  private readonly hooks = new Map<string, Hook>();
  private server?: Server;
  /** Called with each alert as it arrives (the demo prints them). */
  onAlert?: (name: string, body: string) => void;

  private hook(name: string): Hook {
    let hook = this.hooks.get(name);
    if (!hook) {
      hook = { received: [], status: 200, failuresLeft: 0 };
      this.hooks.set(name, hook);
    }
    return hook;
  }

  async listen(port = 0): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => replyJson(res, 500, { error: String(error) }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [root, name, action] = (req.url ?? "/").split("?")[0]?.split("/").filter(Boolean) ?? [];
    if (root !== "hooks" || !name) return replyJson(res, 404, { error: "POST /hooks/<name>" });
    const hook = this.hook(name);
    if (req.method === "GET" && !action) return replyJson(res, 200, hook.received);
    if (req.method === "POST" && action === "mode") {
      const read = await readJsonBody(req);
      if (!read.ok) return replyJson(res, 400, { error: notJson(read.text, '{"mode":"fail:2"}') });
      const mode = String(read.body.mode ?? "ok");
      const match = /^(ok|status:([1-5]\d\d)|fail:(\d+))$/.exec(mode);
      if (!match) return replyJson(res, 400, { error: unknownMode(mode, WEBHOOK_MODES) });
      hook.status = match[2] ? Number(match[2]) : 200;
      hook.failuresLeft = match[3] ? Number(match[3]) : 0;
      return replyJson(res, 200, { mode });
    }
    if (req.method !== "POST" || action) return replyJson(res, 404, { error: "unknown" });
    let body = "";
    for await (const chunk of req) body += chunk;
    hook.received.push({ headers: req.headers, body });
    this.onAlert?.(name, body);
    if (hook.failuresLeft > 0) {
      hook.failuresLeft -= 1;
      return replyJson(res, 500, { error: "failing on purpose" });
    }
    return replyJson(res, hook.status, { ok: hook.status < 300 });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
