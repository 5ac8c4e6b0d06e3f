// A clock the test moves by hand: `advance(ms)` moves time and fires every timer that falls due,
// in order, so deadlines, probe timeouts and cold-start waits are tested without sleeping.
// Randomness is seeded, so a failing run can be replayed.
import { type Clock, seededRandom } from "../../src/clock";

interface Timer {
  at: number;
  /** How long it was set for. */
  delay: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  private waiters: { minDelay: number; wake: () => void }[] = [];
  readonly random: () => number;

  constructor(start = Date.UTC(2026, 0, 1), seed = 1) {
    this.t = start;
    this.random = seededRandom(seed);
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const delay = Math.max(0, ms);
    const timer: Timer = { at: this.t + delay, delay, seq: this.seq++, fn };
    this.timers.push(timer);
    this.waiters = this.waiters.filter((w) => {
      if (delay < w.minDelay) return true;
      w.wake();
      return false;
    });
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Moves time forward by `ms`, firing due timers in time order (each at its own time). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  /**
   * Resolves once a timer of at least `minDelay` ms is set (at once when one is pending): for a
   * test that must advance the clock only after the code under test has started waiting (a 150 ms
   * deadline, not a cold isolate's 50 ms wait for its records), without sleeping.
   */
  timerSet(minDelay = 0): Promise<void> {
    if (this.timers.some((t) => t.delay >= minDelay)) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ minDelay, wake }));
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }
}
