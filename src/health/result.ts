// What a probe found, as the BackendState record keeps it (kept apart from probe.ts, which needs
// the Workers socket API, so that the state code runs anywhere, the simulation too).
export interface ProbeResult {
  at: number;
  ok: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
}
