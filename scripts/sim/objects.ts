// A simulated Durable Object: a place on Earth, a single thread (each call takes SERVICE_MS of
// it, so calls queue when they come faster than about 1,000 a second, as on the platform), and
// counters of the calls it received, per second of simulated time.
import { type Clock, sleep } from "../../src/clock";
import { oneWayMs, type Place } from "./world";

/** One call's work on the object's thread: about 1,000 calls a second per object, the platform's figure. */
export const SERVICE_MS = 1;

export class SimObject {
  calls = 0;
  readonly perSecond = new Map<number, number>();
  private busyUntil = 0;

  constructor(
    readonly kind: string,
    readonly name: string,
    readonly place: Place,
    private readonly clock: Clock,
  ) {}

  /** A call from `from`: travels there, waits its turn, runs, travels back. */
  async call<T>(from: Place, work: () => T | Promise<T>): Promise<T> {
    await sleep(this.clock, oneWayMs(from, this.place));
    const now = this.clock.now();
    this.count(now);
    const start = Math.max(now, this.busyUntil);
    this.busyUntil = start + SERVICE_MS;
    await sleep(this.clock, this.busyUntil - now);
    const out = await work();
    await sleep(this.clock, oneWayMs(this.place, from));
    return out;
  }

  /** Work the object starts itself (an alarm): counted, not travelled. */
  wake(work: () => unknown): void {
    this.count(this.clock.now());
    void work();
  }

  private count(now: number): void {
    this.calls += 1;
    const second = Math.floor(now / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
  }
}

/** Mean and worst calls a second of a set of objects over [from, to) seconds. */
export function load(objects: SimObject[], from: number, to: number) {
  let worstMean = 0;
  let worstName = "";
  let peak = 0;
  const samples: number[] = [];
  for (const o of objects) {
    let sum = 0;
    for (let s = from; s < to; s++) {
      const n = o.perSecond.get(s) ?? 0;
      sum += n;
      samples.push(n);
      peak = Math.max(peak, n);
    }
    const mean = sum / Math.max(1, to - from);
    if (mean > worstMean) {
      worstMean = mean;
      worstName = o.name;
    }
  }
  samples.sort((a, b) => a - b);
  const p99 = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] ?? 0;
  return { objects: objects.length, worstMean, worstName, p99, peak };
}
