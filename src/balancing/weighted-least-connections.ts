// Weighted least connections. Weights count in every strategy that can use them (CONTRACT §2),
// so `least-connections` already divides the load by weight; this name is kept because users of
// nginx, HAProxy and LVS look for it, and it behaves identically.
export { createLeastConnections as createWeightedLeastConnections } from "./least-connections";
