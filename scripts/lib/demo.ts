// The demo's ports, read from the demo config ([env.demo] in wrangler.toml names its origins and
// fake providers by URL, 127.0.0.1:9101 …) and shifted together: AYA_PORT=8797 moves the gateway
// from 8787 to 8797 and every demo port by the same 10, so two demos, or a demo beside anything
// else on those ports, can run at once. The shifted GATEWAY is what wrangler is handed.
import type { ProviderKind } from "./providers.ts";

export const DEFAULT_GATEWAY_PORT = 8787;
const ORIGIN_CONTROL_PORT = 9100;
const PROVIDER_CONTROL_PORT = 9400;

export interface DemoOrigin {
  /** Named after the first backend that uses it (eu-1, us-1 …); pools that share a port share it. */
  id: string;
  region: string;
  port: number;
}

export interface DemoProvider {
  /** `fake-<provider name>`, as the control API and the README name it. */
  id: string;
  kind: ProviderKind;
  port: number;
}

export interface DemoLayout {
  shift: number;
  gatewayPort: number;
  originControlPort: number;
  providerControlPort: number;
  origins: DemoOrigin[];
  providers: DemoProvider[];
  /** The demo GATEWAY with every local URL's port shifted. */
  gateway: unknown;
  /** Every port the demo listens on, with what listens there, gateway first. */
  ports: { port: number; what: string }[];
  /** A text (a curl line, a comment) with the demo's default ports replaced by the shifted ones. */
  shiftText(text: string): string;
}

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const entries = (value: unknown): [string, Raw][] =>
  isRecord(value) ? Object.entries(value).filter((e): e is [string, Raw] => isRecord(e[1])) : [];
const records = (value: unknown): Raw[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/** The port of a URL on this machine (127.0.0.1 or localhost), if it is one. */
function localPort(url: unknown): number | undefined {
  if (typeof url !== "string" || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  if (parsed.hostname !== "127.0.0.1" && parsed.hostname !== "localhost") return undefined;
  return Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  // URL adds a slash to a bare origin; the config's own spelling has none.
  return url.endsWith("/") ? parsed.href : parsed.href.replace(/\/$/, "");
}

export function demoLayout(demoGateway: unknown, gatewayPort: number): DemoLayout {
  const shift = gatewayPort - DEFAULT_GATEWAY_PORT;
  const gateway = structuredClone(demoGateway);
  const byPort = new Map<number, DemoOrigin>();
  for (const [pool, p] of entries(isRecord(gateway) ? gateway.pools : undefined)) {
    for (const backend of records(p.backends)) {
      const port = localPort(backend.url);
      if (port === undefined || typeof backend.url !== "string") continue;
      if (!byPort.has(port)) byPort.set(port, { id: String(backend.id), region: pool, port: port + shift });
      backend.url = withPort(backend.url, port + shift);
    }
  }
  const providers: DemoProvider[] = [];
  const defaults = new Set<number>([
    DEFAULT_GATEWAY_PORT,
    ORIGIN_CONTROL_PORT,
    PROVIDER_CONTROL_PORT,
    ...byPort.keys(),
  ]);
  for (const [name, provider] of entries(isRecord(gateway) ? gateway.providers : undefined)) {
    const port = localPort(provider.baseUrl);
    const kind = provider.type;
    if (port === undefined || typeof provider.baseUrl !== "string") continue;
    if (kind !== "openai" && kind !== "anthropic" && kind !== "gemini") continue;
    providers.push({ id: `fake-${name}`, kind, port: port + shift });
    provider.baseUrl = withPort(provider.baseUrl, port + shift);
    defaults.add(port);
  }
  const origins = [...byPort.values()];
  const layout: DemoLayout = {
    shift,
    gatewayPort,
    originControlPort: ORIGIN_CONTROL_PORT + shift,
    providerControlPort: PROVIDER_CONTROL_PORT + shift,
    origins,
    providers,
    gateway,
    ports: [
      { port: gatewayPort, what: "the gateway" },
      { port: ORIGIN_CONTROL_PORT + shift, what: "the origins' control API" },
      ...origins.map((o) => ({ port: o.port, what: `demo origin ${o.id}` })),
      { port: PROVIDER_CONTROL_PORT + shift, what: "the fake providers' control API" },
      ...providers.map((p) => ({ port: p.port, what: `fake provider ${p.id}` })),
    ],
    // Any `:PORT` of the demo's (localhost:8787, 127.0.0.1:9101, "the control API on :9100").
    shiftText: (text) =>
      text.replace(/(?<=:)\d{4,5}\b/g, (port) =>
        defaults.has(Number(port)) ? String(Number(port) + shift) : port,
      ),
  };
  return layout;
}
