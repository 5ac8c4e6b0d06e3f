// `access` on a route: who may call it at all, by client IP (cf-connecting-ip, never a header a
// client can set) and by country (the request's `cf`). Deny lists win over allow lists; an empty
// allow list allows everyone. Decided before identification, so a denied client costs no lookup.
import { type CidrRange, inRange, parseCidr, parseIp } from "./cidr";

export interface AccessRules {
  ipAllow: CidrRange[];
  ipDeny: CidrRange[];
  countryAllow: ReadonlySet<string>;
  countryDeny: ReadonlySet<string>;
}

export interface AccessInput {
  ipAllow: string[];
  ipDeny: string[];
  countryAllow: string[];
  countryDeny: string[];
}

/** Compiles the validated config (every CIDR already checked by the schema). */
export function accessRules(input: AccessInput): AccessRules {
  const ranges = (list: string[]) =>
    list.map((t) => parseCidr(t)).filter((r): r is CidrRange => r !== undefined);
  return {
    ipAllow: ranges(input.ipAllow),
    ipDeny: ranges(input.ipDeny),
    countryAllow: new Set(input.countryAllow.map((c) => c.toUpperCase())),
    countryDeny: new Set(input.countryDeny.map((c) => c.toUpperCase())),
  };
}

/** Why the client may not call the route, or undefined when it may. */
export function accessDenied(
  rules: AccessRules,
  client: { ip: string; country?: string },
): string | undefined {
  const ip = client.ip ? parseIp(client.ip) : undefined;
  const country = client.country;
  if (ip !== undefined && rules.ipDeny.some((r) => inRange(ip, r))) return "the client's address is denied";
  if (country && rules.countryDeny.has(country)) return "the client's country is denied";
  if (rules.ipAllow.length > 0 && (ip === undefined || !rules.ipAllow.some((r) => inRange(ip, r))))
    return "the client's address is not allowed";
  if (rules.countryAllow.size > 0 && (!country || !rules.countryAllow.has(country)))
    return "the client's country is not allowed";
  return undefined;
}
