// Calls `fn` once when an answer's body has been read to its end, or cancelled, or at once when it
// has none: what holds a slot (a concurrency limit) for exactly as long as the answer is sent.
export function onBodyEnd(response: Response, fn: () => void): Response {
  if (!response.body || response.status === 101) {
    fn();
    return response;
  }
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    fn();
  };
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      flush() {
        once();
      },
    }),
  );
  // A client that goes away cancels the stream: the slot is let go too.
  const reader = body.getReader();
  const passed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        once();
        controller.close();
      } else controller.enqueue(value);
    },
    cancel(reason) {
      once();
      return reader.cancel(reason);
    },
  });
  return new Response(passed, response);
}
