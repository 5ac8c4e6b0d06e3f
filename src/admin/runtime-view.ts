// The admin side's view of the runtime overlay: read fresh from the ConfigOverlay object (the
// admin path may pay for an object call; the request path never does), adopted by this isolate
// and its location at once, and applied to the deployed config of this isolate. Used by status,
// GET /__aya/config and the change endpoints.
import type { Context } from "hono";
import { loadGateway } from "../config/load";
import type { Gateway } from "../config/normalize";
import type { AppEnv } from "../env";
import { linksOf } from "../gateway";
import type { AppliedOverlay } from "../overlay/apply";
import type { Overlay } from "../overlay/types";
import type { Versioned } from "../replication/record";

export interface RuntimeView {
  applied: AppliedOverlay;
  gateway: Gateway;
  /** Set when the object could not be read: the view is this isolate's own copy. */
  unavailable?: string;
}

export function overlayObject(c: Context<AppEnv>) {
  const ns = c.env.OVERLAY;
  return ns.get(ns.idFromName(c.get("runtime").overlay.name));
}

export async function runtimeView(c: Context<AppEnv>): Promise<RuntimeView> {
  const { overlay } = c.get("runtime");
  let unavailable: string | undefined;
  try {
    const record: Versioned<Overlay> = await overlayObject(c).read();
    overlay.adopt(record, linksOf(c));
  } catch (error) {
    unavailable = `the overlay object could not be read (${String(error)}): this isolate's copy is shown`;
  }
  const deployed = loadGateway(c.env.GATEWAY);
  const applied = overlay.effective(deployed, c.env.GATEWAY);
  const gateway = applied.result.ok ? applied.result.config : c.get("gateway");
  return { applied, gateway, unavailable };
}

/** What status and GET /__aya/config say about the overlay as a whole. */
export function overlaySummary(view: RuntimeView) {
  const { applied } = view;
  return {
    version: applied.version,
    applied: applied.applied.length,
    notApplied: applied.notApplied,
    ...(view.unavailable ? { unavailable: view.unavailable } : {}),
  };
}
