// A cached chat answer is one chat.completion; clients that ask for a stream get it back as the
// chunks a provider would have sent (role, content, tool_calls deltas with their index, the
// finish_reason, then usage). The other way round, a live stream's chunks are assembled into one
// completion so that a streamed answer can be cached once it has finished whole.
import type {
  ChatChunk,
  ChatCompletion,
  ChunkToolCall,
  FinishReason,
  ToolCall,
  Usage,
} from "../ai/openai-types";

type ChunkHead = Pick<ChatChunk, "id" | "created" | "model">;
type Delta = ChatChunk["choices"][number]["delta"];

export function completionChunks(completion: ChatCompletion, { id, created, model }: ChunkHead): ChatChunk[] {
  const head = { id, created, model };
  const chunk = (index: number, delta: Delta, finish: FinishReason | null = null): ChatChunk => ({
    ...head,
    object: "chat.completion.chunk",
    choices: [{ index, delta, finish_reason: finish }],
  });
  const out: ChatChunk[] = [];
  for (const { index, message, finish_reason } of completion.choices) {
    out.push(
      chunk(
        index,
        typeof message.content === "string" ? { role: "assistant", content: "" } : { role: "assistant" },
      ),
    );
    if (message.content) out.push(chunk(index, { content: message.content }));
    for (const [at, call] of (message.tool_calls ?? []).entries()) {
      const delta: ChunkToolCall = {
        index: at,
        id: call.id,
        type: "function",
        function: { ...call.function },
      };
      out.push(chunk(index, { tool_calls: [delta] }));
    }
    out.push(chunk(index, {}, finish_reason ?? "stop"));
  }
  // Sent on only when the client asked (stream_options.include_usage): the encoder drops it otherwise.
  if (completion.usage)
    out.push({ ...head, object: "chat.completion.chunk", choices: [], usage: completion.usage });
  return out;
}

interface ChoiceSoFar {
  content?: string;
  /** By the index the deltas carry. */
  calls: Map<number, { id?: string; name: string; arguments: string }>;
  finish: FinishReason | null;
}

/** Collects a stream's chunks; `completion()` is the whole answer, or undefined if cut short. */
export function chunkAssembler() {
  let head: ChunkHead | undefined;
  let usage: Usage | undefined;
  const choices = new Map<number, ChoiceSoFar>();
  return {
    add(chunk: ChatChunk): void {
      head ??= { id: chunk.id, created: chunk.created, model: chunk.model };
      if (chunk.usage) usage = chunk.usage;
      for (const { index, delta, finish_reason } of chunk.choices) {
        let choice = choices.get(index);
        if (!choice) {
          choice = { calls: new Map(), finish: null };
          choices.set(index, choice);
        }
        if (delta.content) choice.content = (choice.content ?? "") + delta.content;
        for (const d of delta.tool_calls ?? []) {
          let call = choice.calls.get(d.index);
          if (!call) {
            call = { name: "", arguments: "" };
            choice.calls.set(d.index, call);
          }
          if (d.id) call.id = d.id;
          if (d.function.name) call.name = d.function.name;
          call.arguments += d.function.arguments ?? "";
        }
        if (finish_reason) choice.finish = finish_reason;
      }
    },
    completion(): ChatCompletion | undefined {
      const all = [...choices.entries()].sort(([a], [b]) => a - b);
      if (!head || all.length === 0 || all.some(([, c]) => c.finish === null)) return undefined;
      if (all.some(([, c]) => [...c.calls.values()].some((call) => !call.id || !call.name))) return undefined;
      return {
        ...head,
        object: "chat.completion",
        choices: all.map(([index, c]) => {
          const tool_calls: ToolCall[] = [...c.calls.entries()]
            .sort(([a], [b]) => a - b)
            .map(([, call]) => ({
              id: call.id as string,
              type: "function",
              function: { name: call.name, arguments: call.arguments },
            }));
          return {
            index,
            message: {
              role: "assistant",
              content: c.content ?? (tool_calls.length > 0 ? null : ""),
              ...(tool_calls.length > 0 ? { tool_calls } : {}),
            },
            finish_reason: c.finish,
          };
        }),
        ...(usage ? { usage } : {}),
      };
    },
  };
}

/**
 * Passes a live stream's chunks through unchanged and calls `whole` with the assembled answer
 * once the stream has ended normally with every choice finished. A stream that breaks or is
 * cancelled never calls it: a cut answer is never cached.
 */
export function recordStream(
  first: ChatChunk,
  rest: ReadableStreamDefaultReader<ChatChunk>,
  whole: (completion: ChatCompletion) => void,
): ReadableStreamDefaultReader<ChatChunk> {
  const assembler = chunkAssembler();
  assembler.add(first);
  return new ReadableStream<ChatChunk>(
    {
      async pull(controller) {
        const { done, value } = await rest.read();
        if (done) {
          const completion = assembler.completion();
          if (completion) whole(completion);
          controller.close();
          return;
        }
        assembler.add(value);
        controller.enqueue(value);
      },
      cancel(reason) {
        return rest.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  ).getReader();
}
