// Where things are: Cloudflare-like locations spread over the continents in about the
// proportions of Cloudflare's network, the region a relay of each location hint sits in, and how
// long a message takes between two places.
//
// Latency model: one way = 2 ms + great-circle distance / 100 km per ms. Light in fibre covers
// about 200 km per ms (two thirds of c); real routes run about 1.5-2 times the great circle, so
// 100 km per ms of great-circle distance, plus 2 ms of switching and queueing. Frankfurt-Virginia
// (6,500 km) comes out at 67 ms one way, 134 ms round trip, which is what public RTT tables show
// (about 90-100 ms measured on direct paths: the model is on the slow side, on purpose).

import type { RelayHint } from "../../src/replication/relay-name";
import { distanceKm } from "../../src/routing/distance";

export interface Place {
  lat: number;
  lon: number;
}

export interface Location extends Place {
  name: string;
  continent: string;
  /** Share of the world's traffic (sums to 1). */
  weight: number;
}

/** Share of Cloudflare's locations per continent, and a few centres to scatter them around. */
const CONTINENTS: { code: string; share: number; centres: Place[] }[] = [
  {
    code: "NA",
    share: 0.22,
    centres: [
      { lat: 40.7, lon: -74 },
      { lat: 37.4, lon: -122 },
      { lat: 41.9, lon: -87.6 },
      { lat: 32.8, lon: -96.8 },
      { lat: 19.4, lon: -99.1 },
    ],
  },
  {
    code: "EU",
    share: 0.3,
    centres: [
      { lat: 50.1, lon: 8.7 },
      { lat: 51.5, lon: -0.1 },
      { lat: 48.9, lon: 2.4 },
      { lat: 52.2, lon: 21 },
      { lat: 40.4, lon: -3.7 },
      { lat: 59.3, lon: 18.1 },
    ],
  },
  {
    code: "AS",
    share: 0.27,
    centres: [
      { lat: 35.7, lon: 139.7 },
      { lat: 1.35, lon: 103.8 },
      { lat: 19.1, lon: 72.9 },
      { lat: 22.3, lon: 114.2 },
      { lat: 25.2, lon: 55.3 },
      { lat: 37.6, lon: 127 },
    ],
  },
  {
    code: "SA",
    share: 0.09,
    centres: [
      { lat: -23.5, lon: -46.6 },
      { lat: -34.6, lon: -58.4 },
      { lat: 4.7, lon: -74.1 },
      { lat: -12, lon: -77 },
    ],
  },
  {
    code: "OC",
    share: 0.05,
    centres: [
      { lat: -33.9, lon: 151.2 },
      { lat: -37.8, lon: 145 },
      { lat: -36.8, lon: 174.8 },
    ],
  },
  {
    code: "AF",
    share: 0.07,
    centres: [
      { lat: -26.2, lon: 28 },
      { lat: 6.5, lon: 3.4 },
      { lat: 30, lon: 31.2 },
      { lat: -1.3, lon: 36.8 },
    ],
  },
];

/** Where Cloudflare places an object with each location hint (roughly). */
export const HINT_PLACES: Record<RelayHint, Place> = {
  wnam: { lat: 37.4, lon: -122 },
  enam: { lat: 39, lon: -77.5 },
  sam: { lat: -23.5, lon: -46.6 },
  weur: { lat: 50.1, lon: 8.7 },
  eeur: { lat: 52.2, lon: 21 },
  apac: { lat: 1.35, lon: 103.8 },
  oc: { lat: -33.9, lon: 151.2 },
  afr: { lat: -26.2, lon: 28 },
  me: { lat: 25.2, lon: 55.3 },
};

export function oneWayMs(a: Place, b: Place): number {
  return 2 + distanceKm(a, b) / 100;
}

export function makeLocations(count: number, random: () => number): Location[] {
  const out: Location[] = [];
  for (const c of CONTINENTS) {
    const n = Math.max(1, Math.round(count * c.share));
    for (let i = 0; i < n && out.length < count; i++) {
      const centre = c.centres[Math.floor(random() * c.centres.length)] as Place;
      out.push({
        name: `${c.code}${String(i).padStart(3, "0")}`,
        continent: c.code,
        lat: Math.max(-89, Math.min(89, centre.lat + (random() - 0.5) * 16)),
        lon: ((centre.lon + (random() - 0.5) * 24 + 540) % 360) - 180,
        // Traffic is uneven: a few big metros, many small places (log-normal weights).
        weight: Math.exp(1.2 * gaussian(random)),
      });
    }
  }
  while (out.length < count)
    out.push({ ...(out[out.length % CONTINENTS.length] as Location), name: `X${out.length}` });
  const total = out.reduce((sum, l) => sum + l.weight, 0);
  for (const l of out) l.weight /= total;
  return out;
}

function gaussian(random: () => number): number {
  const u = Math.max(1e-9, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
