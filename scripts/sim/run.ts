// `npm run sim`: the edge-scale simulation (DESIGN rule 10). L locations × I isolates × B
// backends on a simulated clock, running the real replication code (src/replication, the backend
// records and the leased quota of src/limits) against simulated Durable Objects with latencies by
// distance and one thread each. It prints, and with --json emits, the calls a second each object
// receives, Cache API operations per location, how long a circuit opening, a key revocation and a
// runtime change (the overlay record every request reads) take to reach every location, and what a
// leased request limit admits against its bound.
//
//   npm run sim                       300 locations × 5 isolates × 20 backends, 10,000 requests/s
//   npm run sim -- --locations 50 --seconds 30 --topology per-location --json
//
// --topology relays (default, what aya runs), per-location (each location talks to owners
// directly: the Cache API tier alone), per-isolate (every isolate talks to owners: aya before
// the relay tier) shows why the relay tier exists.
import { parseArgs } from "node:util";
import { type Backend, parseGateway } from "../../src/config/normalize";
import { KEY_KIND, KEY_WATERMARK, KeyBook, MemoryKeyStorage } from "../../src/consumers/key-book";
import { keyHint, newKey, newKeyId, sha256Hex } from "../../src/consumers/key-format";
import { resolveKey, StaticKeys } from "../../src/consumers/keys";
import { type LeaseGrant, newQuota, type QuotaPolicy, renewLease } from "../../src/limits/lease";
import { LeaseHolder } from "../../src/limits/lease-holder";
import { EdgeMetrics, METRICS_KEY } from "../../src/observability/metrics/edge-metrics";
import { metricsFold } from "../../src/observability/metrics/fold";
import { MetricsOwner } from "../../src/observability/metrics/owner";
import { RequestRecord } from "../../src/observability/request-record";
import { OverlayOwner } from "../../src/overlay/owner";
import { OverlaySync } from "../../src/overlay/sync";
import { type ChangeRequest, type Overlay, overlayKey } from "../../src/overlay/types";
import { MemoryLocation } from "../../src/replication/location";
import { OwnerHub } from "../../src/replication/owner-hub";
import {
  kindOf,
  type OwnerRequest,
  type RecordKey,
  type RelayLink,
  recordKey,
  type Versioned,
} from "../../src/replication/record";
import { RelayCore } from "../../src/replication/relay-core";
import { relayFor } from "../../src/replication/relay-name";
import type { ReplicaLinks } from "../../src/replication/replica";
import { backendFold } from "../../src/state/backend-fold";
import { BackendOwner, type StoredBackend } from "../../src/state/backend-owner";
import { IsolateState } from "../../src/state/isolate";
import { Replication } from "../../src/state/sync";
import { SimClock } from "./clock";
import { load, SimObject } from "./objects";
import { HINT_PLACES, type Location, makeLocations, type Place } from "./world";

const { values: args } = parseArgs({
  options: {
    locations: { type: "string", default: "300" },
    isolates: { type: "string", default: "5" },
    backends: { type: "string", default: "20" },
    rps: { type: "string", default: "10000" },
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "15" },
    "isolate-life": { type: "string", default: "300" },
    topology: { type: "string", default: "relays" },
    seed: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
  },
});

const L = Number(args.locations);
const I = Number(args.isolates);
const B = Math.max(8, Number(args.backends));
const RPS = Number(args.rps);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const LIFE_MS = Number(args["isolate-life"]) * 1000;
const TOPOLOGY = args.topology as "relays" | "per-location" | "per-isolate";
const clock = new SimClock(Number(args.seed));
const random = clock.random;

/** A consumer that calls from everywhere; its requests need its key record and take from its limit. */
const CONSUMER_SHARE = 0.02;
const staticKeys = new StaticKeys();
const policy: QuotaPolicy = { limit: 6000, windowMs: 60_000, leaseTtlMs: 10_000, maxShare: 0.1 };

