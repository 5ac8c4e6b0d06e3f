// How a relay folds the writes of many isolates into one write per record for its owner. Each
// record kind that takes writes has a Fold; the relay itself knows nothing of what is inside.
export interface Fold<A = unknown, D = unknown> {
  /** Adds one isolate's delta to what the relay holds for the record (a new holding when none). */
  add(held: A | undefined, delta: D, from: string, now: number): A;
  /** The write to send the owner now, or undefined when nothing changed since the last one. */
  drain(held: A, now: number, relay: string): D | undefined;
  /** A drained write the owner never received goes back in. */
  restore(held: A, delta: D): void;
  /** Whether the holding may be forgotten (nothing pending, nothing live). */
  idle(held: A, now: number): boolean;
}

export type Folds = Readonly<Record<string, Fold>>;
