// Limits on what a request may bring before the gateway does any work for it: the total size of
// its headers (limits.maxHeaderBytes), checked before any backend or provider is called, so an
// oversized header is answered 431 at the edge rather than forwarded.
import { GatewayError } from "../errors";

/** The size of the headers as they travel: `name: value` and a line end for each. */
export function headerBytes(headers: Headers): number {
  let total = 0;
  for (const [name, value] of headers) total += name.length + value.length + 4;
  return total;
}

export function headersTooLargeMessage(max: number): string {
  return `the request's headers are larger than the ${max} bytes this gateway accepts`;
}

export function refuseOversizedHeaders(headers: Headers, limits: { maxHeaderBytes: number }): void {
  if (headerBytes(headers) > limits.maxHeaderBytes)
    throw new GatewayError("headers_too_large", headersTooLargeMessage(limits.maxHeaderBytes));
}
