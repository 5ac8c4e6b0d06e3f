// The proxy's attempt loop: pick a backend, forward, and on a connection error, a timeout or a
// retryable status try a different backend (then the next pool) within the retry policy and
// budget. When nothing is usable: a stale cached answer, else panic or 503, else `degraded`.
// What the client is told when every attempt failed is failures.ts's to say.
import type { Clock } from "../clock";
import type { Gateway, Pool, Route } from "../config/normalize";
import { markError } from "../observability/error-code";
import { setTraceHeaders, type Trace } from "../observability/trace";
import type { ClientInfo } from "../routing/client";
import type { StateStore } from "../state/types";
import { type AffinityKey, affinityCookie, affinityKey, type PinTable } from "./affinity";
import { attempt } from "./attempt";
import { bodyForAttempt, canResend, type RequestBody } from "./body";
import type { RetryBudget } from "./budget";
import { FailureLedger } from "./failures";
import { downstreamResponse, upstreamHeaders } from "./headers";
import { holdsLease, keepReporting, passThrough } from "./lease";
import { outcomeOf } from "./outcome";
import { selectBackend } from "./select";
import { upstreamUrl } from "./url";
import { proxyWebSocket } from "./websocket";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

export interface ProxyInput {
  gateway: Gateway;
  route: Route;
  request: Request;
  client: ClientInfo;
  requestId: string;
  /** The request's trace: its `traceparent` (and `tracestate`) go to every backend tried. */
  trace?: Trace;
  pools: Pool[];
  /** The client's URL (parsed once by the caller). */
  url: URL;
  /** Path after rewrite, and the query string as the client sent it. */
  path: string;
  search: string;
  body: RequestBody;
  state: StateStore;
  clock: Clock;
  /** The isolate's retry budgets and affinity pins, shared by every request it serves. */
  budget: RetryBudget;
  pins: PinTable;
  waitUntil: (promise: Promise<unknown>) => void;
  /**
   * Sends what the isolate counted when due (replication's settle): called when a request that
   * outlived its handler (a streamed body, a WebSocket) ends, and every few seconds while it lasts.
   */
  settle?: () => void;
  /**
   * The cache layer's stale answer, asked when no backend is usable (before panic). Failed answers
   * (`failed: true`) are the caller's to replace with a stale one.
   */
  stale?: () => Promise<Response | undefined>;
  /** The consumer identified on a route with `auth` (x-aya-consumer to the backend). */
  consumer?: string;
  /** The header its credential came in: never forwarded. */
  consumedHeader?: string;
}

export interface ProxyResult {
  response: Response;
  pool?: string;
  backend?: string;
  attempts: number;
  /** Time spent waiting for backends' answers, every attempt together (ms). */
  upstreamMs?: number;
  /** Whether the answer is a failure (gateway error or upstream 5xx): the cache must not store it. */
  failed: boolean;
  /** The answer is the cache's stale entry (`stale()`), served because nothing was usable. */
  stale?: true;
}