// ---- the config: four regional pools and one pool every location uses (an AI provider's shape)
const regions = ["NA", "EU", "AS", "ROW"] as const;
const perPool = Math.floor(B / (regions.length + 1));
const poolsConfig: Record<string, unknown> = {};
for (const name of [...regions, "GLOBAL"]) {
  poolsConfig[name] = {
    backends: Array.from({ length: name === "GLOBAL" ? B - perPool * regions.length : perPool }, (_, i) => ({
      id: `${name}-${i}`,
      url: `https://${name.toLowerCase()}-${i}.example`,
    })),
    healthCheck: { enabled: false },
  };
}
const deployedRaw = { pools: poolsConfig, routes: [{ path: "/*", pool: "GLOBAL" }] };
const parsed = parseGateway(deployedRaw);
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const pools = new Map([...parsed.config.pools].map(([name, pool]) => [name, pool.backends]));
const regionOf = (continent: string) =>
  continent === "NA" || continent === "EU" || continent === "AS" ? continent : "ROW";
const fallbackOf: Record<string, string> = { NA: "EU", EU: "NA", AS: "EU", ROW: "NA" };

// ---- owners
const owners = new Map<string, { obj: SimObject; replicate: (r: OwnerRequest) => Versioned[] }>();
const relays = new Map<string, { obj: SimObject; core: RelayCore }>();
const push = (ownerPlace: Place) => (relay: string, records: Versioned[]) => {
  const r = relays.get(relay);
  return r ? r.obj.call(ownerPlace, () => r.core.push(records)) : Promise.resolve();
};
const placeOfPool: Record<string, Place> = {
  NA: HINT_PLACES.enam,
  EU: HINT_PLACES.weur,
  AS: HINT_PLACES.apac,
  ROW: HINT_PLACES.sam,
  GLOBAL: HINT_PLACES.wnam,
};
const backendOwners = new Map<string, BackendOwner>();
for (const [pool, list] of pools) {
  for (const backend of list) {
    const obj = new SimObject("backend owner", backend.id, placeOfPool[pool] as Place, clock);
    let stored: StoredBackend | undefined;
    const owner = new BackendOwner(
      {
        load: () => stored,
        save: (s) => {
          stored = s;
        },
      },
      new OwnerHub(push(obj.place)),
      () => undefined,
      backend.id,
    );
    backendOwners.set(backend.id, owner);
    owners.set(recordKey("backend", backend.id), { obj, replicate: (r) => owner.replicate(r, clock.now()) });
  }
}
// The keys' owner: the real KeyBook (key records by hash, answered by version with a watermark).
const keyObj = new SimObject("key owner", "keys", HINT_PLACES.enam, clock);
const keyBook = new KeyBook(new MemoryKeyStorage(), new OwnerHub(push(keyObj.place)), () => undefined);
/** The consumer's key: its requests present it; a revocation event revokes it, and a new one follows. */
let keyValue = "";
let keyId = "";
async function newConsumerKey(): Promise<void> {
  keyValue = newKey();
  keyId = newKeyId();
  keyBook.create(await sha256Hex(keyValue), keyId, keyHint(keyValue), { consumer: "acme" }, clock.now());
}
await newConsumerKey();
// The runtime overlay's owner (ConfigOverlay): one record every request reads; operators change it.
const OVERLAY_KEY = overlayKey();
const overlayObj = new SimObject("overlay owner", "config", HINT_PLACES.enam, clock);
let storedOverlay: Overlay | undefined;
const overlayOwner = new OverlayOwner(
  {
    load: () => storedOverlay,
    save: (o) => {
      storedOverlay = o;
    },
    appendAudit: () => undefined,
    audit: () => [],
  },
  new OwnerHub(push(overlayObj.place)),
  () => undefined,
  "config",
);
owners.set(OVERLAY_KEY, { obj: overlayObj, replicate: (r) => overlayOwner.replicate(r, clock.now()) });
// The edge's metrics: one object every isolate writes to (through its relay) with every flush.
const metricsObj = new SimObject("metrics owner", "metrics", HINT_PLACES.enam, clock);
const metricsOwner = new MetricsOwner();
owners.set(METRICS_KEY, { obj: metricsObj, replicate: (r) => metricsOwner.replicate(r, clock.now()) });
// The consumer's limit: its own object, called by isolates directly (leases are not replicated).
const limitObj = new SimObject("limit owner", "acme-limit", HINT_PLACES.enam, clock);
const quota = newQuota();

