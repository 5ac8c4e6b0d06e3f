// The one interface every balancing strategy implements. Strategies are pure: no I/O, and the
// clock and randomness come in through PickContext so that tests can drive them exactly.

export interface Candidate {
  id: string;
  /** Relative capacity, > 0. Strategies that can use weights must. */
  weight: number;
  /** Requests in flight to this backend (global view when the state layer has one). */
  inflight: number;
  /** Peak-EWMA latency in ms; 0 means "no sample yet". */
  ewmaLatencyMs: number;
}

export interface PickContext {
  /** Milliseconds since the epoch. */
  now: number;
  /** Uniform in [0, 1). */
  random: () => number;
  /** The hash key for ip-hash and consistent-hash (client IP, header, cookie or path). */
  key?: string;
}

export interface Strategy {
  /** Chooses one of `candidates` (all usable), or undefined when the list is empty. */
  pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C | undefined;
}
