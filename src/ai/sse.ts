// Server-sent events, parsed by lines as the spec says (not by regexes over raw text): a
// TransformStream from bytes to events, and the encoder for OpenAI's `data: …` stream.
// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

export interface SseEvent {
  event?: string;
  data: string;
}

const LF = 10;
const CR = 13;

export function sseParser(): TransformStream<Uint8Array, SseEvent> {
  // Decodes across chunk boundaries (a UTF-8 character may be split) and drops a leading BOM.
  const decoder = new TextDecoder();
  let buffer = "";
  let event: string | undefined;
  let data: string[] = [];
  const dispatch = (controller: TransformStreamDefaultController<SseEvent>) => {
    const joined = data.join("\n");
    // The spec dispatches nothing for an event whose data is empty (a lone "data:" or only "event:").
    if (joined !== "") controller.enqueue({ event, data: joined });
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
  /**
   * Feeds every complete line of the buffer and keeps the rest. A line ends at "\r\n", "\n" or
   * "\r"; a "\r" that is the buffer's last character is kept back unless the stream is over,
   * because the "\n" of its "\r\n" may arrive with the next chunk (otherwise the pair would read
   * as two line ends, an empty line, and a spurious dispatch).
   */
  const drain = (controller: TransformStreamDefaultController<SseEvent>, final: boolean) => {
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      if (c === CR && i === buffer.length - 1 && !final) break;
      line(buffer.slice(start, i), controller);
      if (c === CR && buffer.charCodeAt(i + 1) === LF) i++;
      start = i + 1;
    }
    buffer = buffer.slice(start);
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      drain(controller, false);
    },
    flush(controller) {
      buffer += decoder.decode();
      drain(controller, true);
      // A last event without its blank line is still dispatched: the adapters, not the parser,
      // decide whether a stream ended properly ([DONE], message_stop, a finish reason).
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