export async function forward(input: ProxyInput): Promise<ProxyResult> {
  const { request, state, clock } = input;
  const now = () => clock.now();
  const method = request.method.toUpperCase();
  const websocket = request.headers.get("upgrade")?.toLowerCase() === "websocket";
  const tried = new Set<string>();
  const primary = input.pools[0];
  const retriesFor = new Map<string, number>();
  const failures = new FailureLedger();
  let attempts = 0;
  let upstreamMs = 0;
  let panic = false;

  const affinityKeys = new Map<Pool, AffinityKey | undefined>();
  const affinityOf = (pool: Pool) => {
    if (!pool.affinity) return undefined;
    if (!affinityKeys.has(pool)) affinityKeys.set(pool, affinityKey(pool.affinity, request, input.client));
    return affinityKeys.get(pool);
  };

  const budgetPool = primary?.name ?? "";
  input.budget.request(budgetPool, now());
  return attemptLoop();

  async function attemptLoop(): Promise<ProxyResult> {
    let headers: Headers | undefined;
    for (;;) {
      const selection = selectBackend({
        pools: input.pools,
        tried,
        state,
        now: now(),
        random: clock.random,
        request,
        clientIp: input.client.ip,
        path: input.path,
        affinity: affinityOf,
        pins: input.pins,
        panic,
      });

      if (!selection) {
        if (attempts > 0) break;
        // Nothing usable anywhere in the chain.
        const stale = await input.stale?.();
        if (stale) return { response: stale, attempts, failed: false, stale: true };
        if (primary?.panic === "serve" && !panic) {
          panic = true;
          continue;
        }
        break;
      }

      const { pool, backend } = selection;
      tried.add(backend.id);
      attempts += 1;

      const body = bodyForAttempt(input.body);
      if (body === false) break;
      // The same for every attempt (fetch copies them), so built on the first only.
      headers ??= upstreamHeaders(
        request.headers,
        {
          clientIp: input.client.ip,
          proto: input.url.protocol.slice(0, -1),
          host: input.url.host,
          requestId: input.requestId,
          hostHeader: input.route.rewrite.hostHeader,
          consumer: input.consumer,
          consumedHeader: input.consumedHeader,
        },
        input.route.headers.request,
        websocket,
      );
      setTraceHeaders(headers, input.trace);

      const lease = state.begin(backend, now());
      const result = await attempt(
        upstreamUrl(backend.url, input.path, input.search),
        {
          method,
          headers,
          body,
          duplex: body instanceof ReadableStream ? "half" : undefined,
          signal: input.body.kind === "stream" ? input.body.signal : undefined,
        } as RequestInit,
        pool.timeoutMs,
        clock,
      );

      upstreamMs += result.latencyMs;
      const cut = input.body.kind === "stream" ? input.body.overLimit() : undefined;
      if (cut) {
        // The client's body grew past the limit and its upload was aborted: the client's fault,
        // so not counted against the backend (a failure here would let oversized uploads open
        // the circuit of a healthy backend).
        state.end(backend, lease, { ok: true, latencyMs: result.latencyMs }, now());
        if (result.kind === "response") await result.response.body?.cancel();
        throw cut;
      }

      const retry = pool.retry;
      const retryableStatus = result.kind === "response" && retry.onStatus.includes(result.response.status);
      const outcome = outcomeOf(
        result.kind === "response" ? { kind: "response", status: result.response.status } : result,
        result.latencyMs,
        backend.circuitBreaker,
      );

      if (result.kind === "response" && !retryableStatus) {
        // In flight until the answer has been passed on whole (lease.ts): a stream or a WebSocket
        // is work the backend is still doing, and a drain waits for it.
        const release = () => state.end(backend, lease, outcome, now());
        if (websocket && result.response.webSocket) {
          const response = proxyWebSocket(result.response, held(input, release));
          return { response, pool: pool.name, backend: backend.id, attempts, upstreamMs, failed: false };
        }
        const upstreamBody = result.response.body;
        const body =
          upstreamBody && holdsLease(result.response)
            ? passThrough(upstreamBody, held(input, release))
            : upstreamBody;
        if (body === upstreamBody) release();
        const response = downstreamResponse(result.response, input.route.headers.response, body);
        if (pool.affinity)
          rememberPin(pool, backend.id, affinityOf(pool), response, request, input.pins, now());
        return {
          response,
          pool: pool.name,
          backend: backend.id,
          attempts,
          upstreamMs,
          failed: result.response.status >= 500,
        };
      }

      state.end(backend, lease, outcome, now());
      await failures.record(result);

      // May we try again? Never with a body already streamed, a WebSocket, a request that could
      // not be sent (it would fail the same way), or a non-idempotent method unless allowed.
      if (!canResend(input.body) || websocket || result.kind === "unsent") break;
      if (!IDEMPOTENT.has(method) && !retry.retryNonIdempotent) break;
      // A connection refused or lost before any answer moves on without spending `retries`, so a
      // pool that is down fails over to the next pool at once; every extra attempt, this one
      // included, is paid from the budget, which bounds the load a failing pool can draw.
      const failover = result.kind === "lost";
      const left = retriesFor.get(pool.name) ?? retry.retries;
      if (!failover && left <= 0) break;
      if (!input.budget.tryRetry(budgetPool, retry.budgetPercent, now())) break;
      if (!failover) retriesFor.set(pool.name, left - 1);
    }

    return { ...failureResult(input, primary, failures, attempts), upstreamMs };
  }
}

/** `release` for a lease that outlives the handler: reported while it lasts, and when it ends. */
function held(input: ProxyInput, release: () => void): () => void {
  const settle = input.settle;
  const stop = settle ? keepReporting(input.clock, settle) : () => undefined;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    stop();
    release();
    settle?.();
  };
}

function failureResult(
  input: ProxyInput,
  primary: Pool | undefined,
  failures: FailureLedger,
  attempts: number,
): ProxyResult {
  const upstream = failures.upstreamAnswer;
  if (upstream) {
    const response = downstreamResponse(upstream, input.route.headers.response);
    return { response, attempts, failed: true };
  }
  const degraded = primary?.degraded;
  if (degraded) {
    const response = new Response(degraded.body, {
      status: degraded.status,
      headers: { "content-type": degraded.contentType },
    });
    // Served in place of the gateway's own error: the log line still says which.
    markError(response, failures.error().code);
    return { response, attempts, failed: true };
  }
  return { response: failures.error().toResponse(input.requestId), attempts, failed: true };
}

/** After a successful answer from a pool with affinity: move the pin here if it was elsewhere. */
function rememberPin(
  pool: Pool,
  backendId: string,
  key: AffinityKey | undefined,
  response: Response,
  request: Request,
  pins: PinTable,
  now: number,
): void {
  const affinity = pool.affinity;
  if (!affinity) return;
  if (affinity.type === "cookie") {
    if (key?.value !== backendId) {
      const secure = request.url.startsWith("https:");
      response.headers.append("set-cookie", affinityCookie(affinity, backendId, secure));
    }
    return;
  }
  if (key?.value) pins.set(pool.name, key.value, backendId, affinity.ttlSeconds, now);
}
