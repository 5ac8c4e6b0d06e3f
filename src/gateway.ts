// The request pipeline for every non-admin request: match a route, answer static targets,
// hand AI routes to the AI gateway, and for pool targets choose pools, consult the cache,
// forward with retries and failover, and add the debug headers.
import type { Context } from "hono";
import { handleAi } from "./ai/handler";
import { cacheFor } from "./cache";
import type { Clock } from "./clock";
import type { Backend, Gateway, Route } from "./config/normalize";
import { admit } from "./consumers/admit";
import { withCors } from "./consumers/cors";
import type { Identifier } from "./consumers/identify";
import { gatewayRefusal } from "./consumers/refusal";
import type { AppEnv } from "./env";
import { GatewayError } from "./errors";
import { withHeaders } from "./limits/headers";
import type { LedgerSource } from "./limits/ledger";
import type { Limiter } from "./limits/limiter";
import { gatewayLimitRefusal } from "./limits/refusal";
import { admitHttp, type LimitDeps } from "./limits/stage";
import { refuseOversizedHeaders } from "./middleware/request-limits";
import type { EdgeMetrics } from "./observability/metrics/edge-metrics";
import type { OverlaySync } from "./overlay/sync";
import type { PinTable } from "./proxy/affinity";
import { readRequestBody, refuseBodyOnGetOrHead } from "./proxy/body";
import { onBodyEnd } from "./proxy/body-end";
import type { RetryBudget } from "./proxy/budget";
import { forward, type ProxyResult } from "./proxy/forward";
import { mutable } from "./proxy/headers";
import { rewritePath } from "./proxy/url";
import { type RelayNamespace, requestLinks } from "./replication/links";
import type { ReplicaLinks } from "./replication/replica";
import { type ClientInfo, clientInfo } from "./routing/client";
import { canonicalPath } from "./routing/path";
import { choosePools } from "./routing/pools";
import { routeTable } from "./routing/table";
import type { Replication } from "./state/sync";
import type { StateStore } from "./state/types";

export interface PipelineDeps {
  clock: Clock;
  state: StateStore;
  replication: Replication;
  /** The runtime overlay on the deployed config (src/overlay), on the same replica. */
  overlay: OverlaySync;
  /** Per-isolate retry budgets and affinity pins: one each per app, shared by its requests. */
  retryBudget: RetryBudget;
  pins: PinTable;
  /** The edge's metrics as this isolate counts them (src/observability), flushed with the writes. */
  metrics: EdgeMetrics;
  /** Who is calling (keys, JWTs): the isolate's JWKS, static key hashes and failure throttle. */
  identifier: Identifier;
  /** Leased quotas, admissions and settlements of limits; the isolate's side of the spend ledger. */
  limiter: Limiter;
  ledger: LedgerSource;
  /**
   * Brings the isolate's view of these backends up to date: background refresh of their records,
   * a short wait only for a record never seen. Call once per request, before selecting, with every
   * backend (or provider endpoint) the request may use.
   */
  prepare(c: Context<AppEnv>, backends: readonly Backend[]): Promise<void>;
  /** After an outcome was counted: what must reach the owners at once (an opened circuit) leaves now. */
  settle(c: Context<AppEnv>): void;
}

const requestLinksOf = new WeakMap<Request, ReplicaLinks>();

/** The request's links for replication (its location's cache, its relay, its waitUntil), made once. */
export function linksOf(c: Context<AppEnv>): ReplicaLinks {
  let links = requestLinksOf.get(c.req.raw);
  if (!links) {
    links = requestLinks(c.env.RELAY as unknown as RelayNamespace, c.req.raw, (p) =>
      c.executionCtx.waitUntil(p),
    );
    requestLinksOf.set(c.req.raw, links);
  }
  return links;
}

export async function handleGateway(
  c: Context<AppEnv>,
  gateway: Gateway,
  deps: PipelineDeps,
): Promise<Response> {
  const request = c.req.raw;
  const url = new URL(request.url);
  const path = canonicalPath(url.pathname);
  // The admin namespace is never proxied, whatever the spelling: what the admin app did not
  // answer (an unknown endpoint, a wrong method, an encoded or doubled slash) ends here.
  if (path === "/__aya" || path.startsWith("/__aya/"))
    throw new GatewayError("no_route", `no admin endpoint ${request.method} ${path}`);
  const route = routeTable(gateway.routes).match(request.method, url.host, path);
  if (!route) throw new GatewayError("no_route", `no route matches ${request.method} ${path}`);
  c.get("record")?.matched(route);
  let response: Response;
  try {
    response = await serveRoute(c, gateway, route, deps, url, path);
  } catch (error) {
    // Errors of a matched route carry its debug headers too.
    if (!(error instanceof GatewayError)) throw error;
    response = withDebug(gateway, route, error.toResponse(c.get("requestId")));
  }
  // Every answer of a CORS route, errors included: a browser reads an error only with its grant.
  return route.cors && response.status !== 101 ? withCors(route.cors, request, mutable(response)) : response;
}

async function serveRoute(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
  url: URL,
  canonical: string,
): Promise<Response> {
  const request = c.req.raw;
  const target = route.target;
  const client = clientInfo(request, gateway.trustGeoHeaders);
  // Identify and admit (CORS preflight, access rules, the consumer) before anything is served.
  const admission = await admit(c, route, client, deps.identifier, linksOf(c));
  if (admission.kind === "preflight") return admission.response;
  // AI routes answer in OpenAI's shape, their refusals and limits included.
  if (target.kind === "ai")
    return handleAi(
      c,
      gateway,
      route,
      deps,
      canonical,
      admission.kind === "refused" ? admission.failure : undefined,
    );
  if (admission.kind === "refused") throw gatewayRefusal(admission.failure);
  const limited = await admitHttp(c, gateway, route, limitDeps(deps), client.ip);
  if (!limited.ok) throw gatewayLimitRefusal(limited.failure, limited.headers);
  const answer = withHeaders(
    await serveHttp(c, gateway, route, deps, url, canonical, client),
    limited.headers(),
  );
  // A concurrency slot is given back when the answer has been sent whole (or cut off).
  const settle = limited.settle;
  return settle ? onBodyEnd(answer, () => settle()) : answer;
}