// ---- relays (per topology)
function relayAt(name: string, place: Place): RelayLink & { place: Place } {
  let r = relays.get(name);
  if (!r) {
    const obj = new SimObject("relay", name, place, clock);
    // One alarm per object, as on the platform: a later wake-up never replaces an earlier one.
    let alarmAt = Number.POSITIVE_INFINITY;
    const core: RelayCore = new RelayCore({
      name,
      clock,
      ownerOf: (key: RecordKey) => {
        if (kindOf(key) === KEY_KIND)
          return {
            id: "keys",
            watermark: KEY_WATERMARK,
            stub: { replicate: async (req) => keyObj.call(place, () => keyBook.replicate(req, clock.now())) },
          };
        const owner = owners.get(key);
        return (
          owner && {
            id: key,
            stub: { replicate: async (req) => owner.obj.call(place, () => owner.replicate(req)) },
          }
        );
      },
      folds: { backend: backendFold as never, metrics: metricsFold as never },
      wake: (at) => {
        if (alarmAt <= at) return;
        alarmAt = at;
        clock.setTimer(at - clock.now(), () => {
          alarmAt = Number.POSITIVE_INFINITY;
          obj.wake(() => core.tick());
        });
      },
    });
    r = { obj, core };
    relays.set(name, r);
  }
  const { obj, core } = r;
  return { place, exchange: (req) => obj.call(place, () => core.exchange(req)) };
}

// ---- locations and isolates
interface SimIsolate {
  id: string;
  state: IsolateState;
  replication: Replication;
  metrics: EdgeMetrics;
  overlay: OverlaySync;
  lease: LeaseHolder;
  links: ReplicaLinks;
}
interface SimLocation extends Location {
  store: MemoryLocation;
  isolates: SimIsolate[];
  relay: RelayLink & { place: Place };
  relayName: string;
}
const locations: SimLocation[] = makeLocations(L, random).map((loc) => ({
  ...loc,
  store: new MemoryLocation(),
  isolates: [],
  relay: undefined as never,
  relayName: "",
}));
let isolateSeq = 0;
let coldIsolates = 0;
function newIsolate(loc: SimLocation): SimIsolate {
  const id = `${loc.name}/${isolateSeq++}`;
  const state = new IsolateState();
  const replication = new Replication(clock, state, () => id);
  const metrics = new EdgeMetrics();
  replication.outbox.register(metrics);
  let relay: RelayLink = loc.relay;
  let store = loc.store;
  if (TOPOLOGY === "per-isolate") {
    // Before relays and location copies: each isolate asks the owners itself.
    relay = relayAt(id, loc);
    store = new MemoryLocation();
  }
  const links: ReplicaLinks = { location: store, relay, waitUntil: () => undefined };
  const lease = new LeaseHolder(clock, id, (request) =>
    limitObj.call<LeaseGrant>(loc, () => renewLease(quota, policy, request, clock.now())),
  );
  const overlay = new OverlaySync(clock, replication.replica);
  const isolate = { id, state, replication, metrics, overlay, lease, links };
  coldIsolates += 1;
  // Isolates come and go: each lives an exponential time, and a cold one takes its place.
  clock.setTimer(-Math.log(Math.max(1e-9, random())) * LIFE_MS, () => {
    const i = loc.isolates.indexOf(isolate);
    if (i >= 0) loc.isolates[i] = newIsolate(loc);
  });
  return isolate;
}
for (const loc of locations) {
  const place = relayFor({ continent: loc.continent, colo: loc.name });
  if (TOPOLOGY === "relays") {
    loc.relayName = place.name;
    loc.relay = relayAt(place.name, HINT_PLACES[place.hint]);
  } else {
    loc.relayName = loc.name;
    loc.relay = relayAt(loc.name, loc);
  }
  for (let i = 0; i < I; i++) loc.isolates.push(newIsolate(loc));
}

// ---- traffic
interface Event {
  kind: "circuit" | "revocation" | "overlay";
  key: string;
  at: number;
  until: number;
  /** The overlay version the change made (overlay events). */
  version?: number;
  /** Per location: the last request that still read the old value, ms after the event. */
  stale: Map<string, number>;
  served: Set<string>;
}
const events: Event[] = [];
const accepted = new Map<number, number>();
let consumerRequests = 0;
let consumerWaits = 0;
let refused = 0;
let requests = 0;

const SIM_TRACE = { traceId: "1".repeat(32), spanId: "1".repeat(16), traceparent: "" };

