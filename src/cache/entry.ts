// A cached answer in one KV value: a length-prefixed JSON head (status, headers) then the body
// bytes. Headers live in the value, not in KV metadata, because metadata is capped at 1 KiB;
// metadata carries only the freshness fields, so a purge can list without reading values.
import type { EntryMeta } from "./freshness";

export interface CachedHead {
  status: number;
  headers: [string, string][];
}

// Headers that describe one hop or one answer, never replayed from cache.
const NOT_STORED = new Set(["x-request-id", "date", "age", "connection", "keep-alive", "transfer-encoding"]);

export function encodeEntry(status: number, headers: Headers, body: Uint8Array): Uint8Array {
  const head: CachedHead = { status, headers: [...headers].filter(([name]) => !NOT_STORED.has(name)) };
  const headBytes = new TextEncoder().encode(JSON.stringify(head));
  const out = new Uint8Array(4 + headBytes.byteLength + body.byteLength);
  new DataView(out.buffer).setUint32(0, headBytes.byteLength);
  out.set(headBytes, 4);
  out.set(body, 4 + headBytes.byteLength);
  return out;
}

export function decodeEntry(value: ArrayBuffer): { head: CachedHead; body: Uint8Array } {
  const length = new DataView(value).getUint32(0);
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(value, 4, length))) as CachedHead;
  return { head, body: new Uint8Array(value, 4 + length) };
}

export function entryResponse(
  entry: { head: CachedHead; body: Uint8Array },
  meta: EntryMeta,
  now: number,
  head: boolean,
): Response {
  const headers = new Headers(entry.head.headers);
  headers.set("age", String(Math.max(0, Math.floor((now - meta.at) / 1000))));
  const noBody = head || entry.head.status === 204 || entry.head.status === 304;
  return new Response(noBody ? null : entry.body, { status: entry.head.status, headers });
}
