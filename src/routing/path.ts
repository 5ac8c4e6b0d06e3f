// The request path in one canonical form, computed once per request: routes are matched, rewritten
// and forwarded on it, so no spelling of a path can reach what its plain form is routed away from
// (`/%62locked`, `//blocked`, `/x/../blocked` are `/blocked`). Percent-encoded unreserved
// characters are decoded (RFC 3986 §6.2.2.2), other encodings upper-cased, runs of slashes merged
// and dot segments resolved (§5.2.4). An encoded `/` or `\` is refused: decoded it would change
// the path's segments, kept encoded backends disagree on what it means (the classic route bypass
// and traversal), and no path needs it.
import { GatewayError } from "../errors";

const ENCODED_SEPARATOR = /%(2f|5c)/i;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

export function canonicalPath(pathname: string): string {
  if (ENCODED_SEPARATOR.test(pathname))
    throw new GatewayError("bad_request", "the path contains an encoded / or \\, which this gateway refuses");
  const decoded = pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return removeDotSegments(decoded.replace(/\/{2,}/g, "/"));
}

/** RFC 3986 §5.2.4 on a path of single slashes: `.` dropped, `..` removes the segment before it. */
function removeDotSegments(path: string): string {
  const input = path.startsWith("/") ? path.slice(1).split("/") : path.split("/");
  const out: string[] = [];
  input.forEach((segment, i) => {
    const last = i === input.length - 1;
    if (segment === "." || segment === "..") {
      if (segment === "..") out.pop();
      // A dot segment at the end leaves the path ending in a slash (`/a/b/..` is `/a/`).
      if (last) out.push("");
      return;
    }
    out.push(segment);
  });
  return `/${out.join("/")}`;
}