async function serveHttp(
  c: Context<AppEnv>,
  gateway: Gateway,
  route: Route,
  deps: PipelineDeps,
  url: URL,
  canonical: string,
  client: ClientInfo,
): Promise<Response> {
  const request = c.req.raw;
  const target = route.target;
  refuseOversizedHeaders(request.headers, gateway.limits);
  if (target.kind === "respond") {
    return withDebug(
      gateway,
      route,
      new Response(target.answer.body, {
        status: target.answer.status,
        headers: { "content-type": target.answer.contentType },
      }),
    );
  }
  if (target.kind === "redirect") {
    // Replacer functions, so that a `$` in the path is text, never a replacement pattern.
    const location = target.to.replaceAll("{path}", () => canonical).replaceAll("{query}", () => url.search);
    return withDebug(gateway, route, new Response(null, { status: target.status, headers: { location } }));
  }

  const choice = choosePools(route, gateway, client, request, deps.clock.random);
  const path = rewritePath(canonical, route.rewrite);
  const body = await readRequestBody(request, gateway.limits);
  refuseBodyOnGetOrHead(request.method.toUpperCase(), body);
  await deps.prepare(
    c,
    choice.pools.flatMap((p) => p.backends),
  );
  const requestId = c.get("requestId");
  const now = () => deps.clock.now();

  const proxy = (stale?: () => Promise<Response | undefined>): Promise<ProxyResult> =>
    forward({
      gateway,
      route,
      request,
      client,
      requestId,
      trace: c.get("trace"),
      pools: choice.pools,
      url,
      path,
      search: url.search,
      body,
      state: deps.state,
      clock: deps.clock,
      budget: deps.retryBudget,
      pins: deps.pins,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
      settle: () => deps.settle(c),
      stale,
      consumer: c.get("consumer")?.id,
      consumedHeader: c.get("consumedHeader"),
    });

  const cache = cacheFor({
    route,
    request,
    credentialHeaders: gateway.auth.keyHeaders,
    path,
    search: url.search,
    env: c.env,
    ctx: c.executionCtx,
    now,
    proxy,
  });
  let result: ProxyResult;
  let cacheStatus = "BYPASS";
  if (cache) {
    const hit = await cache.lookup();
    c.get("record")?.cached(hit?.status ?? "MISS");
    if (hit)
      return decorate(
        gateway,
        route,
        { response: hit.response, attempts: 0, failed: false },
        hit.status,
        choice.splitPin,
        url,
      );
    result = await proxy(cache.stale);
    cacheStatus = cache.bypassed ? "BYPASS" : "MISS";
    if (result.stale) {
      // Nothing was usable and the stale entry answered: served as it is, never stored again,
      // so its age keeps counting from the origin's answer and staleIfErrorSeconds runs out.
      cacheStatus = "STALE";
    } else if (result.failed) {
      const stale = await cache.stale();
      if (stale) {
        await result.response.body?.cancel();
        result = {
          response: stale,
          attempts: result.attempts,
          pool: result.pool,
          backend: result.backend,
          failed: false,
        };
        cacheStatus = "STALE";
      }
    } else {
      result = { ...result, response: cache.store(result.response) };
    }
  } else {
    result = await proxy();
  }
  deps.settle(c);
  observed(c, result, cache ? cacheStatus : undefined);
  return decorate(gateway, route, result, cacheStatus, choice.splitPin, url);
}

/** What the observe stage records of a proxied answer (src/observability/request-record.ts). */
function observed(c: Context<AppEnv>, result: ProxyResult, cacheStatus: string | undefined): void {
  const record = c.get("record");
  if (!record) return;
  record.proxied(result);
  if (cacheStatus) record.cached(cacheStatus as "MISS" | "STALE" | "BYPASS");
}

function decorate(
  gateway: Gateway,
  route: Route,
  result: ProxyResult,
  cacheStatus: string,
  splitPin: { cookie: string; pool: string } | undefined,
  url: URL,
): Response {
  let response = result.response;
  if (response.status === 101) return response;
  if (splitPin || gateway.debugHeaders) response = mutable(response);
  if (splitPin) {
    const secure = url.protocol === "https:" ? "; Secure" : "";
    response.headers.append(
      "set-cookie",
      `${splitPin.cookie}=${encodeURIComponent(splitPin.pool)}; Path=/; HttpOnly; SameSite=Lax${secure}`,
    );
  }
  if (gateway.debugHeaders) {
    response.headers.set("x-aya-route", String(route.index));
    if (result.pool) response.headers.set("x-aya-pool", result.pool);
    if (result.backend) response.headers.set("x-aya-backend", result.backend);
    response.headers.set("x-aya-attempts", String(result.attempts));
    response.headers.set("x-aya-cache", cacheStatus);
  }
  return response;
}

function withDebug(gateway: Gateway, route: Route, response: Response): Response {
  if (gateway.debugHeaders) response.headers.set("x-aya-route", String(route.index));
  return response;
}

/** What the limits stage needs of the pipeline. */
export function limitDeps(deps: PipelineDeps): LimitDeps {
  return { limiter: deps.limiter, ledger: deps.ledger, now: () => deps.clock.now() };
}
