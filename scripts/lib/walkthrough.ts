// The README's walkthrough: the ```sh blocks marked `<!-- walkthrough -->` (or `<!-- walkthrough
// printed -->`, which `npm start` also prints). Each line is a command a reader runs; its
// trailing comment says what the answer shows, as checks separated by commas:
//   200                     the status
//   x-aya-pool: eu          a header and its value
//   "[anthropic]"           a piece of the body
// and words in parentheses, which are for the reader. test/e2e/readme-walkthrough.test.ts runs
// every line against `npm start` and holds the answers to these checks, so the README cannot
// drift from what the demo does; a comment it cannot read fails the test, not silently passes.

export type Check =
  | { kind: "status"; status: number }
  | { kind: "header"; name: string; value: string }
  | { kind: "body"; contains: string };

export interface Step {
  /** The command as a reader types it (continuation lines joined). */
  command: string;
  checks: Check[];
  /** 1-based line of the README where the command starts. */
  line: number;
}

export interface Block {
  printed: boolean;
  /** The block's text as it stands in the README, comments included. */
  text: string;
  steps: Step[];
}

const MARKER = /^<!--\s*walkthrough(\s+printed)?\s*-->\s*$/;

export function walkthrough(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i] ?? "");
    if (!marker) continue;
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i + 1] ?? ""))
      throw new Error(`README.md:${i + 1}: a walkthrough marker must come right before a \`\`\`sh block`);
    const start = i + 2;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? "")) end++;
    const body = lines.slice(start, end);
    blocks.push({ printed: Boolean(marker[1]), text: body.join("\n"), steps: steps(body, start + 1) });
    i = end;
  }
  return blocks;
}

function steps(body: string[], firstLine: number): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < body.length; i++) {
    const line = firstLine + i;
    let text = body[i] ?? "";
    if (text.trim() === "" || text.trim().startsWith("#")) continue;
    while (text.endsWith("\\") && i + 1 < body.length)
      text = `${text.slice(0, -1)} ${(body[++i] ?? "").trim()}`;
    const { command, comment } = splitComment(text);
    out.push({
      command: command.trim(),
      checks: comment === undefined ? [] : parseChecks(comment, line),
      line,
    });
  }
  return out;
}

/** Splits at the first ` #` outside quotes: the shell's own rule for a comment. */
export function splitComment(text: string): { command: string; comment?: string } {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(text[i - 1] ?? ""))) {
      return { command: text.slice(0, i), comment: text.slice(i + 1) };
    }
  }
  return { command: text };
}

export function parseChecks(comment: string, line: number): Check[] {
  const checks: Check[] = [];
  for (const piece of comment.replace(/\([^)]*\)/g, "").split(",")) {
    const text = piece.trim();
    if (text === "") continue;
    const header = /^([A-Za-z0-9-]+): (.+)$/.exec(text);
    const body = /^"(.*)"$/.exec(text);
    if (/^\d{3}$/.test(text)) checks.push({ kind: "status", status: Number(text) });
    else if (body) checks.push({ kind: "body", contains: body[1] ?? "" });
    else if (header)
      checks.push({ kind: "header", name: (header[1] ?? "").toLowerCase(), value: header[2] ?? "" });
    else
      throw new Error(
        `README.md:${line}: cannot read "${text}" as a check (a status, "header: value" or a "quoted" piece of the body; put words for the reader in parentheses)`,
      );
  }
  return checks;
}
