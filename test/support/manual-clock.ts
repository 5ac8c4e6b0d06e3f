// A clock the test moves by hand: `advance(ms)` moves time and fires every timer that falls due,
// in order, so deadlines, probe timeouts and cold-start waits are tested without sleeping.
// Randomness is seeded, so a failing run can be replayed.
import { type Clock, seededRandom } from "../../src/clock";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  private waiters: (() => void)[] = [];
  readonly random: () => number;

  constructor(start = Date.UTC(2026, 0, 1), seed = 1) {
    this.t = start;
    this.random = seededRandom(seed);
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    for (const wake of this.waiters.splice(0)) wake();
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
   * Resolves once a timer is set (at once when one is pending): for a test that must advance the
   * clock only after the code under test has started waiting, without sleeping.
   */
  timerSet(): Promise<void> {
    if (this.timers.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }
}
