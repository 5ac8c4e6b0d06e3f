// Server-sent events, parsed by lines as the spec says (not by regexes over raw text): a
// TransformStream from bytes to events, and the encoder for OpenAI's `data: …` stream.

export interface SseEvent {
  event?: string;
  data: string;
}

export function sseParser(): TransformStream<Uint8Array, SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event: string | undefined;
  let data: string[] = [];
  const dispatch = (controller: TransformStreamDefaultController<SseEvent>) => {
    if (data.length > 0) controller.enqueue({ event, data: data.join("\n") });
    event = undefined;
    data = [];
  };
  const line = (text: string, controller: TransformStreamDefaultController<SseEvent>) => {
    if (text === "") return dispatch(controller);
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      let at = buffer.search(/\r\n|\r|\n/);
      while (at >= 0) {
        const newline = buffer[at] === "\r" && buffer[at + 1] === "\n" ? 2 : 1;
        line(buffer.slice(0, at), controller);
        buffer = buffer.slice(at + newline);
        at = buffer.search(/\r\n|\r|\n/);
      }
    },
    flush(controller) {
      buffer += decoder.decode();
      if (buffer) line(buffer, controller);
      dispatch(controller);
    },
  });
}

const encoder = new TextEncoder();

export function sseData(value: unknown): Uint8Array {
  return encoder.encode(`data: ${typeof value === "string" ? value : JSON.stringify(value)}\n\n`);
}

export const SSE_DONE = encoder.encode("data: [DONE]\n\n");