async function request(loc: SimLocation): Promise<void> {
  requests += 1;
  const isolate = loc.isolates[Math.floor(random() * loc.isolates.length)] as SimIsolate;
  const now = clock.now();
  const global = random() < 0.3;
  const region = regionOf(loc.continent);
  const backends: Backend[] = global
    ? (pools.get("GLOBAL") as Backend[])
    : [...(pools.get(region) as Backend[]), ...(pools.get(fallbackOf[region] as string) as Backend[])];
  // Every request reads the overlay first (the effective config), as the Worker's does.
  await isolate.overlay.prepare(isolate.links);
  await isolate.replication.prepare(backends, isolate.links);
  const consumer = random() < CONSUMER_SHARE;
  // The consumer's key, checked by the real isolate code (a record confirmed within KEY_CONFIRM_MS).
  const presented = keyValue;
  const verdict = consumer
    ? await resolveKey(presented, clock.now(), staticKeys, [], {}, isolate.replication.replica, isolate.links)
    : undefined;
  const at = clock.now();
  for (const event of events) {
    if (at < event.at || at > event.until) continue;
    if (event.kind === "overlay") {
      event.served.add(loc.name);
      if ((isolate.overlay.overlay()?.version ?? 0) < (event.version ?? 0))
        event.stale.set(loc.name, at - event.at);
    } else if (event.kind === "circuit") {
      const backend = backends.find((b) => b.id === event.key);
      if (!backend) continue;
      event.served.add(loc.name);
      if (isolate.state.view(backend, at).circuit !== "open") event.stale.set(loc.name, at - event.at);
    } else if (consumer && presented === event.key) {
      event.served.add(loc.name);
      // The revoked key still let in: a stale verdict.
      if (verdict?.ok) event.stale.set(loc.name, at - event.at);
    }
  }
  if (consumer) {
    consumerRequests += 1;
    const taken = await isolate.lease.take(1, () => undefined);
    if (taken.waited) consumerWaits += 1;
    if (taken.ok) {
      const window = Math.floor(clock.now() / policy.windowMs);
      accepted.set(window, (accepted.get(window) ?? 0) + 1);
    } else refused += 1;
  }
  // The request's outcome: a healthy answer from the first backend its view allows.
  const backend = backends.find((b) => isolate.state.view(b, at).circuit !== "open") ?? backends[0];
  if (backend) {
    const latencyMs = 40 + random() * 20;
    const lease = isolate.state.begin(backend, at);
    isolate.state.end(backend, lease, { ok: true, latencyMs, status: 200 }, at);
    // The observe stage counts the request: it leaves with the isolate's next batched write.
    const record = new RequestRecord(at, "r", SIM_TRACE, "GET", "gw.example", "/x", "");
    record.matched({ path: "/*" });
    record.status = 200;
    record.proxied({ pool: backend.owner, backend: backend.id, attempts: 1, upstreamMs: latencyMs });
    isolate.metrics.count(record, latencyMs + 1);
  }
  isolate.replication.settle(isolate.links);
  void now;
}

function arrivals(loc: SimLocation): void {
  const rate = RPS * loc.weight; // per second
  const next = () => {
    clock.setTimer((-Math.log(Math.max(1e-9, random())) / rate) * 1000, () => {
      void request(loc);
      next();
    });
  };
  if (rate > 0) next();
}
for (const loc of locations) arrivals(loc);

// ---- events: a circuit opening (one isolate somewhere sees five failures in a row) and a revocation
async function circuitEvent(backend: Backend, window: number): Promise<void> {
  // An isolate of a location whose requests use the backend sees five failures in a row.
  const uses = (loc: SimLocation) => {
    const region = regionOf(loc.continent);
    return backend.owner === "GLOBAL" || backend.owner === region || backend.owner === fallbackOf[region];
  };
  const candidates = locations.filter(uses);
  const loc = candidates[Math.floor(random() * candidates.length)] as SimLocation;
  const isolate = loc.isolates[0] as SimIsolate;
  const at = clock.now();
  for (let i = 0; i < backend.circuitBreaker.consecutiveFailures; i++) {
    const lease = isolate.state.begin(backend, at);
    isolate.state.end(backend, lease, { ok: false, latencyMs: 5, error: "status 503" }, at);
  }
  events.push({
    kind: "circuit",
    key: backend.id,
    at,
    until: at + window,
    stale: new Map(),
    served: new Set(),
  });
  isolate.replication.settle(isolate.links);
}

