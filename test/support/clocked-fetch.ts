// The real app with a clock the test moves, as a `fetch` function: for clients that want one
// (the openai SDK) and for tests that read a response's body themselves. Background work
// (cache stores, which for a stream happen only once it has been read) is awaited by settle().
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { clockedApp } from "./clocked";
import type { ClockedRelays } from "./clocked-relays";

export function clockedFetch(config: unknown, extraEnv: Record<string, unknown> = {}) {
  const { app, clock, testEnv, advance } = clockedApp(config, undefined, extraEnv);
  const pending: ExecutionContext[] = [];

  async function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(
      input instanceof Request ? input : new URL(String(input), "https://gw.example"),
      init,
    );
    if (!request.headers.has("cf-connecting-ip")) request.headers.set("cf-connecting-ip", "203.0.113.7");
    const ctx = createExecutionContext();
    pending.push(ctx);
    return app.fetch(request, testEnv, ctx);
  }

  return {
    fetch,
    clock,
    advance,
    /** Waits for every request's background work so far. */
    async settle() {
      await Promise.all(pending.splice(0).map((ctx) => waitOnExecutionContext(ctx)));
    },
    /** The relays forward the writes they hold to their owners (a relay's alarm, run now). */
    async forward() {
      await (testEnv.RELAY as ClockedRelays).forward();
    },
  };
}

/** Counts the gateway's outgoing fetches whose URL starts with `prefix` (a provider's base URL). */
export function countFetches(prefix: string) {
  const real = globalThis.fetch;
  let count = 0;
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(prefix)) count += 1;
    return real(input, init);
  };
  return {
    get count() {
      return count;
    },
    restore() {
      globalThis.fetch = real;
    },
  };
}
