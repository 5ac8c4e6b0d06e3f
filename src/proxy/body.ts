// Request bodies: a retry must resend the body, so bodies up to limits.retryBodyBytes are kept
// in memory; larger ones are streamed once and their requests are not retried. A declared
// Content-Length over limits.maxBodyBytes answers 413 before any backend is called; a chunked
// body that grows past it mid-way aborts the upstream request (the backend sees the connection
// reset, never a complete body) and answers 413.
import { GatewayError } from "../errors";

export type RequestBody =
  | { kind: "none" }
  | { kind: "buffered"; bytes: Uint8Array }
  | {
      kind: "stream";
      stream: ReadableStream<Uint8Array>;
      used: boolean;
      /** Aborted when the body grows past the limit: the upstream fetch takes it as its signal. */
      signal: AbortSignal;
      /** 413 once the body grew past the limit, else undefined. */
      overLimit: () => GatewayError | undefined;
    };

export interface BodyLimits {
  maxBodyBytes: number;
  retryBodyBytes: number;
}

const tooLarge = (max: number) =>
  new GatewayError("payload_too_large", `request body is larger than the ${max} bytes this gateway accepts`);

export async function readRequestBody(request: Request, limits: BodyLimits): Promise<RequestBody> {
  if (!request.body) return { kind: "none" };
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (length > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes);
    if (length === 0) return { kind: "none" };
    if (length <= limits.retryBodyBytes) {
      return { kind: "buffered", bytes: new Uint8Array(await request.arrayBuffer()) };
    }
  }
  // Unknown or large size: read up to the retry limit, then decide.
  const reader = request.body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { kind: "buffered", bytes: concat(head, size) };
    head.push(value);
    size += value.byteLength;
    if (size > limits.maxBodyBytes) {
      await reader.cancel();
      throw tooLarge(limits.maxBodyBytes);
    }
    if (size > limits.retryBodyBytes) break;
  }
  let total = size;
  let exceeded: GatewayError | undefined;
  const abort = new AbortController();
  let cancelled: () => void = () => {};
  const cancellation = new Promise<void>((resolve) => {
    cancelled = resolve;
  });
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      total += value.byteLength;
      if (total > limits.maxBodyBytes) {
        exceeded = tooLarge(limits.maxBodyBytes);
        // Neither close nor error the stream: workerd ends an upload whose stream errors as if it
        // were complete (the backend would take a cut body as whole). The abort resets the
        // connection instead, and this stream stays open until the fetch cancels it.
        abort.abort();
        await reader.cancel();
        await cancellation;
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      cancelled();
      return reader.cancel(reason);
    },
  });
  return { kind: "stream", stream, used: false, signal: abort.signal, overLimit: () => exceeded };
}

export function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The body for the next attempt, or `false` when a streamed body was already sent once. */
export function bodyForAttempt(body: RequestBody): BodyInit | null | false {
  if (body.kind === "none") return null;
  if (body.kind === "buffered") return body.bytes;
  if (body.used) return false;
  body.used = true;
  return body.stream;
}

/**
 * GET and HEAD carry no body (fetch refuses to send one, RFC 9110 gives it no meaning): a client
 * that sends one gets a 400 before any backend is chosen, rather than an error that would count
 * against a backend.
 */
export function refuseBodyOnGetOrHead(method: string, body: RequestBody): void {
  if (method !== "GET" && method !== "HEAD") return;
  if (body.kind === "none" || (body.kind === "buffered" && body.bytes.byteLength === 0)) return;
  throw new GatewayError("bad_request", `a ${method} request cannot have a body`);
}

export function canResend(body: RequestBody): boolean {
  return body.kind !== "stream" || !body.used;
}
