// The Worker's log lines as a test sees them: console.log spied on in this isolate (the app runs
// in the test's own isolate), each request line parsed. Lines of other kinds are kept apart.
import { type MockInstance, vi } from "vitest";

export interface LogLines {
  /** Request lines (`{"ts": …}`), parsed, in the order they were written. */
  readonly requests: Record<string, unknown>[];
  /** Every line logged, as written. */
  readonly raw: string[];
  restore(): void;
}

export function captureLogLines(): LogLines {
  const raw: string[] = [];
  const requests: Record<string, unknown>[] = [];
  const spy: MockInstance = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    const text = args.map(String).join(" ");
    raw.push(text);
    if (text.startsWith('{"ts":')) requests.push(JSON.parse(text) as Record<string, unknown>);
  });
  return { requests, raw, restore: () => spy.mockRestore() };
}
