// Where each kind of record lives: the owning Durable Object of a key, and how a relay folds the
// writes isolates send about it. A new kind of replicated record is one line in each table.
import { KEY_KIND, KEY_WATERMARK } from "../consumers/key-book";
import { LEDGER_KIND, ledgerFold } from "../limits/ledger";
import { metricsFold } from "../observability/metrics/fold";
import { backendFold } from "../state/backend-fold";
import type { Folds } from "./fold";
import { idOf, kindOf, type RecordKey, type RecordOwner, type Versioned } from "./record";

export interface OwnerNamespaces {
  BACKEND_STATE: DurableObjectNamespace<import("../index").BackendState>;
  RELAY: DurableObjectNamespace<import("../index").Relay>;
  KEYS: DurableObjectNamespace<import("../index").KeyStore>;
  LEDGER: DurableObjectNamespace<import("../index").Ledger>;
  OVERLAY: DurableObjectNamespace<import("../index").ConfigOverlay>;
  /** Optional: a deployment whose wrangler.toml predates it still replicates everything else. */
  METRICS?: DurableObjectNamespace<import("../index").Metrics>;
}

/** The one Ledger object. */
export const LEDGER_OBJECT = "edge";

/** The one KeyStore object. */
export const KEY_STORE = "keys";

export const folds: Folds = {
  backend: backendFold as Folds[string],
  [LEDGER_KIND]: ledgerFold as Folds[string],
  metrics: metricsFold as Folds[string],
};

export function ownerOf(
  env: OwnerNamespaces,
  key: RecordKey,
): { id: string; stub: RecordOwner; watermark?: RecordKey } | undefined {
  const id = idOf(key);
  switch (kindOf(key)) {
    case "backend":
      return { id: key, stub: env.BACKEND_STATE.get(env.BACKEND_STATE.idFromName(id)) };
    case KEY_KIND:
      return {
        id: KEY_STORE,
        stub: env.KEYS.get(env.KEYS.idFromName(KEY_STORE)),
        watermark: KEY_WATERMARK,
      };
    case LEDGER_KIND:
      return { id: LEDGER_OBJECT, stub: env.LEDGER.get(env.LEDGER.idFromName(LEDGER_OBJECT)) };
    case "overlay":
      // The runtime overlay (src/overlay): one ConfigOverlay object, named as the record.
      return { id: key, stub: env.OVERLAY.get(env.OVERLAY.idFromName(id)) };
    case "metrics":
      // Without the binding (a wrangler.toml from before it), metrics stay in the isolates: a
      // relay never fails the batch they ride in, backend outcomes included.
      return env.METRICS ? { id: key, stub: env.METRICS.get(env.METRICS.idFromName(id)) } : undefined;
    default:
      return undefined;
  }
}

/** A relay by the name it gave its owners (its id's name, or its hex id when it has none). */
export function relayByName(
  env: OwnerNamespaces,
  name: string,
): { push(records: Versioned[]): Promise<void> } {
  const id = /^[0-9a-f]{64}$/.test(name) ? env.RELAY.idFromString(name) : env.RELAY.idFromName(name);
  return env.RELAY.get(id);
}
