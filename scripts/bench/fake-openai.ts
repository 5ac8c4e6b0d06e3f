// A minimal OpenAI-compatible provider for the AI benchmark: a fixed chat completion as JSON, or
// as an event stream whose first event is sent at once and the next ones STREAM_GAP_MS apart, the
// way a model emits tokens, so that time to first byte differs clearly from the total time.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { track } from "./lifecycle.ts";

export const STREAM_EVENTS = 6;
export const STREAM_GAP_MS = 20;

const completion = {
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there!" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
};

const chunk = (content: string, last: boolean) => ({
  id: "chatcmpl-bench",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta: { content }, finish_reason: last ? "stop" : null }],
});

async function stream(res: ServerResponse): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  for (let i = 0; i < STREAM_EVENTS && !closed; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, STREAM_GAP_MS));
    res.write(`data: ${JSON.stringify(chunk(`word${i} `, i === STREAM_EVENTS - 1))}\n\n`);
  }
  if (!closed) res.end("data: [DONE]\n\n");
}

export async function startFakeOpenAi(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const part of req) raw += part;
    const body = raw ? (JSON.parse(raw) as { stream?: boolean }) : {};
    if (body.stream) return stream(res);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(completion));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const close = track(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}
