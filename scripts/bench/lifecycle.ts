// Everything the benchmark starts (workerd instances, the origin process, the fake provider) is
// registered here, so that it is stopped at the end, on an error, and on Ctrl-C / SIGTERM.
const running = new Set<() => Promise<void>>();

/** Registers a stop function; the returned stop runs it once and unregisters it. */
export function track(stop: () => Promise<void>): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    running.delete(once);
    await stop();
  };
  running.add(once);
  return once;
}

/** Stops everything still running, newest first; a failure to stop one does not stop the rest. */
export async function stopAll(): Promise<void> {
  for (const stop of [...running].reverse()) {
    await stop().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`));
  }
}

/** On SIGINT / SIGTERM: stop everything, then exit with the conventional 128 + signal code. */
export function stopOnSignals(): void {
  const codes = { SIGINT: 130, SIGTERM: 143 } as const;
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping everything it started`);
      void stopAll().finally(() => process.exit(code));
    });
  }
}
