// Workers Analytics Engine: with an `ANALYTICS` dataset bound, each request is one data point,
// written when its log line is (the README gives the SQL API queries). The layout is fixed, since
// queries name columns by position:
//   index1  route (the label metrics use: its path, "(admin)" or "(unmatched)")
//   blob1 route · blob2 method · blob3 host · blob4 path · blob5 status class · blob6 pool
//   blob7 backend · blob8 cache · blob9 consumer · blob10 provider · blob11 model · blob12 error
//   blob13 requestId · blob14 traceId
//   double1 status · double2 durationMs · double3 upstreamMs · double4 attempts
//   double5 promptTokens · double6 completionTokens · double7 costUsd · double8 ttftMs
// A field that does not apply is "" (blobs) or 0 (doubles). Analytics Engine samples on its own
// at high rates; every query weighs rows by `_sample_interval`.
import type { RequestRecord } from "./request-record";

/** The index is the sampling key; the platform takes at most 96 bytes of it. */
const MAX_INDEX_BYTES = 96;
/** Blobs share 16 KB per data point; a path gets at most this much of it. */
const MAX_PATH_CHARS = 1024;

function cutBytes(text: string, max: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= max) return text;
  // Cut on a character boundary: decode what fits, dropping a partial last character.
  return new TextDecoder().decode(bytes.slice(0, max)).replace(/\uFFFD$/, "");
}

/** The shape of a Workers Analytics Engine data point, as aya writes it. */
export interface DataPoint {
  indexes: string[];
  blobs: string[];
  doubles: number[];
}

/** The part of an `AnalyticsEngineDataset` binding aya uses. */
export interface AnalyticsDataset {
  writeDataPoint(point: DataPoint): void;
}

export function dataPoint(r: RequestRecord, durationMs: number): DataPoint {
  const route = r.routeLabel;
  return {
    indexes: [cutBytes(route, MAX_INDEX_BYTES)],
    blobs: [
      route,
      r.method,
      r.host,
      r.path.slice(0, MAX_PATH_CHARS),
      `${Math.floor(r.status / 100)}xx`,
      r.pool ?? "",
      r.backend ?? "",
      r.cache ?? "",
      r.consumer ?? "",
      r.provider ?? "",
      r.model ?? "",
      r.error ?? "",
      r.requestId,
      r.trace.traceId,
    ],
    doubles: [
      r.status,
      durationMs,
      r.upstreamMs ?? 0,
      r.attempts ?? 0,
      r.promptTokens ?? 0,
      r.completionTokens ?? 0,
      r.costUsd ?? 0,
      r.ttftMs ?? 0,
    ],
  };
}

/** Writes the request's data point; a dataset that refuses it never fails the request. */
export function writeDataPoint(dataset: AnalyticsDataset | undefined, r: RequestRecord, durationMs: number) {
  if (!dataset) return;
  try {
    dataset.writeDataPoint(dataPoint(r, durationMs));
  } catch (error) {
    console.warn(JSON.stringify({ msg: "analytics data point refused", error: String(error) }));
  }
}
