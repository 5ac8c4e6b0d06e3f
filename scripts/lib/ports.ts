// Whether a port on 127.0.0.1 can be listened on, checked before `npm start` starts anything, so
// that a taken port is one sentence naming it instead of EADDRINUSE from whichever server was
// fourth to start.
import { createServer } from "node:net";

export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The first of these ports that cannot be listened on, if any. */
export async function firstTaken<T extends { port: number }>(wanted: readonly T[]): Promise<T | undefined> {
  for (const entry of wanted) if (!(await isFree(entry.port))) return entry;
  return undefined;
}
