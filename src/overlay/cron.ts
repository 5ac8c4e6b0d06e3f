// The cron trigger probes the backends of the effective config, so that a backend added at run
// time is probed like a deployed one (and one removed is not). Cron may call the object directly:
// once a minute, off the request path. When it cannot be reached, the deployed config is probed.
import type { ConfigResult, Gateway } from "../config/normalize";
import type { Versioned } from "../replication/record";
import { applyOverlay } from "./apply";
import { DEFAULT_OVERLAY_NAME, emptyOverlay, type Overlay } from "./types";

type OverlayNamespace = DurableObjectNamespace<import("../index").ConfigOverlay>;

export async function effectiveForCron(
  deployed: Extract<ConfigResult, { ok: true }>,
  deployedRaw: unknown,
  namespace: OverlayNamespace | undefined,
  name = DEFAULT_OVERLAY_NAME,
): Promise<Gateway> {
  if (!namespace) return deployed.config;
  try {
    const record: Versioned<Overlay> = await namespace.get(namespace.idFromName(name)).read();
    const applied = applyOverlay(deployed, deployedRaw, record.value ?? emptyOverlay());
    return applied.result.ok ? applied.result.config : deployed.config;
  } catch (error) {
    console.warn(
      JSON.stringify({ msg: "overlay unavailable; probing the deployed config", error: String(error) }),
    );
    return deployed.config;
  }
}
