// The strategy registry: one fresh instance per pool per isolate (round robin keeps a cursor).
import type { StrategyName } from "../config/normalize";
import { createConsistentHash } from "./consistent-hash";
import { createIpHash } from "./ip-hash";
import { createLeastConnections } from "./least-connections";
import { createLeastResponseTime } from "./least-response-time";
import { createRandom } from "./random";
import { createRoundRobin } from "./round-robin";
import type { Strategy } from "./types";
import { createWeightedLeastConnections } from "./weighted-least-connections";
import { createWeightedRoundRobin } from "./weighted-round-robin";

export const strategies: Record<StrategyName, () => Strategy> = {
  "round-robin": createRoundRobin,
  "weighted-round-robin": createWeightedRoundRobin,
  "least-connections": createLeastConnections,
  "weighted-least-connections": createWeightedLeastConnections,
  "ip-hash": createIpHash,
  "consistent-hash": createConsistentHash,
  "least-response-time": createLeastResponseTime,
  random: createRandom,
};

export function createStrategy(name: StrategyName): Strategy {
  return strategies[name]();
}
