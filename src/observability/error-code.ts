// Which gateway error an answer is, for the log line's `error`: the one renderer of each error
// surface (GatewayError, AiError) marks the Response it makes, and the observe middleware reads
// the mark. A mark, not a header, so that no backend can put an error on aya's log line. A code
// that came from a provider's error body is cut to a short token: a log field, never free text.
const codes = new WeakMap<Response, string>();

export function markError<T extends Response>(response: T, code: string): T {
  codes.set(response, code.slice(0, 64).replace(/[^A-Za-z0-9_.:-]/g, "_"));
  return response;
}

export function errorCodeOf(response: Response): string | undefined {
  return codes.get(response);
}
