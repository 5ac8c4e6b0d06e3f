// How a relay folds the reports of its isolates about one backend into one report for the
// backend's object: counts add up, each isolate's latest in-flight count is kept (and dropped
// after REPORT_TTL_MS of silence), and the object hears the sum as the relay's own count.
import type { Fold } from "../replication/fold";
import { REPORT_TTL_MS } from "./backend-record";
import { emptyPending, isEmpty, mergePending, type Pending } from "./pending";
import type { BackendDelta, BackendSpec } from "./protocol";

interface Holding {
  spec: BackendSpec;
  pending: Pending;
  inflightBy: Map<string, { inflight: number; at: number }>;
  cooldownUntil: number;
  sent: { inflight: number; cooldownUntil: number; at: number };
}

/** A relay re-sends an unchanged, non-zero in-flight sum this often, so the object keeps counting it. */
const KEEPALIVE_MS = REPORT_TTL_MS / 3;

export const backendFold: Fold<Holding, BackendDelta> = {
  add(held, delta, from, now) {
    const h: Holding = held ?? {
      spec: delta.spec,
      pending: emptyPending(),
      inflightBy: new Map(),
      cooldownUntil: 0,
      sent: { inflight: 0, cooldownUntil: 0, at: 0 },
    };
    h.spec = delta.spec;
    mergePending(h.pending, delta);
    h.inflightBy.set(from, { inflight: delta.inflight, at: now });
    if ((delta.cooldownUntil ?? 0) > h.cooldownUntil) h.cooldownUntil = delta.cooldownUntil ?? 0;
    return h;
  },
  drain(h, now, relay) {
    let inflight = 0;
    for (const [isolate, r] of h.inflightBy) {
      if (now - r.at > REPORT_TTL_MS) h.inflightBy.delete(isolate);
      else inflight += r.inflight;
    }
    const p = h.pending;
    const changed =
      !isEmpty(p) ||
      inflight !== h.sent.inflight ||
      h.cooldownUntil !== h.sent.cooldownUntil ||
      (inflight > 0 && now - h.sent.at >= KEEPALIVE_MS);
    if (!changed) return undefined;
    h.pending = emptyPending();
    h.sent = { inflight, cooldownUntil: h.cooldownUntil, at: now };
    return {
      ...p,
      isolate: relay,
      inflight,
      cooldownUntil: h.cooldownUntil || undefined,
      spec: h.spec,
    };
  },
  restore(h, delta) {
    mergePending(h.pending, delta, true);
    // Make the next drain send the in-flight sum again.
    h.sent = { inflight: -1, cooldownUntil: -1, at: 0 };
  },
  idle(h) {
    if (!isEmpty(h.pending) || h.sent.inflight !== 0) return false;
    for (const r of h.inflightBy.values()) if (r.inflight !== 0) return false;
    return true;
  },
};