function revocationEvent(window: number): void {
  const at = clock.now();
  // Clients (an attacker among them) keep presenting the revoked key for the whole window.
  events.push({
    kind: "revocation",
    key: keyValue,
    at,
    until: at + window,
    stale: new Map(),
    served: new Set(),
  });
  keyBook.revoke(keyId, at);
  clock.setTimer(window, () => void newConsumerKey());
}

/**
 * An operator drains a backend, or enables it again, from some location: the change goes to the
 * overlay's object, which pushes it to the relays; that isolate and its location adopt it at once.
 */
function overlayEvent(backend: Backend, drain: boolean, window: number): void {
  const loc = locations[Math.floor(random() * locations.length)] as SimLocation;
  const isolate = loc.isolates[0] as SimIsolate;
  const request: ChangeRequest = {
    op: drain ? "drain" : "enable",
    pool: backend.owner,
    id: backend.id,
    endpoint: "sim",
  };
  void overlayObj
    .call(loc, () => {
      const outcome = overlayOwner.change(request, deployedRaw, clock.now());
      if (outcome.ok && outcome.changed) {
        const at = clock.now();
        events.push({
          kind: "overlay",
          key: OVERLAY_KEY,
          version: outcome.record.version,
          at,
          until: at + window,
          stale: new Map(),
          served: new Set(),
        });
      }
      return outcome;
    })
    .then((outcome) => {
      if (outcome.ok) isolate.overlay.adopt(outcome.record, isolate.links);
    });
}

/** Each event is watched this long; the next starts a little later, at a random moment. */
const EVENT_WINDOW_MS = 3_000;
const started = Date.now();
await clock.run(WARMUP * 1000);
// Runtime changes on a schedule of their own (every 4 s, between the other events' starts), so the
// circuit and revocation figures stay comparable with runs before the overlay existed.
const drained = [...pools.values()].flat()[1] as Backend;
for (let t = WARMUP * 1000 + 1500, n = 0; t + EVENT_WINDOW_MS * 2 <= SECONDS * 1000; t += 4000, n++)
  clock.setTimer(t - clock.now(), () => overlayEvent(drained, n % 2 === 0, EVENT_WINDOW_MS));
// Circuit events take each backend in turn (a circuit stays open for openSeconds, so each once).
const allBackends = [...pools.values()].flat();
let next = 0;
for (let t = WARMUP * 1000; t + EVENT_WINDOW_MS * 2 <= SECONDS * 1000; ) {
  const kind = next % 3 === 2 ? "revocation" : "circuit";
  if (kind === "circuit")
    await circuitEvent(allBackends[next % allBackends.length] as Backend, EVENT_WINDOW_MS);
  else revocationEvent(EVENT_WINDOW_MS);
  next += 1;
  t += EVENT_WINDOW_MS + 200 + Math.floor(random() * 800);
  await clock.run(t);
}
await clock.run(SECONDS * 1000);

