// Which relay an isolate talks to: one per region shard, named `<hint>:<shard>` and placed with
// that Durable Object location hint, so it sits near the locations it serves. A location (colo)
// always maps to the same relay; regions with many locations are split into RELAY_SHARDS relays
// by a hash of the colo, which keeps each relay's load a share of its region's.
import { hashString } from "../balancing/hash";

/** Durable Object location hints (the platform's own list). */
export type RelayHint = "wnam" | "enam" | "sam" | "weur" | "eeur" | "apac" | "oc" | "afr" | "me";

export const RELAY_SHARDS = 6;

const BY_CONTINENT: Readonly<Record<string, RelayHint>> = {
  NA: "enam",
  SA: "sam",
  EU: "weur",
  AS: "apac",
  OC: "oc",
  AF: "afr",
  AN: "oc",
};

/** North American colos west of the Rockies: closer to a wnam relay than to an enam one. */
const WEST_NA = new Set([
  "LAX",
  "SJC",
  "SFO",
  "SEA",
  "PDX",
  "PHX",
  "DEN",
  "LAS",
  "SLC",
  "SAN",
  "SMF",
  "YVR",
  "ABQ",
  "BOI",
  "FAT",
]);

export interface RelayPlace {
  name: string;
  hint: RelayHint;
}

export function relayFor(cf: { continent?: unknown; colo?: unknown } | undefined): RelayPlace {
  const continent = typeof cf?.continent === "string" ? cf.continent.toUpperCase() : "";
  const colo = typeof cf?.colo === "string" ? cf.colo.toUpperCase() : "";
  let hint: RelayHint = BY_CONTINENT[continent] ?? "enam";
  if (hint === "enam" && WEST_NA.has(colo)) hint = "wnam";
  const shard = hashString(colo || continent || "any") % RELAY_SHARDS;
  return { name: `${hint}:${shard}`, hint };
}
