// The simulation's time: a discrete-event clock. Timers sit in a binary heap; run() fires them in
// time order and lets every chain of promises they start run to its next timer before moving
// time on, so the real mechanism code (async functions awaiting sleeps) runs unchanged.
import { type Clock, seededRandom } from "../../src/clock";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SimClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
  readonly random: () => number;
  events = 0;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Runs every timer due up to `end`, then sets the time to `end`. */
  async run(end: number): Promise<void> {
    await drain();
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > end) break;
      this.t = top.at;
      // Every timer of this instant, then their promise chains, before time moves on.
      while (this.heap[0] && (this.heap[0] as Timer).at === this.t) {
        const timer = this.pop() as Timer;
        if (timer.cancelled) continue;
        this.events += 1;
        timer.fn();
      }
      await drain();
    }
    this.t = end;
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as Timer, h[m] as Timer)) m = l;
        if (r < h.length && before(h[r] as Timer, h[m] as Timer)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
