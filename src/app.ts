// Hono wiring: request id first, then the observe stage around everything (trace, log line,
// metrics), admin endpoints under /__aya, everything else through the gateway pipeline; one error
// renderer for the whole app.
import { type Context, Hono } from "hono";
import { adminApp } from "./admin/routes";
import { systemClock } from "./clock";
import { loadGateway } from "./config/load";
import type { ConfigResult } from "./config/normalize";
import { Identifier } from "./consumers/identify";
import type { AppEnv } from "./env";
import { GatewayError } from "./errors";
import { handleGateway, linksOf, type PipelineDeps } from "./gateway";
import { LedgerSource } from "./limits/ledger";
import { Limiter } from "./limits/limiter";
import { requestId } from "./middleware/request-id";
import { EdgeMetrics } from "./observability/metrics/edge-metrics";
import { observe } from "./observability/observe";
import { OverlaySync } from "./overlay/sync";
import { PinTable } from "./proxy/affinity";
import { RetryBudget } from "./proxy/budget";
import { canonicalPath } from "./routing/path";
import { isolateState } from "./state/isolate";
import { isolateReplication, type Replication } from "./state/sync";

export const defaultDeps: PipelineDeps = replicatedDeps(systemClock, isolateState, isolateReplication);

/**
 * Pipeline dependencies on a clock, a state store and the replication that keeps it fresh, with
 * a retry budget and affinity pins of their own, and the edge's metrics counted in this isolate
 * (flushed with the replication's batched writes).
 */
export function replicatedDeps(
  clock: PipelineDeps["clock"],
  state: typeof isolateState,
  replication: Replication,
  /** The ConfigOverlay object to read (tests give each their own). */
  overlayName?: string,
): PipelineDeps {
  const metrics = new EdgeMetrics();
  replication.outbox.register(metrics);
  // The spend ledger's rows travel with the isolate's other batched writes.
  const ledger = new LedgerSource();
  replication.outbox.register(ledger);
  return {
    clock,
    state,
    replication,
    metrics,
    overlay: new OverlaySync(clock, replication.replica, overlayName),
    retryBudget: new RetryBudget(),
    pins: new PinTable(),
    identifier: new Identifier(clock, replication.replica),
    limiter: new Limiter(clock, () => replication.replica.isolateId),
    ledger,
    prepare: (c, backends) => replication.prepare(backends, linksOf(c)),
    settle: (c) => replication.settle(linksOf(c)),
  };
}

/**
 * Hono routes every request (the admin endpoints included) on its canonical path, so `//__aya/x`
 * or `/%5F_aya/x` reach the admin app like `/__aya/x`. A path canonicalPath refuses is routed as
 * it came, and the gateway answers it 400.
 */
function routingPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf(":") + 3);
  const query = url.indexOf("?", start);
  const raw = query < 0 ? url.slice(start) : url.slice(start, query);
  try {
    return canonicalPath(raw);
  } catch {
    return raw;
  }
}

async function effectiveConfig(c: Context<AppEnv>, deps: PipelineDeps, deployed: ConfigResult) {
  const waiting = deps.overlay.prepare(linksOf(c));
  if (waiting) await waiting;
  const effective = deps.overlay.effective(deployed, c.env.GATEWAY).result;
  return effective.ok ? effective : deployed;
}

export function createApp(deps: PipelineDeps = defaultDeps) {
  const app = new Hono<AppEnv>({ getPath: routingPath });
  app.use("*", requestId());
  app.use("*", observe({ clock: deps.clock, metrics: deps.metrics, flush: deps.settle }));

  app.use("*", async function withConfig(c, next) {
    const deployed = loadGateway(c.env.GATEWAY);
    // The runtime overlay (src/overlay) on top: read from the isolate's memory, parsed once per version.
    const result = deployed.ok ? await effectiveConfig(c, deps, deployed) : deployed;
    if (!result.ok) {
      c.get("record")?.failed("invalid_config");
      return c.json(
        {
          error: {
            code: "invalid_config",
            message: `the GATEWAY configuration is invalid: ${result.errors.join("; ")}`,
            problems: result.errors,
            requestId: c.get("requestId"),
          },
        },
        500,
      );
    }
    c.set("gateway", result.config);
    c.set("runtime", { overlay: deps.overlay, clock: deps.clock, limiter: deps.limiter });
    await next();
  });

  app.route("/__aya", adminApp);
  app.all("*", (c) => handleGateway(c, c.get("gateway"), deps));

  app.onError((error, c) => {
    const id = c.get("requestId") ?? crypto.randomUUID();
    if (error instanceof GatewayError) return error.toResponse(id);
    // Never leak a stack trace or an upstream's details to the client.
    console.error(JSON.stringify({ requestId: id, error: String(error) }));
    return new GatewayError("upstream_error", "the gateway could not complete the request").toResponse(id);
  });
  return app;
}
