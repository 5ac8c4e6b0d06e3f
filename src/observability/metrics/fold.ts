// How a relay folds its isolates' metric writes: it adds them up and sends the owner one sum per
// call (at most one call a second per relay), so the Metrics object hears from relays, never
// from each isolate.
import type { Fold } from "../../replication/fold";
import { addDelta, emptyDelta, isEmptyDelta, type MetricsDelta } from "./delta";
import { FAMILIES } from "./families";

/** Series a relay holds between calls to the owner. */
const MAX_RELAY_SERIES = 20_000;

export const metricsFold: Fold<MetricsDelta, MetricsDelta> = {
  add(held, delta) {
    const into = held ?? emptyDelta();
    addDelta(into, delta, MAX_RELAY_SERIES, FAMILIES.dropped.name);
    return into;
  },
  drain(held) {
    if (isEmptyDelta(held)) return undefined;
    const out: MetricsDelta = { c: held.c, h: held.h };
    held.c = {};
    held.h = {};
    return out;
  },
  restore(held, delta) {
    addDelta(held, delta);
  },
  idle(held) {
    return isEmptyDelta(held);
  },
};
