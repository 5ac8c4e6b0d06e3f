// Just enough of a shell and of curl to run the README's walkthrough lines as a reader types them:
// `;` between commands, `for x in a b; do …; done`, `sleep N`, `NAME=$(curl …)` (the body, kept
// for `$NAME` in later lines), and curl with -i -s -N -X -H -d -c -b. Anything else is an error
// naming it, so a README line this cannot run fails the test (extend this then) instead of being
// skipped.

export interface Answer {
  method: string;
  status: number;
  headers: Headers;
  body: string;
}

export type Action = { kind: "curl"; args: string[]; assign?: string } | { kind: "sleep"; seconds: number };

/** Shell words: quotes group and are removed, $NAME is expanded outside single quotes. */
export function words(text: string, vars: Record<string, string> = {}): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${text}`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let inner = "";
      for (; j < text.length && text[j] !== '"'; j++) inner += text[j] === "\\" ? (text[++j] ?? "") : text[j];
      if (j >= text.length) throw new Error(`unclosed " in: ${text}`);
      word = (word ?? "") + expand(inner, vars);
      i = j;
    } else if (c === "$") {
      const name = /^\$\{?(\w+)\}?/.exec(text.slice(i));
      if (!name) throw new Error(`cannot expand $ in: ${text}`);
      word = (word ?? "") + (vars[name[1] as string] ?? "");
      i += (name[0] as string).length - 1;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) out.push(word);
  return out;
}

function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{?(\w+)\}?/g, (_, name: string) => vars[name] ?? "");
}

/** Splits at `;` outside quotes. */
function commands(text: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let current = "";
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ";") {
      out.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  out.push(current);
  return out.map((c) => c.trim()).filter(Boolean);
}

export function actions(line: string, vars: Record<string, string> = {}): Action[] {
  const loop = /^for (\w+) in ([^;]+); do (.+); done$/.exec(line.trim());
  if (loop) {
    const [, name, list, body] = loop as unknown as [string, string, string, string];
    return words(list, vars).flatMap((value) =>
      commands(body).map((c) => action(words(c, { ...vars, [name]: value }))),
    );
  }
  const assign = /^(\w+)=\$\((curl .+)\)$/.exec(line.trim());
  if (assign) {
    const [, name, command] = assign as unknown as [string, string, string];
    const inner = action(words(command, vars));
    if (inner.kind !== "curl") throw new Error(`only curl can be captured: ${line}`);
    return [{ ...inner, assign: name }];
  }
  return commands(line).map((c) => action(words(c, vars)));
}

function action(argv: string[]): Action {
  const [name, ...args] = argv;
  if (name === "curl") return { kind: "curl", args };
  if (name === "sleep" && args.length === 1 && /^\d+$/.test(args[0] ?? ""))
    return { kind: "sleep", seconds: Number(args[0]) };
  throw new Error(`the walkthrough runner cannot run "${argv.join(" ")}" (test/e2e/support/shell.ts)`);
}

/** Cookie jars by file name, as curl's -c / -b keep them. */
export type Jars = Map<string, Map<string, string>>;

export async function curl(args: string[], jars: Jars): Promise<Answer> {
  let method: string | undefined;
  let data: string | undefined;
  let url: string | undefined;
  let saveTo: string | undefined;
  let sendFrom: string | undefined;
  const headers = new Headers();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new Error(`curl ${arg} needs a value`);
      return next;
    };
    if (arg === "-i" || arg === "-s" || arg === "-N" || arg === "--include" || arg === "--no-buffer")
      continue;
    if (arg === "-X" || arg === "--request") method = value();
    else if (arg === "-H" || arg === "--header") {
      const header = value();
      const colon = header.indexOf(":");
      headers.set(header.slice(0, colon).trim(), header.slice(colon + 1).trim());
    } else if (arg === "-d" || arg === "--data" || arg === "--data-raw") data = value();
    else if (arg === "-c" || arg === "--cookie-jar") saveTo = value();
    else if (arg === "-b" || arg === "--cookie") sendFrom = value();
    else if (arg.startsWith("-")) throw new Error(`the walkthrough runner does not know curl ${arg}`);
    else url = arg;
  }
  if (!url) throw new Error(`curl without a URL: curl ${args.join(" ")}`);
  // curl's defaults: http://, POST with a form content type when there is data.
  const target = new URL(/^https?:\/\//.test(url) ? url : `http://${url}`);
  if (target.hostname === "localhost") target.hostname = "127.0.0.1";
  if (data !== undefined && !headers.has("content-type"))
    headers.set("content-type", "application/x-www-form-urlencoded");
  const cookies = sendFrom ? jars.get(sendFrom) : undefined;
  if (cookies?.size) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  const verb = method ?? (data !== undefined ? "POST" : "GET");
  const res = await fetch(target, { method: verb, headers, body: data, redirect: "manual" });
  const body = await res.text();
  if (saveTo) {
    const jar = jars.get(saveTo) ?? new Map<string, string>();
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    jars.set(saveTo, jar);
  }
  return { method: verb, status: res.status, headers: res.headers, body };
}
