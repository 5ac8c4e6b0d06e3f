// IPv4 and IPv6 addresses and CIDR ranges, for `access` rules on cf-connecting-ip. Addresses are
// parsed into 128-bit integers (IPv4 as its IPv4-mapped IPv6 form, ::ffff:a.b.c.d), so one range
// check serves both families and `10.0.0.0/8` also matches a client Cloudflare reports as
// `::ffff:10.1.2.3`. Anything that is not a well-formed address matches nothing.

export interface CidrRange {
  /** The network, as a 128-bit integer. */
  base: bigint;
  /** Prefix length in the 128-bit space. */
  bits: number;
  /** As written, for messages. */
  text: string;
}

const V4_MAPPED = 0xffffn << 32n;

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255 || (part.length > 1 && part.startsWith("0"))) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let v4Tail: bigint | undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = head.lastIndexOf(":");
  if (head.includes(".")) {
    v4Tail = parseV4(head.slice(lastColon + 1));
    if (v4Tail === undefined) return undefined;
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0] ?? "");
  const right = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? left.length !== 8 : missing < 1) return undefined;
  const all = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (v4Tail !== undefined) value = (value & ~0xffffffffn) | v4Tail;
  return value;
}

/** The address as a 128-bit integer (IPv4 mapped into IPv6), or undefined when malformed. */
export function parseIp(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(":")) return parseV6(trimmed.replace(/^\[|\]$/g, ""));
  const v4 = parseV4(trimmed);
  return v4 === undefined ? undefined : V4_MAPPED | v4;
}

/** `203.0.113.0/24`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(text: string): CidrRange | undefined {
  const [address = "", prefix] = text.trim().split("/", 2);
  const v4 = !address.includes(":");
  const base = parseIp(address);
  if (base === undefined) return undefined;
  const max = v4 ? 32 : 128;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return undefined;
  const length = prefix === undefined ? max : Number(prefix);
  if (length > max) return undefined;
  const bits = v4 ? 96 + length : length;
  return { base: base & mask(bits), bits, text };
}

function mask(bits: number): bigint {
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
}

export function inRange(ip: bigint, range: CidrRange): boolean {
  return (ip & mask(range.bits)) === range.base;
}
