// What each GATEWAY field means, with an example, keyed by its path as schema-fields.ts lists it
// (`pools.<pool>.strategy`, `routes[].geo.default`). Types, defaults and limits are not here:
// they come from the schema. `npm run docs:config` turns this into docs/CONFIG.md and the
// descriptions of docs/gateway.schema.json, and fails, naming the field, when a field of the
// schema has no entry here (or an entry has no field): a new field is documented or CI says so.

export interface FieldDoc {
  /** What the field does, for someone configuring the gateway (Markdown). */
  meaning: string;
  /** A line as it would stand in wrangler.toml, in the field's own table. */
  example?: string;
}

/**
 * Fields whose value has the same shape as another's: their sub-fields are documented once, at
 * the other path (the field itself still has its own entry, with what differs).
 */
export const SAME_AS: Record<string, string> = {
  "providers.<provider>.healthCheck": "pools.<pool>.healthCheck",
  "providers.<provider>.circuitBreaker": "pools.<pool>.circuitBreaker",
  "providers.<provider>.location": "pools.<pool>.location",
  "routes[].respond": "pools.<pool>.degraded",
  "routes[].headers.response": "routes[].headers.request",
};

export const FIELDS: Record<string, FieldDoc> = {
  // ---- top level
  debugHeaders: {
    meaning:
      "Adds the `x-aya-*` debug headers to every answer of a matched route, errors included: `x-aya-route`, `x-aya-pool`, `x-aya-backend`, `x-aya-attempts`, `x-aya-cache`, and on AI routes `x-aya-provider`, `x-aya-model`. They name your backends: keep it off in production (`check-config` warns, and the Worker logs a warning).",
    example: "debugHeaders = true",
  },
  dev: {
    meaning: "Switches for local testing only.",
    example: "dev = { trustGeoHeaders = true }",
  },
  "dev.trustGeoHeaders": {
    meaning:
      "Takes the client's location from the `x-aya-geo-country`, `-continent`, `-colo`, `-lat` and `-lon` request headers instead of Cloudflare's `cf` object, so geography can be tried with curl. Any of them replaces the whole location; a country without a continent implies its continent. Any client can set these headers: never in production.",
    example: "dev = { trustGeoHeaders = true }",
  },
  limits: {
    meaning: "Size limits on requests.",
    example: "limits = { maxBodyBytes = 10485760 }",
  },
  "limits.maxBodyBytes": {
    meaning:
      "A request body larger than this answers `413 payload_too_large` before any backend is called (by `Content-Length`, or as soon as a chunked body grows past it). 104857600 is 100 MiB.",
    example: "limits = { maxBodyBytes = 10485760 }",
  },
  "limits.retryBodyBytes": {
    meaning:
      "Request bodies up to this size are kept in memory so that a retry can send them again; larger ones are streamed once and not retried. 1048576 is 1 MiB.",
    example: "limits = { retryBodyBytes = 262144 }",
  },
  "limits.maxAiBodyBytes": {
    meaning:
      "An AI request body (chat completions, embeddings) larger than this answers `413 payload_too_large` in OpenAI's shape, checked as the body is read, before any provider is called: AI bodies are parsed whole, so this bounds the memory one request can take. 8388608 is 8 MiB.",
    example: "limits = { maxAiBodyBytes = 1048576 }",
  },
  "limits.maxHeaderBytes": {
    meaning:
      "Request headers larger than this in total (each counted as `name: value` and a line end) answer `431 headers_too_large` before any backend or provider is called. 65536 is 64 KiB.",
    example: "limits = { maxHeaderBytes = 32768 }",
  },

  // ---- pools
  pools: {
    meaning: "The pools of origins, by name (`[vars.GATEWAY.pools.eu]`). Routes send requests to pools.",
    example: '[vars.GATEWAY.pools.eu]\nbackends = [{ id = "eu-1", url = "https://eu1.example.com" }]',
  },
  "pools.<pool>.backends": {
    meaning: "The pool's origins, at least one. A backend's `id` is unique across the whole config.",
    example:
      'backends = [{ id = "eu-1", url = "https://eu1.example.com", weight = 2 }, { id = "eu-2", url = "https://eu2.example.com" }]',
  },
  "pools.<pool>.backends[].id": {
    meaning:
      "The backend's name in status, metrics, logs and `x-aya-backend`; 1 to 64 of `A-Z a-z 0-9 . _ : -`, unique across pools and providers.",
    example: 'id = "eu-1"',
  },
  "pools.<pool>.backends[].url": {
    meaning:
      "The origin's `http://` or `https://` URL; a path in it is a prefix for every request. No credentials in it (use route `headers`).",
    example: 'url = "https://eu1.example.com"',
  },
  "pools.<pool>.backends[].weight": {
    meaning: "Relative share of traffic, in every strategy that can use weights.",
    example: "weight = 2",
  },
  "pools.<pool>.backends[].maxConnections": {
    meaning:
      "Requests in flight to this backend, summed over every location, above which it is not usable until some finish.",
    example: "maxConnections = 500",
  },
  "pools.<pool>.strategy": {
    meaning:
      "How a backend is picked among the usable ones: `round-robin`, `weighted-round-robin` (smooth, as nginx), `least-connections` / `weighted-least-connections` (fewest in flight per unit of weight), `ip-hash` (by `cf-connecting-ip`), `consistent-hash` (by `hashKey`, with bounded loads), `least-response-time` (peak-EWMA, power of two choices), `random` (weighted).",
    example: 'strategy = "consistent-hash"',
  },
  "pools.<pool>.hashKey": {
    meaning:
      "What `consistent-hash` hashes: `ip`, `path`, `header:NAME` or `cookie:NAME`. Ignored by the other strategies.",
    example: 'hashKey = "header:x-user"',
  },
  "pools.<pool>.location": {
    meaning:
      'Where the pool is, for proximity steering (`geo.proximity`) and for "next nearest pool" failover.',
    example: "location = { lat = 50.11, lon = 8.68 }",
  },
  "pools.<pool>.location.lat": { meaning: "Latitude in degrees.", example: "lat = 50.11" },
  "pools.<pool>.location.lon": { meaning: "Longitude in degrees.", example: "lon = 8.68" },
  "pools.<pool>.fallback": {
    meaning: "Pools to try, in order, when none of this pool's backends is usable or all failed.",
    example: 'fallback = ["us"]',
  },
  "pools.<pool>.healthCheck": {
    meaning:
      "Active health probes, from the cron trigger and Durable Object alarms. On by default: a pool without `healthCheck` is probed with `GET /` every 60 s, any 2xx being healthy. `enabled = false` turns probing off.",
    example:
      'healthCheck = { path = "/healthz", expectedStatus = [200], expectedBody = "ok", intervalSeconds = 30 }',
  },
  "pools.<pool>.healthCheck.enabled": {
    meaning: "Whether the backends are probed at all; without probes a backend counts as healthy.",
    example: "enabled = false",
  },
  "pools.<pool>.healthCheck.type": {
    meaning:
      "`http` sends a request and checks the answer; `tcp` only opens a connection to the backend's host and port (for origins that cannot answer a health request).",
    example: 'type = "tcp"',
  },
  "pools.<pool>.healthCheck.path": { meaning: "The path probed (http).", example: 'path = "/healthz"' },
  "pools.<pool>.healthCheck.method": {
    meaning: "The probe's HTTP method (http).",
    example: 'method = "HEAD"',
  },
  "pools.<pool>.healthCheck.headers": {
    meaning: "Headers sent with every probe (http), for example a token the origin's health endpoint wants.",
    example: 'headers = { "x-health-token" = "…" }',
  },
  "pools.<pool>.healthCheck.expectedStatus": {
    meaning: "Statuses that count as healthy; empty means any 2xx.",
    example: "expectedStatus = [200, 204]",
  },
  "pools.<pool>.healthCheck.expectedBody": {
    meaning: "A piece of text the answer's body must contain to count as healthy.",
    example: 'expectedBody = "ok"',
  },
  "pools.<pool>.healthCheck.timeoutMs": {
    meaning: "A probe that takes longer fails.",
    example: "timeoutMs = 2000",
  },
  "pools.<pool>.healthCheck.intervalSeconds": {
    meaning:
      "Time between probes of a backend. The cron trigger runs every minute; intervals under a minute are driven by each backend's Durable Object alarm.",
    example: "intervalSeconds = 10",
  },
  "pools.<pool>.healthCheck.healthyThreshold": {
    meaning: "Consecutive successful probes before an unhealthy backend is healthy again.",
    example: "healthyThreshold = 3",
  },
  "pools.<pool>.healthCheck.unhealthyThreshold": {
    meaning: "Consecutive failed probes before a healthy backend is unhealthy.",
    example: "unhealthyThreshold = 2",
  },
  "pools.<pool>.circuitBreaker": {
    meaning:
      "Stops sending requests to a backend that keeps failing, for `openSeconds`, then lets `halfOpenRequests` through to test it. On by default.",
    example: "circuitBreaker = { consecutiveFailures = 3, openSeconds = 60 }",
  },
  "pools.<pool>.circuitBreaker.enabled": {
    meaning: "Whether the circuit breaker is used at all.",
    example: "enabled = false",
  },
  "pools.<pool>.circuitBreaker.consecutiveFailures": {
    meaning: "Failures in a row (network errors, timeouts, 5xx) that open the circuit.",
    example: "consecutiveFailures = 3",
  },
  "pools.<pool>.circuitBreaker.failureRate": {
    meaning:
      "The circuit also opens when at least this share of requests (0 to 1) failed within `windowSeconds`, once `minRequests` were seen in it.",
    example: "failureRate = 0.25",
  },
  "pools.<pool>.circuitBreaker.windowSeconds": {
    meaning: "The window `failureRate` and `minRequests` are counted over.",
    example: "windowSeconds = 60",
  },
  "pools.<pool>.circuitBreaker.minRequests": {
    meaning: "Requests needed in the window before `failureRate` can open the circuit.",
    example: "minRequests = 50",
  },
  "pools.<pool>.circuitBreaker.failureStatuses": {
    meaning:
      "The backend answers that count as failures for the breaker (with connection errors and timeouts, which always do). An application's own 500s and 404s do not count by default, so clients cannot eject a healthy backend with requests that fail on their own; an error raised before anything was sent never counts.",
    example: "circuitBreaker = { failureStatuses = [500, 502, 503, 504] }",
  },
  "pools.<pool>.circuitBreaker.openSeconds": {
    meaning: "How long an opened circuit stays open; it doubles on each re-open, up to `maxOpenSeconds`.",
    example: "openSeconds = 10",
  },
  "pools.<pool>.circuitBreaker.maxOpenSeconds": {
    meaning: "The cap on the doubling open time.",
    example: "maxOpenSeconds = 120",
  },
  "pools.<pool>.circuitBreaker.halfOpenRequests": {
    meaning:
      "Once the open time has passed, requests are let through to test the backend: this many successes close the circuit, any failure opens it again.",
    example: "halfOpenRequests = 2",
  },
  "pools.<pool>.retry": {
    meaning:
      "Extra attempts, each to a different backend when one exists (then the next pool), on network errors, timeouts and `onStatus`.",
    example: "retry = { retries = 2, onStatus = [502, 503, 504, 429] }",
  },
  "pools.<pool>.retry.retries": {
    meaning:
      "Extra attempts after the first. A connection refused before any answer moves to the next backend without spending one.",
    example: "retries = 2",
  },
  "pools.<pool>.retry.onStatus": {
    meaning: "Upstream statuses that are retried.",
    example: "onStatus = [502, 503, 504]",
  },
  "pools.<pool>.retry.retryNonIdempotent": {
    meaning: "Retry POST and PATCH too (by default only GET, HEAD, OPTIONS, PUT, DELETE, TRACE are retried).",
    example: "retryNonIdempotent = true",
  },
  "pools.<pool>.retry.budgetPercent": {
    meaning:
      "Caps retries at this share of the pool's requests (plus a small reserve per second), so a storm of failures is not multiplied.",
    example: "budgetPercent = 10",
  },
  "pools.<pool>.timeoutMs": {
    meaning:
      "Per attempt, until the backend's response headers arrive; then the attempt fails (and may be retried).",
    example: "timeoutMs = 5000",
  },
  "pools.<pool>.slowStartSeconds": {
    meaning:
      "Slow start: a backend added to the pool at run time (`PUT /__aya/pools/{pool}/backends/{id}`, or a new `url`), or enabled again after a drain or disable, does not get its full share at once: its weight ramps up linearly from 10 % to 100 % over this many seconds, in every strategy (as Envoy's and nginx's `slow_start`), so a cold origin is not flooded. Backends of the deployed config start at full weight. 0 turns it off.",
    example: "slowStartSeconds = 60",
  },
  "pools.<pool>.affinity": {
    meaning:
      "Session affinity: the same client keeps the same backend. A pinned backend that becomes unusable is replaced and the pin moved, with no error to the client.",
    example: 'affinity = { type = "cookie", ttlSeconds = 3600 }',
  },
  "pools.<pool>.affinity.type": {
    meaning:
      "`cookie` sets a cookie naming the backend; `header` hashes the value of a request header; `ip` hashes `cf-connecting-ip`.",
    example: 'type = "header"',
  },
  "pools.<pool>.affinity.name": {
    meaning: "The cookie's name (default `aya_affinity`) or the header's (default `x-aya-affinity`).",
    example: 'name = "session"',
  },
  "pools.<pool>.affinity.ttlSeconds": {
    meaning: "How long a pin lasts.",
    example: "ttlSeconds = 600",
  },
  "pools.<pool>.panic": {
    meaning:
      'When no backend of the pool or its fallbacks is usable and no stale cached answer exists: `"serve"` sends the request to the least-bad backend anyway (health checks can be wrong), `"fail"` answers `503 no_healthy_backend`.',
    example: 'panic = "fail"',
  },
  "pools.<pool>.degraded": {
    meaning:
      "A static answer given instead of the gateway's own 502 / 503 / 504 when the pool fails (a backend's own error answer is passed on as it is).",
    example: 'degraded = { status = 200, body = "back soon", contentType = "text/plain" }',
  },
  "pools.<pool>.degraded.status": { meaning: "The answer's status.", example: "status = 503" },
  "pools.<pool>.degraded.body": { meaning: "The answer's body.", example: 'body = "back soon"' },
  "pools.<pool>.degraded.contentType": {
    meaning: "The answer's `Content-Type`.",
    example: 'contentType = "application/json"',
  },

  // ---- routes
  routes: {
    meaning:
      "The routes, in order (`[[vars.GATEWAY.routes]]`); the first that matches a request's path, method and host wins. Each has exactly one target: `pool`, `pools`, `geo`, `split`, `ai`, `redirect` or `respond`.",
    example: '[[vars.GATEWAY.routes]]\npath = "/api/*"\npool = "eu"',
  },
  "routes[].path": {
    meaning: "A Hono path pattern: `/api/*`, `/users/:id`, `/robots.txt`.",
    example: 'path = "/api/*"',
  },
  "routes[].methods": {
    meaning: "Only these methods match (any case); all do without it.",
    example: 'methods = ["GET", "POST"]',
  },
  "routes[].host": {
    meaning: "Only this host matches, or any subdomain with `*.`; all hosts do without it.",
    example: 'host = "*.example.com"',
  },
  "routes[].pool": { meaning: "Target: send to this pool (and its `fallback`).", example: 'pool = "eu"' },
  "routes[].pools": {
    meaning: "Target: these pools, tried in order (ordered failover).",
    example: 'pools = ["eu", "us"]',
  },
  "routes[].geo": {
    meaning:
      "Target: a pool chosen by the client's location. Colo beats country beats continent beats proximity beats default; when the chosen pool has nothing usable the next nearest pool is tried, then its `fallback`, then `default`.",
    example:
      'geo = { countries = { DE = "eu" }, continents = { NA = "us" }, proximity = true, default = "us" }',
  },
  "routes[].geo.countries": {
    meaning: "ISO 3166-1 alpha-2 country code → pool.",
    example: 'countries = { DE = "eu", JP = "ap" }',
  },
  "routes[].geo.continents": {
    meaning: "Continent (`AF AN AS EU NA OC SA`, as Cloudflare reports them) → pool.",
    example: 'continents = { EU = "eu", NA = "us", OC = "ap" }',
  },
  "routes[].geo.colos": {
    meaning: "Cloudflare location (IATA airport code) → pool.",
    example: 'colos = { SIN = "ap" }',
  },
  "routes[].geo.proximity": {
    meaning:
      "Without a matching country or continent, the pool nearest to the client (great-circle distance from its latitude and longitude) among the pools with a `location`.",
    example: "proximity = true",
  },
  "routes[].geo.default": {
    meaning: "The pool for a client no rule places; required unless `proximity = true`.",
    example: 'default = "us"',
  },
  "routes[].split": {
    meaning:
      "Target: a weighted split between pools (canary, A/B), sticky per client when the pools have `affinity`.",
    example: 'split = [{ pool = "eu", weight = 90 }, { pool = "canary", weight = 10 }]',
  },
  "routes[].split[].pool": { meaning: "A pool of the split.", example: 'pool = "canary"' },
  "routes[].split[].weight": { meaning: "Its relative share.", example: "weight = 10" },
  "routes[].ai": {
    meaning:
      "Target: the OpenAI-compatible AI API under this route's prefix (`POST …/chat/completions`, `POST …/embeddings`, `GET …/models`); the path must end in `/*` and the config needs `providers`.",
    example: "ai = true",
  },
  "routes[].redirect": {
    meaning: "Target: answer with a redirect.",
    example: 'redirect = { to = "https://new.example.com{path}{query}", status = 301 }',
  },
  "routes[].redirect.to": {
    meaning:
      "The `Location`. `{path}` is replaced by the request's path and `{query}` by its query string (with its `?`, or nothing), each once.",
    example: 'to = "https://new.example.com{path}{query}"',
  },
  "routes[].redirect.status": {
    meaning: "301, 302, 303, 307 or 308; 302 without it.",
    example: "status = 308",
  },
  "routes[].respond": {
    meaning: "Target: a static answer from the gateway itself, no backend.",
    example: 'respond = { status = 200, body = "User-agent: *\\nDisallow:\\n" }',
  },
  "routes[].rewrite": {
    meaning: "Changes to the request before it goes to the backend.",
    example: 'rewrite = { stripPrefix = "/api" }',
  },
  "routes[].rewrite.stripPrefix": {
    meaning: 'Removed from the start of the path: `/api/users` with `stripPrefix = "/api"` goes to `/users`.',
    example: 'stripPrefix = "/api"',
  },
  "routes[].rewrite.addPrefix": {
    meaning:
      'Put before the path, after `stripPrefix`: `/users/7` with `addPrefix = "/v2"` goes to `/v2/users/7`.',
    example: 'addPrefix = "/v2"',
  },
  "routes[].rewrite.hostHeader": {
    meaning:
      "The `Host` sent to the backend (by default the backend URL's host). On Cloudflare a different `Host` is honoured only for origins in your own zone.",
    example: 'hostHeader = "www.example.com"',
  },
  "routes[].headers": {
    meaning:
      "Headers set or removed on the way to the backend (`request`) and back to the client (`response`).",
    example: 'headers = { request = { set = { "x-team" = "edge" } }, response = { remove = ["server"] } }',
  },
  "routes[].headers.request": {
    meaning: "Changes to the request's headers before it goes to the backend.",
    example: 'request = { set = { "x-team" = "edge" }, remove = ["cookie"] }',
  },
  "routes[].headers.request.set": {
    meaning: "Headers set (replacing any value the client sent).",
    example: 'set = { "x-team" = "edge" }',
  },
  "routes[].headers.request.remove": {
    meaning: "Headers removed.",
    example: 'remove = ["cookie"]',
  },
  "routes[].headers.response": {
    meaning: "Changes to the answer's headers before it goes to the client.",
    example: 'response = { remove = ["server", "x-powered-by"] }',
  },
  "routes[].rateLimit": {
    meaning:
      "Requests per window on this route, per client address, consumer or header value, across every location; anonymous traffic included. 429 `rate_limited` above it, before the backend is called.",
    example: 'rateLimit = { limit = 100, windowSeconds = 10, by = "ip" }',
  },
  "routes[].rateLimit.limit": {
    meaning: "Requests allowed in each window, per key (`by`).",
    example: "rateLimit = { limit = 100 }",
  },
  "routes[].rateLimit.windowSeconds": {
    meaning: "The window, aligned to the clock (a minute starts at :00).",
    example: "rateLimit = { limit = 100, windowSeconds = 10 }",
  },
  "routes[].rateLimit.by": {
    meaning:
      "What is counted apart: `ip` (the client address), `consumer` (its address when anonymous) or `header:NAME` (the header's value, counted by address when absent; a client can choose its value, so use a header your own proxy or app sets).",
    example: 'rateLimit = { limit = 100, by = "header:x-tenant" }',
  },
  "routes[].cache": {
    meaning:
      "Caches answers in Workers KV (with a short per-location copy), honouring the origin's `Cache-Control`; never stores private answers, `Set-Cookie` answers, or, for requests with `Authorization`, answers not marked shareable.",
    example: "cache = { ttlSeconds = 60, staleWhileRevalidateSeconds = 30, staleIfErrorSeconds = 600 }",
  },
  "routes[].cache.ttlSeconds": {
    meaning: "How long an answer is fresh, unless the origin's `s-maxage` or `max-age` says otherwise.",
    example: "ttlSeconds = 60",
  },
  "routes[].cache.staleWhileRevalidateSeconds": {
    meaning: "After that, how long a stale answer is still served while it is refreshed in the background.",
    example: "staleWhileRevalidateSeconds = 30",
  },
  "routes[].cache.staleIfErrorSeconds": {
    meaning:
      "How long, counted from when the origin last answered, a stale answer is served instead of an error when the pool and its fallbacks fail.",
    example: "staleIfErrorSeconds = 600",
  },
  "routes[].cache.methods": {
    meaning: "The methods whose answers are cached (GET and HEAD share an entry).",
    example: 'methods = ["GET"]',
  },
  "routes[].cache.varyHeaders": {
    meaning: "Request headers whose values are part of the cache key.",
    example: 'varyHeaders = ["accept-language"]',
  },
  "routes[].cache.honorClientNoCache": {
    meaning:
      "Whether a client's `Cache-Control: no-cache` / `Pragma: no-cache` (and `no-store`) skips the lookup and fetches a fresh answer. Off by default: any client could otherwise send every request to the origin. On, a key is still written at most once a second per isolate. A client's `no-store` keeps its own answer out of the cache either way.",
    example: "cache = { ttlSeconds = 60, honorClientNoCache = true }",
  },
  "routes[].cache.maxBodyBytes": {
    meaning: "Larger answers are passed on but not stored (KV holds at most 25 MiB a value).",
    example: "maxBodyBytes = 5242880",
  },

  // ---- AI providers
  providers: {
    meaning:
      "The AI providers, by name (`[vars.GATEWAY.providers.openai]`). Each is a backend like any other: circuit-broken, latency-tracked, probed when it has a `healthCheck`.",
    example: '[vars.GATEWAY.providers.openai]\ntype = "openai"\napiKeySecret = "OPENAI_API_KEY"',
  },
  "providers.<provider>.type": {
    meaning:
      "The provider's API: `openai`, `azure-openai`, `anthropic`, `gemini`, `workers-ai` (the `AI` binding) or `openai-compatible` (vLLM, Ollama, Groq, Mistral …).",
    example: 'type = "anthropic"',
  },
  "providers.<provider>.apiKeySecret": {
    meaning:
      "The name of the secret holding the API key (`npx wrangler secret put NAME`; locally `.dev.vars`), never the key itself. Required except for `workers-ai` and `openai-compatible`.",
    example: 'apiKeySecret = "OPENAI_API_KEY"',
  },
  "providers.<provider>.baseUrl": {
    meaning:
      "The API root as the provider's official SDK takes it; each type has its default, except `openai-compatible` and `azure-openai` (`https://{resource}.openai.azure.com`), which need one.",
    example: 'baseUrl = "http://10.0.0.5:8000/v1"',
  },
  "providers.<provider>.apiVersion": {
    meaning: "Azure OpenAI's `api-version`; required for `azure-openai`.",
    example: 'apiVersion = "2024-10-21"',
  },
  "providers.<provider>.healthCheck": {
    meaning: "Probes, as a pool's `healthCheck`, but off unless configured: a probe would spend API quota.",
    example: 'healthCheck = { enabled = true, path = "/models", intervalSeconds = 60 }',
  },
  "providers.<provider>.circuitBreaker": {
    meaning: "As a pool's `circuitBreaker`.",
    example: "circuitBreaker = { consecutiveFailures = 3, openSeconds = 30 }",
  },
  "providers.<provider>.timeoutMs": {
    meaning: "Per attempt, until the provider's response headers arrive.",
    example: "timeoutMs = 120000",
  },
  "providers.<provider>.streamIdleTimeoutMs": {
    meaning:
      "A stream that sends nothing for this long ends with the error event `stream_timeout` and no `data: [DONE]`, so a stalled provider never holds a client forever.",
    example: "streamIdleTimeoutMs = 30000",
  },
  "providers.<provider>.headers": {
    meaning:
      "Extra headers sent with every call to this provider (an organisation or project id, say); the key header the gateway sets itself wins over them.",
    example: 'headers = { "OpenAI-Organization" = "org-…" }',
  },
  "providers.<provider>.location": {
    meaning: "Where the provider's endpoint is, as a pool's `location`.",
    example: "location = { lat = 39.04, lon = -77.49 }",
  },

  // ---- models
  models: {
    meaning:
      "Model aliases, by name (`[vars.GATEWAY.models.chat]`): what a client's `model` names. A client can also address one provider directly with `provider/model`.",
    example: '[vars.GATEWAY.models.chat]\ntargets = [{ provider = "openai", model = "gpt-4o-mini" }]',
  },
  "models.<alias>.strategy": {
    meaning:
      "How the alias picks a target: `fallback` (in order), `weighted` (by `weight`, the others as fallbacks), `least-latency` (by each provider's latency), `least-cost` (by price against the request's size). A target that fails before the first byte reaches the client is skipped for the next.",
    example: 'strategy = "least-cost"',
  },
  "models.<alias>.targets": {
    meaning: "The provider and model pairs behind the alias, at least one.",
    example:
      'targets = [{ provider = "openai", model = "gpt-4o-mini" }, { provider = "anthropic", model = "claude-3-5-haiku-latest" }]',
  },
  "models.<alias>.targets[].provider": {
    meaning: "A provider's name from `providers`.",
    example: 'provider = "openai"',
  },
  "models.<alias>.targets[].model": {
    meaning: "The model as the provider names it (for Azure, the deployment).",
    example: 'model = "gpt-4o-mini"',
  },
  "models.<alias>.targets[].weight": {
    meaning: 'Relative share with `strategy = "weighted"`.',
    example: "weight = 3",
  },
  "models.<alias>.targets[].inputCostPer1M": {
    meaning: "US dollars per million prompt tokens, for `least-cost`, budgets and the spend ledger.",
    example: "inputCostPer1M = 0.15",
  },
  "models.<alias>.targets[].outputCostPer1M": {
    meaning: "US dollars per million completion tokens, for `least-cost`, budgets and the spend ledger.",
    example: "outputCostPer1M = 0.6",
  },
  "models.<alias>.targets[].cachedInputCostPer1M": {
    meaning:
      "US dollars per million prompt tokens the provider served from its prompt cache (`prompt_tokens_details.cached_tokens`); unset, they are priced as input.",
    example: "cachedInputCostPer1M = 0.075",
  },
  // ---- AI answer cache
  aiCache: {
    meaning: "Settings of the AI answer cache (chat completions and embeddings).",
    example: "aiCache = { maxClientTtlSeconds = 86400 }",
  },
  "aiCache.maxClientTtlSeconds": {
    meaning:
      "No AI answer is kept longer than this, whatever a client's `x-aya-cache-ttl` asks (the default hour of temperature-0 answers included).",
    example: "aiCache = { maxClientTtlSeconds = 3600 }",
  },
  observability: {
    meaning:
      "What the per-request log line may carry beyond its fixed fields (README: Observability). Keys, tokens, cookies and bodies are never logged.",
    example: "observability = { logQuery = true }",
  },
  "observability.logQuery": {
    meaning:
      "Adds the request's query string to its log line as `query`. Off by default: query strings often carry tokens or personal data.",
    example: "observability = { logQuery = true }",
  },
  alerts: {
    meaning:
      "A webhook told about health changes and spend: a JSON POST with a Slack-compatible `text`, sent once per event for the whole edge by the object that owns what changed, retried with backoff until the receiver answers 2xx.",
    example:
      'alerts = { webhookUrl = "https://hooks.slack.com/services/T000/B000/XXXX", secretName = "ALERT_SECRET" }',
  },
  "alerts.webhookUrl": {
    meaning:
      "Where alerts are POSTed. A Slack or Mattermost incoming webhook works as it is; any other receiver gets the same JSON with the event's fields beside `text`.",
    example: 'alerts = { webhookUrl = "https://alerts.example.com/aya" }',
  },
  "alerts.secretName": {
    meaning:
      "The name of a secret whose value signs each alert: `x-aya-signature: sha256=<hex HMAC-SHA256 of the body>`, so the receiver can tell aya's alerts from forged ones. Never `ADMIN_TOKEN`.",
    example:
      'alerts = { webhookUrl = "https://alerts.example.com/aya", secretName = "ALERT_WEBHOOK_SECRET" }',
  },
  "alerts.events": {
    meaning:
      "Which events are sent: `backend_unhealthy` (probes marked a backend or provider down), `backend_healthy` (it recovered), `circuit_open` (its circuit breaker opened), `budget_threshold` (a consumer's spend reached 80 % and 100 % of its budget).",
    example:
      'alerts = { webhookUrl = "https://alerts.example.com/aya", events = ["backend_unhealthy", "backend_healthy"] }',
  },
  // ---- consumers (CONTRACT §7)
  auth: {
    meaning: "Where keys are read and which JWT issuers are trusted, for routes with `auth`.",
    example: 'auth = { keyHeaders = ["authorization", "x-api-key"] }',
  },
  "auth.keyHeaders": {
    meaning:
      "The headers a key or token is read from, in order: `authorization` as `Bearer <key>`, any other as its raw value (the Anthropic SDK sends `x-api-key`). The header a credential came in is consumed and never forwarded.",
    example: 'auth = { keyHeaders = ["authorization", "x-api-key"] }',
  },
  "auth.jwt": {
    meaning:
      'Named JWT issuers (`[vars.GATEWAY.auth.jwt.okta]`); a route accepts one with `auth.methods = ["jwt:okta"]`.',
    example: '[vars.GATEWAY.auth.jwt.okta]\nissuer = "https://example.okta.com/oauth2/default"',
  },
  "auth.jwt.<name>.issuer": {
    meaning: "The token's `iss` must be exactly this.",
    example: 'issuer = "https://example.okta.com/oauth2/default"',
  },
  "auth.jwt.<name>.audience": {
    meaning: "The token's `aud` must be (or contain) this, or one of these.",
    example: 'audience = "api://aya"',
  },
  "auth.jwt.<name>.jwksUrl": {
    meaning:
      "The issuer's JWKS: fetched on first use, kept as its Cache-Control max-age says (1 minute to 1 hour; 10 minutes without one), fetched again (at most every 30 s) when a token names a `kid` it lacks, so a key rotation is followed. Exactly one of jwksUrl and publicKeySecret.",
    example: 'jwksUrl = "https://example.okta.com/oauth2/default/v1/keys"',
  },
  "auth.jwt.<name>.publicKeySecret": {
    meaning:
      "The name of a secret holding the issuer's public key, as PEM (SPKI) or a JWK, instead of a JWKS.",
    example: 'publicKeySecret = "OKTA_PUBLIC_KEY"',
  },
  "auth.jwt.<name>.consumerClaim": {
    meaning: "The claim that names the consumer (sent to backends as `x-aya-consumer`).",
    example: 'consumerClaim = "email"',
  },
  "auth.jwt.<name>.planClaim": {
    meaning: "The claim that names the consumer's plan (`plans`), if any.",
    example: 'planClaim = "plan"',
  },
  "auth.jwt.<name>.algorithms": {
    meaning:
      "The signature algorithms accepted. Asymmetric only: a token is checked with a public key, and HMAC with a public key as its secret is the classic forgery; `none` is never accepted.",
    example: 'algorithms = ["RS256"]',
  },
  "auth.jwt.<name>.clockSkewSeconds": {
    meaning: "Slack for `exp`, `nbf` and `iat` against aya's clock.",
    example: "clockSkewSeconds = 30",
  },
  consumers: {
    meaning:
      "Static consumers, for configuration as code: each key is held in a secret (never in the config); runtime keys are made with `POST /__aya/keys`.",
    example: '[[vars.GATEWAY.consumers]]\nid = "mobile-app"\nkeySecret = "MOBILE_APP_KEY"',
  },
  "consumers[].id": {
    meaning:
      "The consumer's id: on the request's log line, in its usage and limits, and to backends as `x-aya-consumer`.",
    example: 'id = "mobile-app"',
  },
  "consumers[].keySecret": {
    meaning:
      "The name of the secret that holds this consumer's key (`npx wrangler secret put MOBILE_APP_KEY`).",
    example: 'keySecret = "MOBILE_APP_KEY"',
  },
  "consumers[].plan": {
    meaning: "The consumer's plan, by name (`plans`).",
    example: 'plan = "pro"',
  },
  "consumers[].models": {
    meaning:
      "Model aliases, `provider/model` or `provider/*` the consumer may use on AI routes; absent: any (a 403 `model_not_allowed` otherwise).",
    example: 'models = ["chat", "openai/*"]',
  },
  "consumers[].routes": {
    meaning:
      "Route paths, as written in `routes`, the consumer may call; absent: any route with `auth` (a 403 `forbidden` otherwise).",
    example: 'routes = ["/v1/*"]',
  },
  "routes[].auth": {
    meaning: "Who may call the route: a key or a token is required (401 without one), unless `optional`.",
    example: 'auth = { methods = ["key", "jwt:okta"] }',
  },
  "routes[].auth.methods": {
    meaning: "`key` (runtime and static consumers' keys) and `jwt:<issuer>`; any one of them admits.",
    example: 'auth = { methods = ["jwt:okta"] }',
  },
  "routes[].auth.optional": {
    meaning:
      "Lets a request without any key or token in as anonymous; one that presents a bad credential is still a 401.",
    example: "auth = { optional = true }",
  },
  "routes[].cors": {
    meaning:
      "CORS: preflights are answered by aya (204, no backend call); every answer of the route, errors included, carries the grant for allowed origins and `Vary: Origin`.",
    example: 'cors = { origins = ["https://app.example.com"], credentials = true }',
  },
  "routes[].cors.origins": {
    meaning:
      "Allowed origins: exact (`https://app.example.com`), any subdomain (`https://*.example.com`), or `*` (not with credentials).",
    example: 'cors = { origins = ["https://app.example.com", "https://*.preview.example.com"] }',
  },
  "routes[].cors.methods": {
    meaning: "`Access-Control-Allow-Methods` of a preflight.",
    example: 'cors = { origins = ["https://app.example.com"], methods = ["GET", "POST", "PUT"] }',
  },
  "routes[].cors.headers": {
    meaning:
      "`Access-Control-Allow-Headers` of a preflight: list `authorization` for a browser that sends a key.",
    example: 'cors = { origins = ["https://app.example.com"], headers = ["content-type", "authorization"] }',
  },
  "routes[].cors.exposeHeaders": {
    meaning: "`Access-Control-Expose-Headers`: answer headers a browser script may read.",
    example: 'cors = { origins = ["https://app.example.com"], exposeHeaders = ["x-request-id"] }',
  },
  "routes[].cors.credentials": {
    meaning: "Sends `Access-Control-Allow-Credentials: true` (and the origin itself, never `*`).",
    example: 'cors = { origins = ["https://app.example.com"], credentials = true }',
  },
  "routes[].cors.maxAgeSeconds": {
    meaning: "How long a browser may keep a preflight's answer.",
    example: 'cors = { origins = ["https://app.example.com"], maxAgeSeconds = 3600 }',
  },
  "routes[].access": {
    meaning:
      "Who may call at all, by client address and country, decided before anything else (403 `forbidden`). Deny wins over allow; an empty allow list allows all.",
    example: 'access = { countryDeny = ["KP"] }',
  },
  "routes[].access.ipAllow": {
    meaning:
      "IPv4 / IPv6 addresses and CIDR ranges allowed, checked on `cf-connecting-ip` (never `X-Forwarded-For`).",
    example: 'access = { ipAllow = ["203.0.113.0/24", "2001:db8::/32"] }',
  },
  "routes[].access.ipDeny": {
    meaning: "Addresses and CIDR ranges refused.",
    example: 'access = { ipDeny = ["198.51.100.7"] }',
  },
  "routes[].access.countryAllow": {
    meaning: "ISO 3166-1 alpha-2 countries allowed, from the request's `cf.country`.",
    example: 'access = { countryAllow = ["DE", "FR"] }',
  },
  "routes[].access.countryDeny": {
    meaning: "Countries refused.",
    example: 'access = { countryDeny = ["KP"] }',
  },
  // ---- plans (CONTRACT §8)
  plans: {
    meaning:
      "What a consumer may spend, by plan name: keys, static consumers and JWT claims name a plan; a key may override its fields (`limits`).",
    example: "[vars.GATEWAY.plans.free]\nrequests = { limit = 60, windowSeconds = 60 }",
  },
  "plans.<name>.requests": {
    meaning: "Requests per window, per consumer, across every location.",
    example: "requests = { limit = 60, windowSeconds = 60 }",
  },
  "plans.<name>.requests.limit": {
    meaning: "Requests allowed in each window.",
    example: "requests = { limit = 600 }",
  },
  "plans.<name>.requests.windowSeconds": {
    meaning: "The window, aligned to the clock (a minute starts at :00).",
    example: "requests = { limit = 600, windowSeconds = 60 }",
  },
  "plans.<name>.tokens": {
    meaning: "AI prompt + completion tokens per window.",
    example: "tokens = { limit = 100000, windowSeconds = 60 }",
  },
  "plans.<name>.tokens.limit": {
    meaning: "Tokens allowed in each window.",
    example: "tokens = { limit = 100000 }",
  },
  "plans.<name>.tokens.windowSeconds": {
    meaning: "The window, aligned to the clock.",
    example: "tokens = { limit = 100000, windowSeconds = 3600 }",
  },
  "plans.<name>.concurrency": {
    meaning: "Requests in flight at once, across every location.",
    example: "concurrency = 4",
  },
  "plans.<name>.budget": {
    meaning: "Spend per period, in US dollars, priced from the providers' usage.",
    example: 'budget = { usd = 10, period = "month" }',
  },
  "plans.<name>.budget.usd": { meaning: "The budget.", example: "budget = { usd = 25 }" },
  "plans.<name>.budget.period": {
    meaning: "`day`, `week` or `month` (UTC), or `total` (never resets).",
    example: 'budget = { usd = 25, period = "day" }',
  },
  "plans.<name>.maxTokensPerRequest": {
    meaning: "Caps `max_tokens` / `max_completion_tokens` of a chat request (400 above).",
    example: "maxTokensPerRequest = 4096",
  },
  "plans.<name>.maxN": { meaning: "Caps `n` of a chat request (400 above).", example: "maxN = 1" },
  "plans.<name>.models": {
    meaning: "Model aliases, `provider/model` or `provider/*` the plan may use.",
    example: 'models = ["chat", "gpt"]',
  },
};
