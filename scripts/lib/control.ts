// Shared by the demo's control APIs (origins, fake providers): read a JSON body without trusting
// it, and answer JSON. A person types these requests with curl, so a body that is not JSON, or a
// mode that does not exist, is a 400 that says what would work, never an exception that takes the
// server (and with it `npm start`) down.
import type { IncomingMessage, ServerResponse } from "node:http";

export type JsonBody = { ok: true; body: Record<string, unknown> } | { ok: false; text: string };

export async function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  let text = "";
  for await (const chunk of req) text += chunk;
  if (text.trim() === "") return { ok: true, body: {} };
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && !Array.isArray(body)) {
      return { ok: true, body: body as Record<string, unknown> };
    }
  } catch {
    // reported below, with the body the sender probably meant
  }
  return { ok: false, text };
}

/** The 400 for a body that is not a JSON object: `status:503` was most likely meant as a mode. */
export function notJson(text: string, example: string): string {
  const meant = /^[\w:.-]+$/.test(text.trim()) ? JSON.stringify({ mode: text.trim() }) : example;
  return `the body must be a JSON object, for example ${meant}`;
}

export function replyJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value ?? null));
}

/** The 400 for a mode that does not exist, listing the ones that do. */
export function unknownMode(mode: unknown, valid: readonly string[]): string {
  return `unknown mode ${JSON.stringify(mode)}; valid modes: ${valid.join(", ")}`;
}
