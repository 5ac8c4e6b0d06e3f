// Streamed chat answers: the provider's event stream, translated to OpenAI chunks by the adapter,
// re-encoded as OpenAI's `data: …` events. The first chunk is read before anything reaches the
// client (so a stream that fails before it can still fall back); after it, a break or a silence
// of `idleMs` ends the stream with a final error event and no [DONE], so a cut answer never looks
// whole, and the provider's connection is released.
import type { Clock } from "../clock";
import type { ChatChunk } from "./openai-types";
import type { Adapter, ChunkMeta } from "./providers/types";
import type { Redactor } from "./redact";
import { SSE_DONE, sseData, sseParser } from "./sse";

/** How long a stream may stay silent, and on which clock. */
export interface IdleLimit {
  clock: Pick<Clock, "setTimer">;
  ms: number;
}

/** The provider sent nothing for the idle limit: before the first chunk, the target may be skipped. */
export class StreamIdle extends Error {
  constructor(readonly ms: number) {
    super(`the provider sent nothing for ${ms} ms`);
  }
}

/** The next chunk, or a StreamIdle rejection once the limit passes without one. */
function readWithin<T>(
  reader: ReadableStreamDefaultReader<T>,
  idle: IdleLimit | undefined,
): Promise<ReadableStreamReadResult<T>> {
  if (!idle) return reader.read();
  return new Promise((resolve, reject) => {
    const cancel = idle.clock.setTimer(idle.ms, () => reject(new StreamIdle(idle.ms)));
    reader.read().then(
      (result) => {
        cancel();
        resolve(result);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}

/**
 * An OpenAI event stream from a stream of chunks whose first chunk has already been read.
 * `usage` chunks are passed on only when the client asked (stream_options.include_usage).
 */
/** The usage a stream reported (its last chunk's, when the provider sends one). */
export interface StreamUsage {
  prompt: number;
  completion: number;
  cached?: number;
}

/** What went out of a stream: the answer's characters, and whether it ended whole. */
export interface Streamed {
  chars: number;
  complete: boolean;
}

export function openAiEventStream(
  first: ChatChunk,
  rest: ReadableStreamDefaultReader<ChatChunk>,
  options: {
    includeUsage: boolean;
    /** `error`: the code of the final error event a cut stream ended with. */
    done: (ok: boolean, usage?: StreamUsage, streamed?: Streamed, error?: string) => void;
    idle?: IdleLimit;
    redact?: Redactor;
  },
): ReadableStream<Uint8Array> {
  const { includeUsage, idle } = options;
  const redact = options.redact ?? ((text: string) => text);
  let usage: StreamUsage | undefined;
  let chars = 0;
  const done = (ok: boolean, complete: boolean, error?: string) =>
    options.done(ok, usage, { chars, complete }, error);
  /** Enqueues the chunk as an event; false when it was a usage-only chunk the client did not ask for. */
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, c: ChatChunk): boolean => {
    for (const choice of c.choices) {
      chars += choice.delta.content?.length ?? 0;
      for (const call of choice.delta.tool_calls ?? []) chars += call.function.arguments?.length ?? 0;
    }
    if (c.usage)
      usage = {
        prompt: c.usage.prompt_tokens,
        completion: c.usage.completion_tokens,
        cached: c.usage.prompt_tokens_details?.cached_tokens ?? undefined,
      };
    if (c.usage && !includeUsage) {
      if (c.choices.length === 0) return false;
      const { usage: _drop, ...rest } = c;
      controller.enqueue(sseData(rest));
      return true;
    }
    controller.enqueue(sseData(c));
    return true;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      emit(controller, first);
    },
    async pull(controller) {
      try {
        // A pull that enqueues nothing is not called again: read until something goes out.
        for (;;) {
          const { done: finished, value } = await readWithin(rest, idle);
          if (finished) {
            controller.enqueue(SSE_DONE);
            controller.close();
            done(true, true);
            return;
          }
          if (emit(controller, value)) return;
        }
      } catch (error) {
        const stalled = error instanceof StreamIdle;
        controller.enqueue(
          sseData({
            error: {
              message: stalled
                ? `the provider's stream stalled: ${error.message}`
                : redact(`the provider's stream broke: ${String((error as Error).message ?? error)}`),
              type: "server_error",
              code: stalled ? "stream_timeout" : "stream_interrupted",
            },
          }),
        );
        controller.close();
        done(false, false, stalled ? "stream_timeout" : "stream_interrupted");
        // Let go of the provider's connection; a read still pending ends with it.
        rest.cancel(error).catch(() => undefined);
      }
    },
    cancel(reason) {
      // The client went away: fine for the provider's record, a cut answer for the ledger.
      done(true, false);
      return rest.cancel(reason);
    },
  });
}

/** Reads the first chunk of a provider stream: failures here (a StreamIdle included) can still fall back. */
export async function firstChunk(upstream: Response, adapter: Adapter, meta: ChunkMeta, idle?: IdleLimit) {
  if (!upstream.body) throw new Error("empty stream");
  const reader = upstream.body.pipeThrough(sseParser()).pipeThrough(adapter.chatStream(meta)).getReader();
  let first: ReadableStreamReadResult<ChatChunk>;
  try {
    first = await readWithin(reader, idle);
  } catch (error) {
    reader.cancel(error).catch(() => undefined);
    throw error;
  }
  if (first.done) throw new Error("the stream ended before any event");
  return { first: first.value, reader };
}
