// Which requests carry a client's credentials, for the shared cache (RFC 9111 §3.5): an answer to
// such a request is someone's own unless the origin says otherwise. One list, so that consumers
// (contract §7, `auth.keyHeaders`, default the same two) can later hand the configured one in.

/** The headers a consumer's key or token travels in: `Authorization` and a raw API key. */
export const CREDENTIAL_HEADERS: readonly string[] = ["authorization", "x-api-key"];

export function carriesCredentials(headers: Headers, names: readonly string[] = CREDENTIAL_HEADERS): boolean {
  return names.some((name) => headers.has(name));
}
