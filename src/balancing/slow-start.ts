// Slow start (Envoy's slow_start_config, nginx's slow_start): a backend added or re-enabled at run
// time gets a share of its weight that grows linearly with the time since, from MIN_SHARE to all
// of it over the pool's slowStartSeconds, so a cold origin (empty caches, JIT, connection pools)
// is not handed its full share of traffic at once. Strategies see it as a smaller weight, so it
// counts in every one that uses weights (least-connections divides the load by it, consistent-hash
// gives it fewer ring points, and so on).
//
// The share moves in steps of STEP, not continuously: a ring (consistent-hash) or a smooth
// round-robin state built for one set of weights then stays valid for a while, instead of being
// rebuilt on every request of the ramp.

/** A backend in slow start starts with this share of its weight (Envoy's default min_weight_percent). */
export const MIN_SHARE = 0.1;
export const STEP = 0.05;

export interface SlowStart {
  /** When the backend was added or re-enabled (ms). */
  since: number;
  seconds: number;
}

/** The share of its weight a backend in slow start gets at `now`: MIN_SHARE … 1. */
export function slowStartShare(slowStart: SlowStart | undefined, now: number): number {
  if (!slowStart || slowStart.seconds <= 0) return 1;
  const elapsed = (now - slowStart.since) / (slowStart.seconds * 1000);
  if (elapsed >= 1) return 1;
  const linear = Math.max(MIN_SHARE, elapsed);
  return Math.min(1, Math.max(MIN_SHARE, Math.floor(linear / STEP + 1e-9) * STEP));
}

/** The weight strategies see: the configured weight, scaled while the backend is in slow start. */
export function effectiveWeight(weight: number, slowStart: SlowStart | undefined, now: number): number {
  return slowStart ? weight * slowStartShare(slowStart, now) : weight;
}
