// What the failed attempts of one request tell the client (CONTRACT §2), most telling first:
//  - a backend's own answer (a retryable status such as 503): passed on as it is, the last one;
//  - else 504 upstream_timeout when an attempt timed out;
//  - else 502 upstream_error when a backend was reached and failed otherwise (an answer that is
//    not HTTP), or the request could not be sent at all;
//  - else 503 no_healthy_backend: nothing was usable, or no backend could be reached (connection
//    refused, or lost before any answer: workerd reports both alike, so a backend that resets
//    the connection after reading the request answers as one that refuses it, as in Envoy's
//    "upstream connect error or disconnect/reset before headers").
import { GatewayError } from "../errors";
import type { AttemptResult } from "./attempt";

export class FailureLedger {
  private answer?: Response;
  private timedOut = false;
  private broken = false;
  private unsent = false;
  private lost = false;

  /** Records a failed attempt; an earlier upstream answer replaced by a newer one is released. */
  async record(result: AttemptResult): Promise<void> {
    if (result.kind === "response") {
      await this.answer?.body?.cancel();
      this.answer = result.response;
    } else if (result.kind === "timeout") this.timedOut = true;
    else if (result.kind === "broken") this.broken = true;
    else if (result.kind === "unsent") this.unsent = true;
    else this.lost = true;
  }

  /** The upstream answer to pass on, if a backend answered. */
  get upstreamAnswer(): Response | undefined {
    return this.answer;
  }

  /** The gateway's own error when no backend answered. */
  error(): GatewayError {
    if (this.timedOut) return new GatewayError("upstream_timeout", "the backend did not answer in time");
    if (this.broken) return new GatewayError("upstream_error", "the backend failed without a valid answer");
    if (this.unsent)
      return new GatewayError("upstream_error", "the request could not be sent to the backend");
    if (this.lost) return new GatewayError("no_healthy_backend", "no backend of this route could be reached");
    return new GatewayError("no_healthy_backend", "no backend is available for this route");
  }
}
