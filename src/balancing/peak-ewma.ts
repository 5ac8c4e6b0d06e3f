// Peak EWMA (Finagle, Linkerd): jumps to a sample above the average at once, decays toward
// lower samples with time constant tau, so a backend that turns slow is avoided immediately.
export function updatePeakEwma(
  prev: { value: number; at: number } | undefined,
  sampleMs: number,
  now: number,
  tauMs = 10_000,
): { value: number; at: number } {
  if (!prev || sampleMs > prev.value) return { value: sampleMs, at: now };
  const w = Math.exp(-Math.max(0, now - prev.at) / tauMs);
  return { value: prev.value * w + sampleMs * (1 - w), at: now };
}
