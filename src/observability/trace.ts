// W3C Trace Context (https://www.w3.org/TR/trace-context/): a client's valid `traceparent` is
// continued (same trace id and flags, aya's own span id as the parent of the upstream hop, its
// `tracestate` passed on), anything else is replaced by a new trace, its `tracestate` dropped as
// the spec asks. Ids come from the gateway's Clock, so tests can seed them.
import type { Clock } from "../clock";

export interface Trace {
  /** 32 lowercase hex digits, never all zeros. */
  traceId: string;
  /** aya's span: the parent id backends and providers see. */
  spanId: string;
  /** The client's span, when the trace was continued. */
  parentId?: string;
  /** The `traceparent` header aya sends upstream. */
  traceparent: string;
  /** The client's `tracestate`, passed on only with a continued trace. */
  tracestate?: string;
}

// version 00 is exactly these four fields; a later version may add fields after a dash.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The parts of a valid `traceparent`, or undefined for anything the spec says to restart. */
export function parseTraceparent(
  value: string | null,
): { traceId: string; parentId: string; flags: string } | undefined {
  if (!value || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === "ff") return undefined;
  if (version === "00" && rest !== undefined) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentId, flags };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** 8 × `words` random lowercase hex digits (32 bits a word), never all zeros: on every request, so cheap. */
function randomHex(random: () => number, words: number): string {
  for (;;) {
    let out = "";
    let any = 0;
    for (let w = 0; w < words; w++) {
      const n = (random() * 0x100000000) >>> 0;
      any |= n;
      out += `${HEX[n >>> 24]}${HEX[(n >>> 16) & 255]}${HEX[(n >>> 8) & 255]}${HEX[n & 255]}`;
    }
    if (any !== 0) return out;
  }
}

/** The request's trace: the client's continued, or a new one (sampled: aya logs every request). */
export function traceOf(headers: Headers, clock: Pick<Clock, "random">): Trace {
  const given = parseTraceparent(headers.get("traceparent"));
  const spanId = randomHex(clock.random, 2);
  if (given) {
    const tracestate = headers.get("tracestate") ?? undefined;
    return {
      traceId: given.traceId,
      spanId,
      parentId: given.parentId,
      // Only version 00 is known; a later version is continued as 00 (the spec's rule).
      traceparent: `00-${given.traceId}-${spanId}-${given.flags}`,
      ...(tracestate ? { tracestate } : {}),
    };
  }
  const traceId = randomHex(clock.random, 4);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** Sets the trace headers on an upstream request: ours, never the client's as it came. */
export function setTraceHeaders(headers: Headers, trace: Trace | undefined): void {
  if (!trace) return;
  headers.set("traceparent", trace.traceparent);
  if (trace.tracestate) headers.set("tracestate", trace.tracestate);
  else headers.delete("tracestate");
}
