// `npm run aya -- backends drain eu eu-1 --url https://gw.example.com`: runtime operations from a
// terminal (scripts/lib/aya-cli.ts says what each command sends and shows). The admin token comes
// from AYA_ADMIN_TOKEN. Exit 0 when the gateway did what was asked, 1 otherwise, 2 for a command
// line that means nothing.
import { parseArgs, render, USAGE } from "./lib/aya-cli.ts";

const TIMEOUT_MS = 15_000;

function fail(message: string, code = 1): never {
  console.error(`aya: ${message}`);
  process.exit(code);
}

const parsed = parseArgs(process.argv.slice(2));
if (!parsed.ok) {
  if (parsed.error === "") {
    console.log(USAGE);
    process.exit(0);
  }
  fail(`${parsed.error} (npm run aya -- help lists the commands)`, 2);
}
const base = parsed.url ?? process.env.AYA_URL;
if (!base) fail("which gateway? give --url https://gw.example.com (or set AYA_URL)", 2);
let origin: URL;
try {
  origin = new URL(base);
  if (origin.protocol !== "http:" && origin.protocol !== "https:") throw new Error("not http");
} catch {
  fail(`--url ${JSON.stringify(base)} is not an http:// or https:// URL`, 2);
}
const token = process.env.AYA_ADMIN_TOKEN;
if (!token) fail("set AYA_ADMIN_TOKEN to the gateway's admin token (its ADMIN_TOKEN secret)", 2);

const { request, json } = parsed;
const url = new URL(`/__aya${request.path}`, origin);
let res: Response;
try {
  res = await fetch(url, {
    method: request.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(request.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
} catch (error) {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).message;
  fail(`cannot reach ${origin.origin}: ${why}`);
}
const text = await res.text();
let body: unknown = text;
try {
  body = JSON.parse(text);
} catch {
  // shown as it is
}
const out = render(request, res.status, body, json);
if (!out.ok) fail(out.lines.join("\n"));
console.log(out.lines.join("\n"));
