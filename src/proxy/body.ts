// Request bodies: a retry must resend the body, so bodies up to limits.retryBodyBytes are kept
// in memory; larger ones are streamed once and their requests are not retried. A declared
// Content-Length over limits.maxBodyBytes answers 413 before any backend is called; a chunked
// body that grows past it is cut and also answers 413.
import { GatewayError } from "../errors";

export type RequestBody =
  | { kind: "none" }
  | { kind: "buffered"; bytes: Uint8Array }
  | { kind: "stream"; stream: ReadableStream<Uint8Array>; used: boolean; overLimit: () => boolean };

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
  let exceeded = false;
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
        exceeded = true;
        await reader.cancel();
        controller.error(tooLarge(limits.maxBodyBytes));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { kind: "stream", stream, used: false, overLimit: () => exceeded };
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
