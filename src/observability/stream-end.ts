// An event stream's end, seen from the gateway: the body is passed on chunk by chunk (never
// buffered), the first chunk's arrival is noted (time to first token, on AI routes), and `end`
// is called once, when the stream closes, breaks, or the client goes away.

export type StreamEnd = "closed" | "broken" | "cancelled";

export function watchStream(
  body: ReadableStream<Uint8Array>,
  first: () => void,
  end: (how: StreamEnd) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let started = false;
  let ended = false;
  const finish = (how: StreamEnd) => {
    if (ended) return;
    ended = true;
    end(how);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          controller.error(error);
          finish("broken");
          return;
        }
        if (chunk.done) {
          controller.close();
          finish("closed");
          return;
        }
        if (!started) {
          started = true;
          first();
        }
        controller.enqueue(chunk.value);
      },
      async cancel(reason) {
        // The source's own cancel runs first: an AI stream settles its usage there.
        try {
          await reader.cancel(reason);
        } finally {
          finish("cancelled");
        }
      },
    },
    // Pull only when the client reads: a chunk waits in the source, not here.
    { highWaterMark: 0 },
  );
}
