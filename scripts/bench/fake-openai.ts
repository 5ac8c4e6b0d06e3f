// A minimal OpenAI-compatible provider for the AI benchmark: a fixed chat completion, as JSON or
// as a three-chunk event stream.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const completion = {
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there!" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
};

export async function startFakeOpenAi(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? (JSON.parse(raw) as { stream?: boolean }) : {};
    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(completion));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const content of ["Hello", " there", "!"]) {
      const chunk = {
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: [{ index: 0, delta: { content }, finish_reason: null }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
