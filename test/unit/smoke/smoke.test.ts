import { expect, it } from "vitest";
it("connect error shape", async () => {
  try {
    await fetch("http://127.0.0.1:1/x");
  } catch (e) {
    console.log("ERR", String(e), (e as Error).name, JSON.stringify(Object.entries(e as object)));
  }
  const ac = new AbortController();
  ac.abort(new Error("timeout-x"));
  try { await fetch("http://127.0.0.1:1/x", {signal: ac.signal}); } catch (e) { console.log("ABORT", String(e)); }
  expect(1).toBe(1);
});