// ---- results
const steady = [WARMUP, SECONDS] as const;
const byKind = (kind: string) => [...owners.values()].map((o) => o.obj).filter((o) => o.kind === kind);
const relayObjects = [...relays.values()].map((r) => r.obj);
const objectLoad = {
  relay: load(relayObjects, ...steady),
  backendOwner: load(byKind("backend owner"), ...steady),
  keyOwner: load([keyObj], ...steady),
  overlayOwner: load([overlayObj], ...steady),
  limitOwner: load([limitObj], ...steady),
  metricsOwner: load([metricsObj], ...steady),
};
const spanS = SECONDS - WARMUP;
const cacheOps = locations.map((l) => (l.store.reads + l.store.writes) / SECONDS);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number) : 0;
};
const propagation = (kind: Event["kind"]) => {
  const times: number[] = [];
  let served = 0;
  for (const e of events.filter((x) => x.kind === kind)) {
    for (const loc of e.served) {
      served += 1;
      times.push(e.stale.get(loc) ?? 0);
    }
  }
  return {
    events: events.filter((x) => x.kind === kind).length,
    samples: served,
    p50Ms: Math.round(percentile(times, 0.5)),
    p99Ms: Math.round(percentile(times, 0.99)),
    maxMs: Math.round(Math.max(0, ...times)),
  };
};
const windows = [...accepted.entries()];
const result = {
  model: {
    locations: L,
    isolatesPerLocation: I,
    backends: B,
    requestsPerSecond: RPS,
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    isolateLifeSeconds: LIFE_MS / 1000,
    topology: TOPOLOGY,
    relays: relays.size,
    seed: Number(args.seed),
  },
  requests,
  coldIsolates,
  objectCallsPerSecond: objectLoad,
  cacheApiOpsPerLocationPerSecond: {
    mean: Math.round((cacheOps.reduce((a, b) => a + b, 0) / cacheOps.length) * 10) / 10,
    max: Math.round(Math.max(...cacheOps) * 10) / 10,
  },
  propagation: {
    circuitOpen: propagation("circuit"),
    revocation: propagation("revocation"),
    overlayChange: propagation("overlay"),
  },
  leasedLimit: {
    limit: policy.limit,
    windowSeconds: policy.windowMs / 1000,
    offeredPerWindow: Math.round((consumerRequests / Math.max(1, SECONDS)) * (policy.windowMs / 1000)),
    acceptedMaxPerWindow: Math.max(0, ...windows.map(([, n]) => n)),
    overshoot: Math.max(0, ...windows.map(([, n]) => n - policy.limit)),
    waitedShare: Math.round((consumerWaits / Math.max(1, consumerRequests)) * 10_000) / 10_000,
    refused,
  },
  simulatedEvents: clock.events,
  wallSeconds: Math.round((Date.now() - started) / 100) / 10,
};
void spanS;

if (args.json) console.log(JSON.stringify(result));
else printTable(result);

function printTable(r: typeof result): void {
  const o = r.objectCallsPerSecond;
  const row = (name: string, l: ReturnType<typeof load>) =>
    `| ${name} (${l.objects}) | ${l.worstMean.toFixed(1)} | ${l.p99} | ${l.peak} |`;
  const p = r.propagation;
  const lines = [
    `aya edge simulation: ${r.model.locations} locations × ${r.model.isolatesPerLocation} isolates × ${r.model.backends} backends, ${r.model.requestsPerSecond} requests/s, topology ${r.model.topology}, ${r.model.seconds} s (first ${r.model.warmupSeconds} s warm-up), isolates live ~${r.model.isolateLifeSeconds} s, seed ${r.model.seed}`,
    "",
    "| objects | calls/s, busiest (mean) | p99 of per-second counts | max in one second |",
    "|---|---|---|---|",
    row("relays", o.relay),
    row("backend owners", o.backendOwner),
    row("key owner", o.keyOwner),
    row("overlay owner", o.overlayOwner),
    row("limit owner", o.limitOwner),
    row("metrics owner", o.metricsOwner),
    "",
    `Cache API operations per location: ${r.cacheApiOpsPerLocationPerSecond.mean}/s on average, ${r.cacheApiOpsPerLocationPerSecond.max}/s at the busiest`,
    "",
    "| change, until no request in a location reads the old value | events | location samples | p50 | p99 | max |",
    "|---|---|---|---|---|---|",
    `| a circuit opening | ${p.circuitOpen.events} | ${p.circuitOpen.samples} | ${p.circuitOpen.p50Ms} ms | ${p.circuitOpen.p99Ms} ms | ${p.circuitOpen.maxMs} ms |`,
    `| a key revocation | ${p.revocation.events} | ${p.revocation.samples} | ${p.revocation.p50Ms} ms | ${p.revocation.p99Ms} ms | ${p.revocation.maxMs} ms |`,
    `| a runtime change (drain, enable) | ${p.overlayChange.events} | ${p.overlayChange.samples} | ${p.overlayChange.p50Ms} ms | ${p.overlayChange.p99Ms} ms | ${p.overlayChange.maxMs} ms |`,
    "",
    `Leased limit ${r.leasedLimit.limit} per ${r.leasedLimit.windowSeconds} s, offered ${r.leasedLimit.offeredPerWindow} per window from every location: at most ${r.leasedLimit.acceptedMaxPerWindow} accepted in a window (overshoot ${r.leasedLimit.overshoot}); ${(r.leasedLimit.waitedShare * 100).toFixed(2)} % of its requests waited for the object`,
    "",
    `${r.requests} requests, ${r.coldIsolates} isolates started cold, ${r.simulatedEvents} events, ${r.wallSeconds} s of wall time`,
  ];
  console.log(lines.join("\n"));
}
